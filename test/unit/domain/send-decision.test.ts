import type { Contact } from '../../../lib/domain/contact.js';
import { idempotencyKeyFor } from '../../../lib/domain/outbound-message.js';
import { closeUnsent, decideSend, failForNoChannel, type SendContext } from '../../../lib/domain/send-decision.js';
import type { RenderOutcome } from '../../../lib/domain/template-rendering.js';
import { aBroadcast, aContact, anExecution } from '../../support/builders.js';

const broadcast = aBroadcast('tenant-a');

function aContext(overrides: Partial<SendContext> = {}): SendContext {
  return {
    broadcast,
    requiredAddress: 'phone',
    suppression: undefined,
    mayRepeat: true,
    render: (contact: Contact): RenderOutcome => ({ content: `Hi ${contact.name}` }),
    ...overrides,
  };
}

describe('decideSend', () => {
  it('sends a contact who can get the message, rendered for them, under their idempotency key', () => {
    // Prepare
    const contact = aContact('tenant-a', { name: 'Ana' });
    const execution = anExecution('tenant-a', broadcast.id, undefined, { contactId: contact.id });

    // Act
    const decision = decideSend(execution, contact, false, aContext());

    // Assess
    expect(decision).toMatchObject({
      execution,
      outbound: {
        idempotencyKey: idempotencyKeyFor('tenant-a', broadcast.id, contact.id),
        executionId: execution.id,
        message: { type: 'text', content: 'Hi Ana' },
      },
    });
  });

  it("carries the contact's unsubscribe link and the rendered subject and HTML part with the message (an e-mail's headers)", () => {
    // Prepare
    const contact = aContact('tenant-a', { name: 'Ana' });
    const execution = anExecution('tenant-a', broadcast.id, undefined, { contactId: contact.id });
    const context = aContext({
      render: (c) => ({ content: `Hi ${c.name}`, subject: `For ${c.name}`, html: `<p>${c.name}</p>` }),
      unsubscribeLink: (c) => `https://u.example/${c.id}`,
    });

    // Act
    const decision = decideSend(execution, contact, false, context);

    // Assess
    expect(decision).toMatchObject({
      outbound: {
        message: { type: 'text', content: 'Hi Ana', subject: 'For Ana', html: '<p>Ana</p>' },
        unsubscribeLink: `https://u.example/${contact.id}`,
      },
    });
  });

  it.each([
    ['contact_deleted', undefined, 'phone'],
    ['opted_out', { optedOut: true }, 'phone'],
    ['no_address', { phone: undefined, email: 'ana@example.com' }, 'phone'],
  ] as const)('skips as %s', (reason, fields, requiredAddress) => {
    // Prepare
    const contact = fields === undefined ? undefined : aContact('tenant-a', fields);
    const execution = anExecution('tenant-a', broadcast.id, undefined, contact ? { contactId: contact.id } : {});

    // Act
    const decision = decideSend(execution, contact, false, aContext({ requiredAddress }));

    // Assess
    expect(decision).toEqual({ execution, close: 'skipped', fields: { reason } });
  });

  it('skips a contact whose address of the kind the channel honours is suppressed', () => {
    // Prepare
    const contact = aContact('tenant-a', {
      email: 'ana@example.com',
      suppressions: { email: { reason: 'bounce', at: '2026-01-01T00:00:00.000Z' } },
    });
    const execution = anExecution('tenant-a', broadcast.id, undefined, { contactId: contact.id });

    // Act
    const onEmail = decideSend(execution, contact, false, aContext({ requiredAddress: 'email', suppression: 'email' }));
    const onSms = decideSend(execution, contact, false, aContext({ requiredAddress: 'phone', suppression: 'sms' }));
    const onWhatsApp = decideSend(execution, contact, false, aContext({ requiredAddress: 'phone' }));

    // Assess
    expect(onEmail).toEqual({ execution, close: 'skipped', fields: { reason: 'suppressed' } });
    expect(onSms).toHaveProperty('outbound');
    expect(onWhatsApp).toHaveProperty('outbound');
  });

  it('sends again once the contact has another address than the suppressed one', () => {
    // Prepare
    const suppressed = aContact('tenant-a', {
      phone: '+5511999990001',
      suppressions: { sms: { reason: 'carrier_opt_out' } },
    });
    const moved = { ...suppressed, phone: '+5511999990002' };
    const execution = anExecution('tenant-a', broadcast.id, undefined, { contactId: suppressed.id });

    // Act
    const before = decideSend(execution, suppressed, false, aContext({ suppression: 'sms' }));
    const after = decideSend(execution, moved, false, aContext({ suppression: 'sms' }));

    // Assess
    expect(before).toEqual({ execution, close: 'skipped', fields: { reason: 'suppressed' } });
    expect(after).toHaveProperty('outbound');
  });

  it('skips a contact the template has no value for, naming what is missing, without composing a message', () => {
    // Prepare
    const contact = aContact('tenant-a');
    const execution = anExecution('tenant-a', broadcast.id, undefined, { contactId: contact.id });
    const render = (): RenderOutcome => ({
      missing: 'contact.custom.plan',
      reason: 'no value for contact.custom.plan',
    });

    // Act
    const decision = decideSend(execution, contact, false, aContext({ render }));

    // Assess
    expect(decision).toEqual({
      execution,
      close: 'skipped',
      fields: { reason: 'missing_variable', error: 'no value for contact.custom.plan' },
    });
  });

  it('does not render for a contact who is skipped anyway', () => {
    // Prepare
    const contact = aContact('tenant-a', { optedOut: true });
    const rendered: string[] = [];
    const render = (c: Contact): RenderOutcome => {
      rendered.push(c.id);
      return { content: 'Hi' };
    };

    // Act
    decideSend(
      anExecution('tenant-a', broadcast.id, undefined, { contactId: contact.id }),
      contact,
      false,
      aContext({ render }),
    );

    // Assess
    expect(rendered).toEqual([]);
  });

  it('sends a contact a dead sender had in flight again when the channel de-duplicates', () => {
    // Prepare
    const contact = aContact('tenant-a');
    const execution = anExecution('tenant-a', broadcast.id, undefined, { contactId: contact.id });

    // Act
    const decision = decideSend(execution, contact, true, aContext({ mayRepeat: true }));

    // Assess
    expect(decision).toHaveProperty('outbound');
  });

  it('fails a contact a dead sender had in flight as outcome_unknown when the channel cannot de-duplicate', () => {
    // Prepare
    const contact = aContact('tenant-a');
    const execution = anExecution('tenant-a', broadcast.id, undefined, { contactId: contact.id });

    // Act
    const decision = decideSend(execution, contact, true, aContext({ mayRepeat: false }));

    // Assess
    expect(decision).toEqual({ execution, close: 'failed', fields: { reason: 'outcome_unknown' } });
  });

  it('never calls a contact the channel may already have "skipped": it fails as outcome_unknown', () => {
    // Prepare
    const contact = aContact('tenant-a', { optedOut: true });
    const execution = anExecution('tenant-a', broadcast.id, undefined, { contactId: contact.id });

    // Act
    const decision = decideSend(execution, contact, true, aContext({ mayRepeat: true }));

    // Assess
    expect(decision).toEqual({ execution, close: 'failed', fields: { reason: 'outcome_unknown' } });
  });
});

describe('closeUnsent', () => {
  it('skips as cancelled when the broadcast stopped', () => {
    // Prepare
    const execution = anExecution('tenant-a', broadcast.id);

    // Act
    const decision = closeUnsent(execution, true, false);

    // Assess
    expect(decision).toEqual({ execution, close: 'skipped', fields: { reason: 'cancelled' } });
  });

  it('fails as undeliverable on the last sweep, keeping the last error', () => {
    // Prepare
    const execution = anExecution('tenant-a', broadcast.id, undefined, { attempts: 2, error: 'HTTP 503' });

    // Act
    const decision = closeUnsent(execution, false, false);

    // Assess
    expect(decision).toEqual({ execution, close: 'failed', fields: { reason: 'undeliverable', error: 'HTTP 503' } });
  });

  it.each([true, false])('fails a contact a dead sender had in flight as outcome_unknown (stopped: %s)', (stopped) => {
    // Prepare
    const execution = anExecution('tenant-a', broadcast.id);

    // Act
    const decision = closeUnsent(execution, stopped, true);

    // Assess
    expect(decision).toEqual({ execution, close: 'failed', fields: { reason: 'outcome_unknown' } });
  });
});

describe('failForNoChannel', () => {
  it('fails the execution as no_channel', () => {
    // Prepare
    const execution = anExecution('tenant-a', broadcast.id);

    // Act
    const decision = failForNoChannel(execution);

    // Assess
    expect(decision).toEqual({ execution, close: 'failed', fields: { reason: 'no_channel' } });
  });
});
