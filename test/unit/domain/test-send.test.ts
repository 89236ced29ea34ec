import { randomUUID } from 'node:crypto';
import { parseExecutionReference } from '../../../lib/domain/execution-reference.js';
import { composeOutboundMessage, idempotencyKeyFor } from '../../../lib/domain/outbound-message.js';
import {
  composeTestMessage,
  MAX_RECORDED_CONTENT,
  MAX_RECORDED_VARIABLE,
  recordedMessage,
  settledView,
  TEST_SEND_STALE_MS,
  type TestSend,
  testSendIdempotencyKey,
  testSendOutcomeOf,
  testSendReference,
} from '../../../lib/domain/test-send.js';
import { aBroadcast, aContact } from '../../support/builders.js';

const TENANT = 'tenant-a';

describe('composeTestMessage', () => {
  it("is the broadcast's own message for the contact, under the test send's key, reference and id", () => {
    // Prepare
    const broadcast = aBroadcast(TENANT, {
      messageTemplate: { type: 'template', templateId: 'promo_bf', variables: { name: 'contact.name' } },
    });
    const contact = aContact(TENANT, { name: 'Ana', email: 'ana@example.com' });
    const testSendId = randomUUID();
    const rendered = { variables: { name: 'Ana' } };

    // Act
    const outbound = composeTestMessage(broadcast, testSendId, contact, rendered);

    // Assess
    const real = composeOutboundMessage(broadcast, { id: testSendId }, contact, rendered);
    expect(outbound).toEqual({
      ...real,
      idempotencyKey: testSendIdempotencyKey(TENANT, broadcast.id, testSendId),
      executionReference: testSendReference(testSendId, broadcast.id),
    });
    expect(outbound.executionId).toBe(testSendId);
    expect(outbound.message).toEqual({ type: 'template', templateId: 'promo_bf', variables: { name: 'Ana' } });
  });

  it("never shares a key with the broadcast's send to the contact, nor with another test send", () => {
    // Prepare
    const broadcast = aBroadcast(TENANT);
    const contact = aContact(TENANT);

    // Act
    const first = composeTestMessage(broadcast, randomUUID(), contact, { content: 'Hi' });
    const second = composeTestMessage(broadcast, randomUUID(), contact, { content: 'Hi' });

    // Assess
    const broadcastKey = idempotencyKeyFor(TENANT, broadcast.id, contact.id);
    expect(first.idempotencyKey).toMatch(/^ts_[0-9a-f]{40}$/);
    expect(new Set([broadcastKey, first.idempotencyKey, second.idempotencyKey]).size).toBe(3);
  });

  it('carries a reference the receipts never read as an execution', () => {
    // Prepare
    const broadcast = aBroadcast(TENANT);

    // Act
    const outbound = composeTestMessage(broadcast, randomUUID(), aContact(TENANT), { content: 'Hi' });

    // Assess
    expect(outbound.executionReference).toMatch(/^t1\./);
    expect(parseExecutionReference(outbound.executionReference)).toBeUndefined();
    // WhatsApp's biz_opaque_callback_data takes at most 512 characters.
    expect(outbound.executionReference.length).toBeLessThanOrEqual(512);
  });
});

describe('recordedMessage', () => {
  it('keeps a message within the bounds as it is', () => {
    // Prepare
    const message = { type: 'text' as const, content: 'Hi Ana', variables: { a: '1' } };

    // Act
    const recorded = recordedMessage(message);

    // Assess
    expect(recorded).toEqual(message);
  });

  it('cuts long texts, never inside a surrogate pair, and says so', () => {
    // Prepare: the cut falls between the two halves of an emoji.
    const content = `${'x'.repeat(MAX_RECORDED_CONTENT - 1)}😀 and more`;
    const message = { type: 'template' as const, templateId: 't', content, variables: { long: 'y'.repeat(5000) } };

    // Act
    const recorded = recordedMessage(message);

    // Assess
    expect(recorded.truncated).toBe(true);
    expect(recorded.content).toBe('x'.repeat(MAX_RECORDED_CONTENT - 1));
    expect(recorded.variables?.long).toHaveLength(MAX_RECORDED_VARIABLE);
    expect(recorded.templateId).toBe('t');
  });
});

describe('testSendOutcomeOf', () => {
  it.each([
    [
      'accepted with an id',
      { outcome: { kind: 'accepted', providerMessageId: 'wamid.1' } },
      { status: 'sent', messageId: 'wamid.1' },
    ],
    ['accepted without an id', { outcome: { kind: 'accepted' } }, { status: 'sent' }],
    [
      'a transient failure, not retried',
      { outcome: { kind: 'transient', reason: 'HTTP 503', retryAfterMs: 5000 } },
      { status: 'failed', failure: 'transient', error: 'HTTP 503' },
    ],
    [
      'a permanent failure',
      { outcome: { kind: 'permanent', reason: '131026 Message undeliverable' } },
      { status: 'failed', failure: 'permanent', error: '131026 Message undeliverable' },
    ],
    [
      'a throw',
      { thrown: new Error('socket hang up') },
      { status: 'failed', failure: 'outcome_unknown', error: 'channel error: socket hang up' },
    ],
  ] as const)('%s', (_, result, expected) => {
    expect(testSendOutcomeOf(result)).toEqual(expected);
  });

  it('shows a failure kind it does not know (one a channel adds later) as it came', () => {
    // Prepare
    const result = { outcome: { kind: 'channel', reason: '190 Access token expired' } } as never;

    // Act
    const outcome = testSendOutcomeOf(result);

    // Assess
    expect(outcome).toEqual({ status: 'failed', failure: 'channel', error: '190 Access token expired' });
  });
});

describe('settledView', () => {
  const sending: TestSend = {
    id: randomUUID(),
    tenantId: TENANT,
    broadcastId: randomUUID(),
    contactId: randomUUID(),
    channelId: randomUUID(),
    status: 'sending',
    message: { type: 'text', content: 'Hi' },
    createdAt: '2025-01-15T12:00:00.000Z',
    updatedAt: '2025-01-15T12:00:00.000Z',
  };
  const created = Date.parse(sending.createdAt);

  it('shows a test send in flight as sending', () => {
    expect(settledView(sending, created + TEST_SEND_STALE_MS - 1)).toBe(sending);
  });

  it('shows one never recorded as failed, outcome_unknown, once long overdue', () => {
    expect(settledView(sending, created + TEST_SEND_STALE_MS)).toEqual({
      ...sending,
      status: 'failed',
      failure: 'outcome_unknown',
      error: expect.stringContaining('never recorded'),
    });
  });

  it('leaves a recorded one as it is', () => {
    const sent: TestSend = { ...sending, status: 'sent', messageId: 'm-1' };
    expect(settledView(sent, created + 10 * TEST_SEND_STALE_MS)).toBe(sent);
  });
});
