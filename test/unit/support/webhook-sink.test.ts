import { type SinkMessage, signatureFor, WebhookSink } from '../../support/webhook-sink.js';

const SECRET = 'whsec-sink-unit-test';

function messageFor(broadcastId: string, contactId: string, key = `key-${broadcastId}-${contactId}`): SinkMessage {
  return {
    idempotency_key: key,
    tenant_id: 't-1',
    broadcast_id: broadcastId,
    execution_id: `e-${contactId}`,
    contact: { id: contactId, name: null, email: null, phone: null },
    message: {
      type: 'text',
      content: 'Hi',
      template_id: null,
      variables: {},
      media_url: null,
      language: null,
      subject: null,
      html: null,
    },
  };
}

async function post(sink: WebhookSink, message: SinkMessage, secret = SECRET): Promise<number> {
  const body = JSON.stringify(message);
  const response = await fetch(sink.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'idempotency-key': message.idempotency_key,
      'x-signature': signatureFor(body, secret),
    },
    body,
  });
  await response.arrayBuffer();
  return response.status;
}

describe('WebhookSink', () => {
  let sink: WebhookSink | undefined;

  afterEach(async () => {
    await sink?.stop();
    sink = undefined;
  });

  it('counts a key once, honours its repeats and tells a contact accepted under two keys', async () => {
    // Prepare
    sink = await WebhookSink.start({ secret: SECRET });

    // Act
    const statuses = [
      await post(sink, messageFor('b-1', 'c-1')),
      await post(sink, messageFor('b-1', 'c-1')),
      await post(sink, messageFor('b-1', 'c-2')),
      await post(sink, messageFor('b-1', 'c-2', 'another-key')),
      await post(sink, messageFor('b-2', 'c-1')),
    ];

    // Assess
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    expect(sink.requests.map((request) => request.firstAcceptance)).toEqual([true, false, true, true, true]);
    expect(sink.acceptedCount()).toBe(4);
    expect(sink.of('b-1')).toMatchObject({ accepted: 3, repeatsOfAcceptedKeys: 1 });
    expect(sink.of('b-1').requestTimes).toHaveLength(4);
    expect(sink.duplicateContacts('b-1')).toEqual(['c-2']);
    expect(sink.duplicateContacts().sort()).toEqual(['c-1', 'c-2']);
    expect(sink.requestsFor('c-1').map((request) => request.attempt)).toEqual([1, 2, 1]);
  });

  it("fails a key's first attempt by its share and accepts the retry", async () => {
    // Prepare
    sink = await WebhookSink.start({ secret: SECRET, policy: { failFirstAttemptShare: 1 } });

    // Act
    const first = await post(sink, messageFor('b-1', 'c-1'));
    const retry = await post(sink, messageFor('b-1', 'c-1'));

    // Assess
    expect([first, retry]).toEqual([500, 200]);
    expect(sink.of('b-1')).toMatchObject({ accepted: 1, injectedFailures: 1 });
    expect(sink.requests.map((request) => request.outcome)).toEqual(['rejected', 'accepted']);
  });

  it('answers 401 to a bad signature and counts nothing, even without a request log', async () => {
    // Prepare
    sink = await WebhookSink.start({ secret: SECRET, keepRequests: false });

    // Act
    const forged = await post(sink, messageFor('b-1', 'c-1'), 'not-the-secret');
    const signed = await post(sink, messageFor('b-1', 'c-2'));

    // Assess
    expect([forged, signed]).toEqual([401, 200]);
    expect(sink.badSignatureCount).toBe(1);
    expect(sink.requests).toEqual([]);
    expect(sink.acceptedContacts()).toEqual(new Set(['c-2']));
  });

  it('resolves a wait for a broadcast once enough keys were accepted', async () => {
    // Prepare
    sink = await WebhookSink.start({ secret: SECRET });
    const accepted = sink.waitForAccepted('b-1', 2, 10_000);

    // Act
    await post(sink, messageFor('b-1', 'c-1'));
    await post(sink, messageFor('b-1', 'c-2'));

    // Assess
    await expect(accepted).resolves.toBeUndefined();
    expect(sink.of('b-1').lastAcceptedAt).toEqual(expect.any(Number));
  });
});
