import { DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../functions/channels-api.js';
import { channelKeys } from '../../../lib/adapters/dynamodb/keys.js';
import { resetRuntime } from '../../../lib/composition-root.js';
import type { Channel } from '../../../lib/domain/channel.js';
import { newTenantId } from '../../support/dynamodb.js';
import { setEnv } from '../../support/env.js';
import { handlerRuntimeForFile } from '../../support/handler-runtime.js';
import { expectProblem, httpInvoker } from '../../support/lambda-events.js';

// Issue 11, section 3: in AWS the channel repository seals with the stage's KMS key, one Encrypt per credential under
// the encryption context of its tenant, channel and key; channels-api never decrypts; the senders decrypt once per
// credential for a while. KMS is mocked (its ciphertext is the plaintext reversed); the table is DynamoDB Local.

const kms = mockClient(KMSClient);
const runtime = handlerRuntimeForFile();
const invoke = httpInvoker(handler, 'channels-api');
const KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const SECRET = 'whsec-sealed-by-kms-0123456789';
let restoreEnv: (() => void) | undefined;

const reversed = (bytes: Uint8Array) => Uint8Array.from(bytes).reverse();

function deployedAs(functionName: string, keyArn: string | undefined): void {
  restoreEnv = setEnv({
    AWS_LAMBDA_FUNCTION_NAME: functionName,
    CHANNEL_SECRETS_KEY_ARN: keyArn,
    LOCAL_SECRET_KEY: undefined,
    REQUIRE_ROLES: 'false',
  });
  resetRuntime();
}

beforeEach(() => {
  kms.reset();
  kms.on(EncryptCommand).callsFake((input) => ({ CiphertextBlob: reversed(input.Plaintext), KeyId: KEY_ARN }));
  kms.on(DecryptCommand).callsFake((input) => ({ Plaintext: reversed(input.CiphertextBlob), KeyId: KEY_ARN }));
});

afterEach(() => {
  restoreEnv?.();
  resetRuntime();
});

async function storedCredentials(tenantId: string, id: string): Promise<Record<string, string> | undefined> {
  const { Item } = await runtime.table.client.send(
    new GetCommand({ TableName: runtime.table.tableName, Key: channelKeys.byId(tenantId, id) }),
  );
  return Item?.credentials;
}

const webhook = (secret?: string) => ({
  name: 'crm',
  type: 'webhook',
  config: { url: 'https://crm.example.com/hooks', ...(secret ? { secret } : {}) },
});

describe('channel credentials with the KMS key of the stage', () => {
  it('are sealed by one Encrypt each, under the key and the context of tenant, channel and credential', async () => {
    // Prepare
    deployedAs('broadcast-acme-prod-channels-api', KEY_ARN);
    const tenantId = newTenantId();

    // Act
    const created = await invoke({ method: 'POST', route: '/api/v1/channels', body: webhook(SECRET) }, tenantId);

    // Assess
    expect(created.status).toBe(201);
    expect(kms).toHaveReceivedCommandTimes(EncryptCommand, 1);
    expect(kms).toHaveReceivedCommandWith(EncryptCommand, {
      KeyId: KEY_ARN,
      EncryptionContext: { tenant_id: tenantId, channel_id: created.body.id, credential: 'secret' },
    });
    const sealed = reversed(Buffer.from(SECRET));
    expect(await storedCredentials(tenantId, created.body.id)).toEqual({
      secret: `v1.aws-kms.${Buffer.from(sealed).toString('base64url')}`,
    });
  });

  it('are never decrypted by channels-api: reads withhold them, and a PUT without one keeps it as stored', async () => {
    // Prepare
    deployedAs('broadcast-acme-prod-channels-api', KEY_ARN);
    const tenantId = newTenantId();
    const created = await invoke({ method: 'POST', route: '/api/v1/channels', body: webhook(SECRET) }, tenantId);
    const before = await storedCredentials(tenantId, created.body.id);
    kms.resetHistory();

    // Act
    const read = await invoke(
      { method: 'GET', route: '/api/v1/channels/{id}', pathParameters: { id: created.body.id } },
      tenantId,
    );
    const listed = await invoke({ method: 'GET', route: '/api/v1/channels' }, tenantId);
    const updated = await invoke(
      { method: 'PUT', route: '/api/v1/channels/{id}', pathParameters: { id: created.body.id }, body: webhook() },
      tenantId,
    );

    // Assess
    expect([read.status, listed.status, updated.status]).toEqual([200, 200, 200]);
    expect(read.body.config).toEqual({ url: 'https://crm.example.com/hooks', secret_set: true });
    expect(updated.body.config).toEqual({ url: 'https://crm.example.com/hooks', secret_set: true });
    expect(kms.calls()).toHaveLength(0);
    expect(await storedCredentials(tenantId, created.body.id)).toEqual(before);
  });

  it('are opened for a send by one Decrypt each, then from memory for a while', async () => {
    // Prepare
    deployedAs('broadcast-acme-prod-channels-api', KEY_ARN);
    const tenantId = newTenantId();
    const created = await invoke({ method: 'POST', route: '/api/v1/channels', body: webhook(SECRET) }, tenantId);
    deployedAs('broadcast-acme-prod-sender', KEY_ARN);
    const { channels } = runtime.deps();
    const read = (await channels.findById(tenantId, created.body.id)) as Channel;

    // Act
    const opened = [await channels.openCredentials(read), await channels.openCredentials(read)];

    // Assess
    expect(opened.map((channel) => channel.config.secret)).toEqual([SECRET, SECRET]);
    expect(kms).toHaveReceivedCommandTimes(DecryptCommand, 1);
    expect(kms).toHaveReceivedCommandWith(DecryptCommand, {
      KeyId: KEY_ARN,
      EncryptionContext: { tenant_id: tenantId, channel_id: created.body.id, credential: 'secret' },
    });
  });

  it('cannot be sealed by a function deployed without the key: a 500 that names nothing, and nothing stored', async () => {
    // Prepare
    deployedAs('broadcast-acme-prod-channels-api', undefined);
    const tenantId = newTenantId();

    // Act
    const created = await invoke({ method: 'POST', route: '/api/v1/channels', body: webhook(SECRET) }, tenantId);
    const listed = await invoke({ method: 'GET', route: '/api/v1/channels' }, tenantId);

    // Assess
    expectProblem(created, 500, 'internal');
    expect(listed.body.items).toEqual([]);
    expect(kms.calls()).toHaveLength(0);
  });
});
