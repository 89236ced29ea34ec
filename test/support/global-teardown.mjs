const LOCAL_DYNAMODB = Symbol.for('broadcast-service.test.dynamodb-local');

/** Stops the DynamoDB Local that global-setup.mjs started (nothing when DYNAMODB_ENDPOINT was given). */
export default async function globalTeardown() {
  const dynamoDb = globalThis[LOCAL_DYNAMODB];
  delete globalThis[LOCAL_DYNAMODB];
  await dynamoDb?.stop();
}
