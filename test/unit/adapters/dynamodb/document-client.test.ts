import type { Server } from 'node:http';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../../../lib/adapters/dynamodb/document-client.js';
import { readBody, startStandInServer, stopStandInServer } from '../../../support/stand-in-server.js';

/**
 * The document client against a stand-in of DynamoDB's JSON protocol that answers each request from a script: an
 * error type (`__type`, as DynamoDB names it) or success. The SDK's own retries are left to it (maxAttempts 1 here).
 */
const NAMESPACE = 'com.amazonaws.dynamodb.v20120810#';
let server: Server;
let origin: string;
let script: (string | 'ok')[] = [];
let targets: string[] = [];

beforeAll(async () => {
  ({ server, origin } = await startStandInServer(async (request, response) => {
    await readBody(request);
    targets.push(String(request.headers['x-amz-target']));
    const next = script.shift() ?? 'ok';
    const failed = next !== 'ok';
    response.writeHead(failed ? 400 : 200, { 'content-type': 'application/x-amz-json-1.0' });
    response.end(JSON.stringify(failed ? { __type: `${NAMESPACE}${next}`, message: next } : {}));
  }));
});

afterAll(() => stopStandInServer(server));

beforeEach(() => {
  script = [];
  targets = [];
});

const noPause = { maxAttempts: 4, baseDelayMs: 0 };
const update = () =>
  new UpdateCommand({
    TableName: 'broadcast-test',
    Key: { pk: 'RUN', sk: 'RUN' },
    UpdateExpression: 'ADD sent :one',
    ExpressionAttributeValues: { ':one': 1 },
  });

function clientWith(retry = noPause) {
  return createDocumentClient(
    { tableName: 'broadcast-test', endpoint: origin, region: 'eu-west-1', maxAttempts: 1 },
    retry,
  );
}

describe('createDocumentClient: a write that a transaction on the same item got in the way of', () => {
  it('tries the write again until it goes through', async () => {
    // Prepare
    script = ['TransactionConflictException', 'TransactionConflictException', 'ok'];

    // Act
    await clientWith().send(update());

    // Assess
    expect(targets).toEqual(Array(3).fill('DynamoDB_20120810.UpdateItem'));
  });

  it('throws the conflict once its tries run out', async () => {
    // Prepare
    script = Array(4).fill('TransactionConflictException');

    // Act
    const sending = clientWith().send(update());

    // Assess
    await expect(sending).rejects.toMatchObject({ name: 'TransactionConflictException' });
    expect(targets).toHaveLength(4);
  });

  it('never tries again a write whose condition failed', async () => {
    // Prepare
    script = ['ConditionalCheckFailedException', 'ok'];

    // Act
    const sending = clientWith().send(update());

    // Assess
    await expect(sending).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    expect(targets).toHaveLength(1);
  });
});
