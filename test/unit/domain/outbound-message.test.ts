import type { Contact } from '../../../lib/domain/contact.js';
import { formatExecutionReference } from '../../../lib/domain/execution-reference.js';
import { composeOutboundMessage, idempotencyKeyFor } from '../../../lib/domain/outbound-message.js';
import { aBroadcast, aContact, anExecution } from '../../support/builders.js';

describe('idempotencyKeyFor', () => {
  it('gives every attempt for a contact the same key, and each contact, broadcast and tenant its own', () => {
    // Prepare
    const key = () => idempotencyKeyFor('tenant-a', 'broadcast-1', 'contact-1');

    // Act
    const keys = [
      key(),
      key(),
      idempotencyKeyFor('tenant-a', 'broadcast-1', 'contact-2'),
      idempotencyKeyFor('tenant-a', 'broadcast-2', 'contact-1'),
      idempotencyKeyFor('tenant-b', 'broadcast-1', 'contact-1'),
    ];

    // Assess
    expect(keys[0]).toMatch(/^bc_[0-9a-f]{40}$/);
    expect(keys[1]).toBe(keys[0]);
    expect(new Set(keys).size).toBe(4);
  });
});

describe('composeOutboundMessage', () => {
  it('addresses the contact and carries the rendered text under the contact key', () => {
    // Prepare
    const broadcast = aBroadcast('tenant-a');
    const contact: Contact = aContact('tenant-a', { name: 'Ana', email: 'ana@example.com', phone: '+5511999998888' });
    const execution = anExecution('tenant-a', broadcast.id, undefined, { contactId: contact.id });

    // Act
    const outbound = composeOutboundMessage(broadcast, execution, contact, { content: 'Hi Ana' });

    // Assess
    expect(outbound).toEqual({
      idempotencyKey: idempotencyKeyFor('tenant-a', broadcast.id, contact.id),
      tenantId: 'tenant-a',
      broadcastId: broadcast.id,
      executionId: execution.id,
      executionReference: formatExecutionReference({
        executionId: execution.id,
        broadcastId: broadcast.id,
        chunk: execution.chunk ?? 0,
        contactId: contact.id,
      }),
      contact: { id: contact.id, name: 'Ana', email: 'ana@example.com', phone: '+5511999998888' },
      message: { type: 'text', content: 'Hi Ana' },
    });
  });

  it('leaves out what the contact and the template do not have, and takes provider fields from the template', () => {
    // Prepare
    const broadcast = aBroadcast('tenant-a', {
      messageTemplate: {
        type: 'template',
        templateId: 'promo_v2',
        variables: { '1': 'contact.name' },
        mediaUrl: 'https://cdn.example.com/a.png',
        language: 'pt_BR',
      },
    });
    const contact = aContact('tenant-a', { name: undefined, phone: '+5511999998888' });
    const execution = anExecution('tenant-a', broadcast.id, undefined, { contactId: contact.id });

    // Act
    const outbound = composeOutboundMessage(broadcast, execution, contact, { variables: { '1': 'Ana' } });

    // Assess
    expect(outbound.contact).toEqual({ id: contact.id, phone: '+5511999998888' });
    expect(outbound.message).toEqual({
      type: 'template',
      templateId: 'promo_v2',
      variables: { '1': 'Ana' },
      mediaUrl: 'https://cdn.example.com/a.png',
      language: 'pt_BR',
    });
  });
});
