import { randomUUID } from 'node:crypto';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../functions/unsubscribe.js';
import { HmacUnsubscribeLinks } from '../../../lib/adapters/unsubscribe/hmac-unsubscribe-links.js';
import { getRuntime, prepareRuntime, resetRuntime } from '../../../lib/composition-root.js';
import { aContact } from '../../support/builders.js';
import { newTenantId } from '../../support/dynamodb.js';
import { setEnv } from '../../support/env.js';
import { handlerRuntimeForFile } from '../../support/handler-runtime.js';
import { expectProblem, httpLambdaContext, httpReply, publicHttpApiEvent } from '../../support/lambda-events.js';

// Issue 11, section 3: in AWS the unsubscribe signing key is read from Secrets Manager (Powertools Parameters) once per
// cold start, before the first invocation runs; it is never in the function's environment. Secrets Manager is mocked;
// the table is DynamoDB Local.

const secretsManager = mockClient(SecretsManagerClient);
const runtime = handlerRuntimeForFile();
const KEY = 'a-signing-key-kept-in-secrets-manager-0123456789';
let restoreEnv: (() => void) | undefined;

/** The environment the stack gives the unsubscribe function in AWS, the secret named by a fresh ARN (a fresh cache). */
function deployedWithSecret(): string {
  const arn = `arn:aws:secretsmanager:eu-west-1:123456789012:secret:UnsubscribeLinksSigningKey-${randomUUID().slice(0, 6)}`;
  restoreEnv = setEnv({
    AWS_LAMBDA_FUNCTION_NAME: 'broadcast-acme-prod-unsubscribe',
    UNSUBSCRIBE_SECRET_ARN: arn,
    LOCAL_SECRET_KEY: undefined,
  });
  resetRuntime();
  return arn;
}

beforeEach(() => secretsManager.reset());

afterEach(() => {
  restoreEnv?.();
  resetRuntime();
});

/** A stored contact and a token for it, signed with `key` as the sender would have signed it. */
async function aContactWithToken(key: string) {
  await prepareRuntime();
  const contact = aContact(newTenantId());
  await runtime.deps().contacts.create(contact);
  const token = new HmacUnsubscribeLinks(key, 'https://example.test').tokenFor({
    tenantId: contact.tenantId,
    contactId: contact.id,
    broadcastId: randomUUID(),
  });
  return { contact, token };
}

const optOut = async (token: string) =>
  httpReply(
    await handler(
      publicHttpApiEvent({
        method: 'POST',
        route: '/unsubscribe/{token}',
        pathParameters: { token },
        accept: 'application/json',
      }),
      httpLambdaContext('unsubscribe'),
    ),
  );

describe('functions/unsubscribe.ts with its key in Secrets Manager', () => {
  it('reads the key once, from the ARN it was given, before its first invocation, and verifies links with it', async () => {
    // Prepare
    const arn = deployedWithSecret();
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: KEY });
    const { contact, token } = await aContactWithToken(KEY);
    const other = await aContactWithToken(KEY);

    // Act
    const replies = [await optOut(token), await optOut(other.token)];
    const forged = await optOut(
      new HmacUnsubscribeLinks('x'.repeat(48), 'https://example.test').tokenFor({
        tenantId: contact.tenantId,
        contactId: contact.id,
        broadcastId: randomUUID(),
      }),
    );

    // Assess
    expect(replies.map((reply) => reply.status)).toEqual([200, 200]);
    expectProblem(forged, 404, 'contact.not_found');
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
    expect(secretsManager).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: arn });
    expect(await runtime.deps().contacts.findById(contact.tenantId, contact.id)).toMatchObject({ optedOut: true });
  });

  it('cannot be built without the key: getRuntime() refuses until the handler stack has read it', async () => {
    // Prepare
    deployedWithSecret();
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: KEY });

    // Act
    const before = (() => {
      try {
        getRuntime();
      } catch (error) {
        return error as Error;
      }
    })();
    await optOut('not-a-token');

    // Assess
    expect(before?.message).toMatch(/reads its unsubscribe key at cold start: await prepareRuntime\(\) first/);
    expect(getRuntime().config.UNSUBSCRIBE_SECRET_ARN).toMatch(/^arn:aws:secretsmanager:/);
  });

  it('fails the invocation with a 500 that says nothing of it when Secrets Manager fails, and reads again next time', async () => {
    // Prepare
    deployedWithSecret();
    secretsManager
      .on(GetSecretValueCommand)
      .rejectsOnce(new Error('Secrets Manager is unavailable'))
      .resolves({ SecretString: KEY });
    const token = new HmacUnsubscribeLinks(KEY, 'https://example.test').tokenFor({
      tenantId: newTenantId(),
      contactId: randomUUID(),
      broadcastId: randomUUID(),
    });

    // Act
    const failed = await optOut(token);
    const next = await optOut(token);

    // Assess
    expectProblem(failed, 500, 'internal');
    expect(JSON.stringify(failed.body)).not.toMatch(/Secrets Manager|secretsmanager/);
    expectProblem(next, 404, 'contact.not_found');
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
  });

  it('refuses a key too short to sign with, without printing it', async () => {
    // Prepare
    deployedWithSecret();
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: 'short-key' });

    // Act
    const error = (await prepareRuntime().catch((caught: unknown) => caught)) as Error;

    // Assess
    expect(error.message).toMatch(/must be a text of at least 32 characters/);
    expect(error.message).not.toContain('short-key');
  });
});
