import { randomUUID } from 'node:crypto';
import { automationEventBody, automationEventEnvelope, triggerBroadcastDetail } from '../../../lib/http/schemas.js';
import { childIdFor } from '../../../lib/use-cases/trigger-broadcast.js';

// Issue 4 section 2: the trigger_broadcast event, as EventBridge delivers it and as POSTed locally.

const broadcastId = randomUUID();

describe('triggerBroadcastDetail', () => {
  it('accepts the seed action params with the tenant, override_schedule defaulting to false', () => {
    expect(triggerBroadcastDetail.parse({ tenant_id: 'acme', broadcast_id: broadcastId })).toEqual({
      tenant_id: 'acme',
      broadcast_id: broadcastId,
      override_schedule: false,
      contact_ids: undefined,
    });
  });

  it('removes duplicate contact ids', () => {
    const id = randomUUID();
    const detail = triggerBroadcastDetail.parse({
      tenant_id: 'acme',
      broadcast_id: broadcastId,
      contact_ids: [id, id],
    });
    expect(detail.contact_ids).toEqual([id]);
  });

  it.each([
    ['an empty contact_ids', { contact_ids: [] }],
    ['more than 1,000 contact_ids', { contact_ids: Array.from({ length: 1001 }, () => randomUUID()) }],
    ['a contact id that is not a UUID', { contact_ids: ['x'] }],
    ['a broadcast id that is not a UUID', { broadcast_id: 'nope' }],
    ['a bad tenant id', { tenant_id: 'a b' }],
    ['a non-boolean override_schedule', { override_schedule: 'yes' }],
    ['an unknown field', { extra: 1 }],
  ])('rejects %s', (_, change) => {
    expect(triggerBroadcastDetail.safeParse({ tenant_id: 'acme', broadcast_id: broadcastId, ...change }).success).toBe(
      false,
    );
  });
});

describe('the event envelopes', () => {
  const detail = { tenant_id: 'acme', broadcast_id: broadcastId };

  it('accepts what EventBridge delivers, envelope fields included', () => {
    const event = {
      version: '0',
      id: randomUUID(),
      'detail-type': 'trigger_broadcast',
      source: 'automation',
      account: '123456789012',
      time: '2025-01-15T12:00:00Z',
      region: 'us-east-1',
      resources: [],
      detail,
    };
    expect(automationEventEnvelope.parse(event).detail.override_schedule).toBe(false);
    expect(automationEventEnvelope.safeParse({ ...event, id: undefined }).success).toBe(false);
  });

  it('takes the HTTP body without an id, and refuses unknown fields', () => {
    expect(
      automationEventBody.safeParse({ source: 'automation', 'detail-type': 'trigger_broadcast', detail }).success,
    ).toBe(true);
    expect(
      automationEventBody.safeParse({ source: 'automation', 'detail-type': 'trigger_broadcast', detail, time: 'x' })
        .success,
    ).toBe(false);
  });
});

describe('childIdFor', () => {
  it('derives a stable UUID per tenant and event', () => {
    const id = childIdFor('acme', 'event-1');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(childIdFor('acme', 'event-1')).toBe(id);
    expect(childIdFor('other', 'event-1')).not.toBe(id);
  });
});
