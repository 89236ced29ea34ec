import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbChannelRepository } from '../../lib/adapters/dynamodb/channel-repository.js';
import { channelKeys } from '../../lib/adapters/dynamodb/keys.js';
import { deriveDomainEvents, eventSourceEntities } from '../../lib/adapters/dynamodb/stream/derive-domain-events.js';
import { LocalSecretBox } from '../../lib/adapters/secrets/local-secret-box.js';
import { type Channel, isCredentialSet, WithheldCredential } from '../../lib/domain/channel.js';
import { presentChannel } from '../../lib/http/presenters.js';
import { SecretUnsealError } from '../../lib/ports/secret-box.js';
import { createChannel, updateChannel } from '../../lib/use-cases/channel-commands.js';
import { resolveChannelToSend } from '../../lib/use-cases/resolve-channel.js';
import { rejectionOf } from '../support/builders.js';
import { buildTestDeps, newTenantId, type TestDeps, testTableForFile } from '../support/dynamodb.js';
import { PublishedEvents } from '../support/published-events.js';

// Issue 11, section 3: channel credentials are sealed in the table (so in its stream, its backups and DynamoDB Local's
// files), handed out in clear only to a send or a signature check, and bound to their tenant, channel and key.

const table = testTableForFile({ stream: true });
let deps: TestDeps;

beforeAll(() => {
  deps = buildTestDeps(table);
});

const run = () => randomUUID().slice(0, 8);

/** Recognisable credentials of a webhook and a WhatsApp channel. */
function credentials() {
  const id = run();
  return {
    secret: `whsec-INTEGRATION-${id}-0123456789`,
    accessToken: `EAAG-INTEGRATION-${id}-token`,
    appSecret: `app-secret-INTEGRATION-${id}`,
    verifyToken: `verify-INTEGRATION-${id}`,
  };
}

async function aWebhookAndAWhatsApp(tenantId: string, given = credentials()) {
  const webhook = await createChannel(deps, tenantId, {
    name: 'CRM hook',
    type: 'webhook',
    config: { url: 'https://crm.example.com/hooks', secret: given.secret },
  });
  const whatsapp = await createChannel(deps, tenantId, {
    name: 'WhatsApp',
    type: 'whatsapp',
    config: {
      phoneNumberId: '100000000000001',
      accessToken: given.accessToken,
      appSecret: given.appSecret,
      verifyToken: given.verifyToken,
      apiVersion: 'v23.0',
    },
  });
  return { webhook, whatsapp, given };
}

async function rawItem(channel: Pick<Channel, 'tenantId' | 'id'>): Promise<Record<string, unknown>> {
  const { Item } = await table.client.send(
    new GetCommand({ TableName: table.tableName, Key: channelKeys.byId(channel.tenantId, channel.id) }),
  );
  if (!Item) throw new Error(`no item for channel ${channel.id}`);
  return Item;
}

function inClear(text: string, values: Record<string, string>): string[] {
  return Object.entries(values)
    .filter(([, value]) => text.includes(value))
    .map(([name]) => name);
}

describe('channel credentials in the table', () => {
  it('are stored sealed, apart from the rest of the config, each under a v1 tag; none in clear', async () => {
    // Prepare
    const tenantId = newTenantId();

    // Act
    const { webhook, whatsapp, given } = await aWebhookAndAWhatsApp(tenantId);

    // Assess
    const items = [await rawItem(webhook), await rawItem(whatsapp)];
    expect(inClear(JSON.stringify(items), given)).toEqual([]);
    expect(items[0]?.config).toEqual({ url: 'https://crm.example.com/hooks' });
    expect(items[0]?.credentials).toEqual({ secret: expect.stringMatching(/^v1\.aes-256-gcm\./) });
    expect(items[1]?.config).toEqual({ phoneNumberId: '100000000000001', apiVersion: 'v23.0' });
    expect(items[1]?.credentials).toEqual({
      accessToken: expect.stringMatching(/^v1\.aes-256-gcm\./),
      appSecret: expect.stringMatching(/^v1\.aes-256-gcm\./),
      verifyToken: expect.stringMatching(/^v1\.aes-256-gcm\./),
    });
  });

  it('reach the stream sealed, and the domain events derived from it carry nothing of them', async () => {
    // Prepare
    const tenantId = newTenantId();
    const stream = await PublishedEvents.watch(table);
    const given = credentials();
    const rotated = { secret: `whsec-ROTATED-${run()}-0123456789` };

    // Act: created, updated with a new secret and without any, deleted: every image the stream keeps.
    const { webhook, whatsapp } = await aWebhookAndAWhatsApp(tenantId, given);
    await updateChannel(deps, tenantId, webhook.id, {
      name: 'renamed',
      config: { url: 'https://crm.example.com/hooks', ...rotated },
    });
    await updateChannel(deps, tenantId, whatsapp.id, { name: 'renamed', config: { phoneNumberId: '100000000000001' } });
    await deps.channels.delete(await deps.channels.findById(tenantId, webhook.id).then((c) => c as Channel));
    const records = await stream.records();

    // Assess
    const channelRecords = records.filter((r) => r.dynamodb?.Keys?.pk?.S === channelKeys.partition(tenantId));
    expect(channelRecords.map((r) => r.eventName)).toEqual(expect.arrayContaining(['INSERT', 'MODIFY', 'REMOVE']));
    expect(inClear(JSON.stringify(records), { ...given, ...rotated })).toEqual([]);
    expect(JSON.stringify(channelRecords)).toContain('v1.aes-256-gcm.');
    // The event source's filter drops channel records in AWS; the derivation gives nothing for them either way.
    expect(eventSourceEntities({ perMessageEvents: true })).not.toEqual(expect.arrayContaining(['channel']));
    expect(deriveDomainEvents(records, { perMessageEvents: true })).toEqual([]);
  });

  it('are read withheld: set, unreadable, printed as a placeholder; opened only for a send', async () => {
    // Prepare
    const tenantId = newTenantId();
    const { webhook, whatsapp, given } = await aWebhookAndAWhatsApp(tenantId);

    // Act
    const read = (await deps.channels.list(tenantId, { limit: 10 })).items;
    const forSending = await resolveChannelToSend(deps, tenantId, { id: 'b-1', channelId: whatsapp.id });

    // Assess
    const readWhatsApp = read.find((c) => c.id === whatsapp.id) as Channel;
    expect(readWhatsApp.config.accessToken).toBeInstanceOf(WithheldCredential);
    expect(isCredentialSet(readWhatsApp.config.accessToken)).toBe(true);
    expect(inClear(`${JSON.stringify(read)} ${String(readWhatsApp.config.appSecret)}`, given)).toEqual([]);
    expect(JSON.stringify(read)).not.toContain('v1.aes-256-gcm');
    expect(JSON.stringify(read)).toContain('[withheld credential]');
    expect(read.map((c) => presentChannel(c).config)).toEqual(
      expect.arrayContaining([
        { url: 'https://crm.example.com/hooks', secret_set: true },
        {
          phone_number_id: '100000000000001',
          api_version: 'v23.0',
          access_token_set: true,
          app_secret_set: true,
          verify_token_set: true,
        },
      ]),
    );
    expect(forSending.config).toEqual({
      phoneNumberId: '100000000000001',
      apiVersion: 'v23.0',
      accessToken: given.accessToken,
      appSecret: given.appSecret,
      verifyToken: given.verifyToken,
    });
    expect(await deps.channels.openCredentials(read.find((c) => c.id === webhook.id) as Channel)).toMatchObject({
      config: { secret: given.secret },
    });
  });

  it('are kept as stored, byte for byte, by a PUT that leaves them out; a new one is sealed anew', async () => {
    // Prepare
    const tenantId = newTenantId();
    const { webhook, whatsapp, given } = await aWebhookAndAWhatsApp(tenantId);
    const before = [await rawItem(webhook), await rawItem(whatsapp)];
    const rotated = `EAAG-ROTATED-${run()}-token`;

    // Act
    await updateChannel(deps, tenantId, webhook.id, { name: 'renamed', config: { url: 'https://crm.example.com/v2' } });
    await updateChannel(deps, tenantId, whatsapp.id, {
      name: 'renamed',
      config: { phoneNumberId: '100000000000001', accessToken: rotated },
    });

    // Assess
    const after = [await rawItem(webhook), await rawItem(whatsapp)];
    expect(after[0]?.credentials).toEqual(before[0]?.credentials);
    expect(after[0]?.config).toEqual({ url: 'https://crm.example.com/v2' });
    const [kept, changed] = [before[1]?.credentials, after[1]?.credentials] as Record<string, string>[];
    expect(changed?.appSecret).toBe(kept?.appSecret);
    expect(changed?.verifyToken).toBe(kept?.verifyToken);
    expect(changed?.accessToken).not.toBe(kept?.accessToken);
    const opened = await deps.channels.openCredentials(
      (await deps.channels.findById(tenantId, whatsapp.id)) as Channel,
    );
    expect(opened.config).toMatchObject({ accessToken: rotated, appSecret: given.appSecret });
    expect(inClear(JSON.stringify(after), { ...given, rotated })).toEqual([]);
  });

  it('sealed for one channel do not open in another channel, another tenant or as another credential', async () => {
    // Prepare: sealed values copied by hand, as someone with write access to the table could.
    const tenantId = newTenantId();
    const { webhook, whatsapp } = await aWebhookAndAWhatsApp(tenantId);
    const { webhook: foreign } = await aWebhookAndAWhatsApp(newTenantId());
    const sealedSecret = ((await rawItem(webhook)).credentials as Record<string, string>).secret as string;
    const sealedToken = ((await rawItem(whatsapp)).credentials as Record<string, string>).accessToken as string;
    const overwrite = async (channel: Channel, credentials: Record<string, string>) =>
      table.client.send(
        new PutCommand({ TableName: table.tableName, Item: { ...(await rawItem(channel)), credentials } }),
      );
    const other = await createChannel(deps, tenantId, {
      name: 'another hook',
      type: 'webhook',
      config: { url: 'https://crm.example.com/other', secret: `whsec-OTHER-${run()}-0123` },
    });
    await overwrite(other, { secret: sealedSecret });
    await overwrite(foreign, { secret: sealedSecret });
    const whatsappCredentials = (await rawItem(whatsapp)).credentials as Record<string, string>;
    await overwrite(whatsapp, { ...whatsappCredentials, appSecret: sealedToken });

    // Act
    const failures = await Promise.all(
      [other, foreign, whatsapp].map(async (channel) =>
        rejectionOf(
          deps.channels
            .findById(channel.tenantId, channel.id)
            .then((read) => deps.channels.openCredentials(read as Channel)),
        ),
      ),
    );

    // Assess
    for (const failure of failures) {
      expect(failure).toBeInstanceOf(SecretUnsealError);
      expect((failure as Error).message).toMatch(/does not open in this context/);
    }
    expect((failures[2] as Error).message).toContain('appSecret');
  });

  it('refuses to store a credential withheld from another channel (a bug), rather than storing what would not open', async () => {
    // Prepare
    const tenantId = newTenantId();
    const { webhook } = await aWebhookAndAWhatsApp(tenantId);
    const other = await createChannel(deps, tenantId, {
      name: 'another hook',
      type: 'webhook',
      config: { url: 'https://crm.example.com/other', secret: `whsec-OTHER-${run()}-0123` },
    });
    const read = (await deps.channels.findById(tenantId, webhook.id)) as Channel;
    const before = await rawItem(other);

    // Act
    const error = await rejectionOf(deps.channels.update({ ...other, config: { ...other.config, ...read.config } }));

    // Assess
    expect((error as Error).message).toMatch(/read from another channel or credential/);
    expect(await rawItem(other)).toEqual(before);
  });
});

describe('channels stored before credentials were sealed', () => {
  it('are read as they are, and sealed by their next write', async () => {
    // Prepare: an item as the code before this change wrote it, credentials in clear in its config.
    const tenantId = newTenantId();
    const secret = `whsec-LEGACY-${run()}-0123456789`;
    const legacy: Channel = {
      id: randomUUID(),
      tenantId,
      name: 'Legacy hook',
      type: 'webhook',
      config: { url: 'https://crm.example.com/hooks', secret },
      requiredAddress: 'any',
      isDefault: false,
      createdAt: '2025-01-15T12:00:00.000Z',
      updatedAt: '2025-01-15T12:00:00.000Z',
    };
    await table.client.send(
      new PutCommand({
        TableName: table.tableName,
        Item: { ...channelKeys.byId(tenantId, legacy.id), entity: 'channel', ...legacy },
      }),
    );

    // Act
    const read = await resolveChannelToSend(deps, tenantId, { id: 'b-1', channelId: legacy.id });
    await updateChannel(deps, tenantId, legacy.id, {
      name: 'Legacy hook',
      config: { url: 'https://crm.example.com/hooks' },
    });

    // Assess
    expect(read.config).toEqual({ url: 'https://crm.example.com/hooks', secret });
    const item = await rawItem(legacy);
    expect(JSON.stringify(item)).not.toContain(secret);
    expect(item.credentials).toEqual({ secret: expect.stringMatching(/^v1\.aes-256-gcm\./) });
    const opened = await deps.channels.openCredentials((await deps.channels.findById(tenantId, legacy.id)) as Channel);
    expect(opened.config.secret).toBe(secret);
  });

  it('open under the key they were sealed with only: another local key is refused by name', async () => {
    // Prepare
    const tenantId = newTenantId();
    const { webhook } = await aWebhookAndAWhatsApp(tenantId);
    const elsewhere = new DynamoDbChannelRepository(
      table.client,
      table.tableName,
      new LocalSecretBox(Buffer.alloc(32, 1)),
    );

    // Act
    const read = (await elsewhere.findById(tenantId, webhook.id)) as Channel;
    const failure = await rejectionOf(elsewhere.openCredentials(read));

    // Assess
    expect(failure).toBeInstanceOf(SecretUnsealError);
    expect((failure as Error).message).toMatch(/sealed under another local key/);
    expect(await deps.channels.openCredentials(read)).toMatchObject({ config: { secret: expect.any(String) } });
  });
});
