import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { eventBridgeEnvelope } from '../../../lib/adapters/provider-events/envelope.js';
import { readProviderEvent } from '../../../lib/adapters/provider-events/read-provider-event.js';
import { SMS_FAILED_EVENTS } from '../../../lib/adapters/provider-events/sms-event.js';
import type { ExecutionReference } from '../../../lib/domain/execution-reference.js';
import { eventFixture } from '../../support/lambda-events.js';
import { type EventTarget, sesEvent, smsEvent } from '../../support/provider-events.js';

const reference: ExecutionReference = {
  executionId: randomUUID(),
  broadcastId: randomUUID(),
  chunk: 3,
  contactId: randomUUID(),
};
const target: EventTarget = { tenantId: 'acme', reference, messageId: 'ses-message-1', address: 'ana@example.com' };
const read = (event: unknown) => readProviderEvent(eventBridgeEnvelope.parse(event));
const applied = { outcome: 'apply', tenantId: 'acme', reference, messageId: 'ses-message-1' } as const;

describe('SES events in EventBridge (source aws.ses)', () => {
  it('reads the fixtures as AWS documents them, tags included', () => {
    // Act
    const events = (['eventbridge-ses-delivery', 'eventbridge-ses-bounce', 'eventbridge-ses-complaint'] as const).map(
      (name) => read(eventFixture(name)),
    );

    // Assess
    for (const event of events) {
      expect(event).toMatchObject({ outcome: 'apply', tenantId: 'acme', reference: { chunk: 0 } });
    }
  });

  it('reads a Delivery as delivered, at the time of the delivery', () => {
    // Act
    const event = read(sesEvent('delivery', target));

    // Assess
    expect(event).toEqual({ ...applied, at: '2026-03-01T10:00:01.950Z', receipt: { status: 'delivered' } });
  });

  it('reads a permanent Bounce as a failed delivery with its reason, and the bounced address to suppress', () => {
    // Act
    const event = read(sesEvent('bounce', target));

    // Assess
    expect(event).toEqual({
      ...applied,
      at: '2026-03-01T10:00:02.669Z',
      receipt: { status: 'failed', error: 'bounce Permanent/General 5.1.1 smtp; 550 5.1.1 user unknown' },
      suppress: { kind: 'email', reason: 'bounce', address: 'ana@example.com' },
    });
  });

  it.each(['Transient', 'Undetermined'])('ignores a %s bounce: no failure, no suppression', (bounceType) => {
    // Act
    const event = read(
      sesEvent('bounce', target, (detail) => {
        detail.bounce.bounceType = bounceType;
        detail.bounce.bounceSubType = 'MailboxFull';
      }),
    );

    // Assess
    expect(event).toEqual({ outcome: 'ignored', why: `ses ${bounceType} bounce is no suppression` });
  });

  it('reads a Complaint as an opt-out and the complained-about address to suppress; not-spam is none', () => {
    // Act
    const complaint = read(sesEvent('complaint', target));
    const notSpam = read(
      sesEvent('complaint', target, (detail) => {
        detail.complaint.complaintFeedbackType = 'not-spam';
      }),
    );

    // Assess
    expect(complaint).toEqual({
      ...applied,
      at: '2026-03-01T12:29:58.000Z',
      optOut: true,
      suppress: { kind: 'email', reason: 'complaint', address: 'ana@example.com' },
    });
    expect(notSpam).toMatchObject({ outcome: 'ignored' });
  });

  it('reads a Reject as a failed delivery, and ignores the events it does not apply (Open, Click, Send, ...)', () => {
    // Act
    const reject = read(
      sesEvent('delivery', target, (detail) => {
        detail.eventType = 'Reject';
        detail.reject = { reason: 'Bad content' };
      }),
    );
    const others = ['Open', 'Click', 'Send', 'DeliveryDelay', 'Subscription', 'RenderingFailure'].map((eventType) =>
      read(
        sesEvent('delivery', target, (detail) => {
          detail.eventType = eventType;
        }),
      ),
    );

    // Assess
    expect(reject).toMatchObject({ ...applied, receipt: { status: 'failed', error: 'reject Bad content' } });
    for (const event of others) expect(event).toMatchObject({ outcome: 'ignored' });
  });

  it('drops as unknown an event without the service tags, with a forged reference, or without a readable detail', () => {
    // Act
    const untagged = read(
      sesEvent('bounce', target, (detail) => {
        delete detail.mail.tags.bc_ref;
      }),
    );
    const forged = read(
      sesEvent('bounce', target, (detail) => {
        detail.mail.tags.bc_ref = ['x1_not-a-reference'];
      }),
    );
    const noTenant = read(
      sesEvent('delivery', target, (detail) => {
        delete detail.mail.tags.bc_tenant;
      }),
    );
    const noMail = read(
      sesEvent('delivery', target, (detail) => {
        delete detail.mail;
      }),
    );

    // Assess
    for (const event of [untagged, forged, noTenant, noMail]) expect(event).toMatchObject({ outcome: 'unknown' });
  });

  it('reads the dotted reference too (an SES tag cannot hold it, but a replayed event may)', () => {
    // Act
    const event = read(
      sesEvent('delivery', target, (detail) => {
        detail.mail.tags.bc_ref = [`x1.${reference.executionId}.${reference.broadcastId}.3.${reference.contactId}`];
      }),
    );

    // Assess
    expect(event).toMatchObject({ outcome: 'apply', reference });
  });
});

describe('SMS events in EventBridge (source aws.sms-voice)', () => {
  const sms: EventTarget = { tenantId: 'acme', reference, messageId: 'sms-message-1' };
  const smsApplied = { outcome: 'apply', tenantId: 'acme', reference, messageId: 'sms-message-1' } as const;

  it('reads the fixture as AWS documents it, context included', () => {
    // Act
    const event = read(eventFixture('eventbridge-sms-status'));

    // Assess
    expect(event).toMatchObject({
      outcome: 'apply',
      tenantId: 'acme',
      messageId: '9a3f2c1e-4b5d-4e6f-8a7b-0c1d2e3f4a5b',
      at: '2026-03-01T10:00:04.998Z',
      receipt: { status: 'delivered' },
    });
  });

  it.each(['TEXT_DELIVERED', 'TEXT_SUCCESSFUL'])('reads %s as delivered', (eventType) => {
    // Act
    const event = read(smsEvent(eventType, sms));

    // Assess
    expect(event).toEqual({ ...smsApplied, at: '2026-03-01T10:00:04.998Z', receipt: { status: 'delivered' } });
  });

  it.each(SMS_FAILED_EVENTS)('reads a final %s as a failed delivery naming the event type', (eventType) => {
    // Act
    const event = read(
      smsEvent(eventType, sms, (detail) => {
        detail.messageStatusDescription = 'Carrier said no';
      }),
    );

    // Assess
    expect(event).toEqual({
      ...smsApplied,
      at: '2026-03-01T10:00:04.998Z',
      receipt: { status: 'failed', error: `${eventType}: Carrier said no` },
    });
  });

  it('ignores a failure that is not final, intermediate statuses, TEXT_UNKNOWN and media or voice events', () => {
    // Act
    const notFinal = read(
      smsEvent('TEXT_CARRIER_UNREACHABLE', sms, (detail) => {
        detail.isFinal = false;
      }),
    );
    const intermediate = ['TEXT_QUEUED', 'TEXT_PENDING', 'TEXT_SENT', 'TEXT_UNKNOWN'].map((type) =>
      read(smsEvent(type, sms)),
    );
    const voice = read({ ...smsEvent('VOICE_COMPLETED', sms), 'detail-type': 'Voice Message Delivery Status Updated' });

    // Assess
    for (const event of [notFinal, ...intermediate, voice]) expect(event).toMatchObject({ outcome: 'ignored' });
  });

  it('drops as unknown an event without the service context, or with a forged reference', () => {
    // Act
    const noContext = read(
      smsEvent('TEXT_DELIVERED', sms, (detail) => {
        delete detail.context;
      }),
    );
    const forged = read(
      smsEvent('TEXT_DELIVERED', sms, (detail) => {
        detail.context.bc_ref = 'x1.forged';
      }),
    );

    // Assess
    expect(noContext).toMatchObject({ outcome: 'unknown' });
    expect(forged).toMatchObject({ outcome: 'unknown' });
  });
});

describe('any other event', () => {
  it('is unknown for another source, and never throws whatever the detail holds (fuzzed)', () => {
    // Act
    const other = read({ source: 'aws.s3', 'detail-type': 'Object Created', detail: {} });

    // Assess
    expect(other).toMatchObject({ outcome: 'unknown' });
    fc.assert(
      fc.property(
        fc.constantFrom('aws.ses', 'aws.sms-voice'),
        fc.constantFrom('Email Bounced', 'Text Message Delivery Status Updated', 'x'),
        fc.dictionary(fc.string(), fc.jsonValue()),
        (source, detailType, detail) => {
          const event = read({ source, 'detail-type': detailType, detail });
          expect(['apply', 'ignored', 'unknown']).toContain(event.outcome);
        },
      ),
    );
  });
});

describe('what an event leaves out', () => {
  it('falls back to the recipient, the envelope time and General when an SES record leaves them out', () => {
    // Act
    const bounce = read(
      sesEvent('bounce', target, (detail) => {
        delete detail.bounce.bouncedRecipients;
        delete detail.bounce.bounceSubType;
        delete detail.bounce.timestamp;
      }),
    );
    const complaint = read(
      sesEvent('complaint', target, (detail) => {
        delete detail.complaint.complainedRecipients;
        delete detail.complaint.timestamp;
      }),
    );
    const delivery = read(
      sesEvent('delivery', target, (detail) => {
        delete detail.delivery;
      }),
    );
    const reject = read(
      sesEvent('delivery', target, (detail) => {
        detail.eventType = 'Reject';
      }),
    );
    const bareBounce = read(
      sesEvent('bounce', target, (detail) => {
        delete detail.bounce;
      }),
    );

    // Assess
    expect(bounce).toMatchObject({
      at: '2026-03-01T10:00:03.000Z',
      receipt: { status: 'failed', error: 'bounce Permanent/General' },
      suppress: { address: 'ana@example.com' },
    });
    expect(complaint).toMatchObject({ at: '2026-03-01T12:30:00.000Z', suppress: { address: 'ana@example.com' } });
    expect(delivery).toMatchObject({ at: '2026-03-01T10:00:02.000Z', receipt: { status: 'delivered' } });
    expect(reject).toMatchObject({ receipt: { status: 'failed', error: 'reject' } });
    expect(bareBounce).toEqual({ outcome: 'ignored', why: 'ses unknown bounce is no suppression' });
  });

  it('keeps long diagnostics short, and reads an event without any time as the epoch', () => {
    // Act
    const long = read(
      sesEvent('bounce', target, (detail) => {
        detail.bounce.bouncedRecipients[0].diagnosticCode = `smtp; 550 ${'x'.repeat(1000)}`;
      }),
    );
    const timeless = read(
      smsEvent('TEXT_DELIVERED', { tenantId: 'acme', reference, messageId: 'm' }, (detail) => {
        delete detail.eventTimestamp;
      }),
    );
    const envelopeTime = readProviderEvent(
      eventBridgeEnvelope.parse({
        ...smsEvent('TEXT_DELIVERED', { tenantId: 'acme', reference, messageId: 'm' }, (detail) => {
          delete detail.eventTimestamp;
        }),
      }),
    );

    // Assess
    expect(long.outcome === 'apply' && long.receipt?.error?.length).toBe(256);
    expect(long).toMatchObject({ receipt: { error: expect.stringMatching(/…$/) } });
    expect(timeless).toMatchObject({ at: '2026-03-01T10:00:05.000Z' });
    expect(envelopeTime).toMatchObject({ at: '2026-03-01T10:00:05.000Z' });
    const { time: _, ...noTime } = smsEvent('TEXT_DELIVERED', { tenantId: 'acme', reference, messageId: 'm' }, (d) => {
      delete d.eventTimestamp;
    });
    expect(read(noTime)).toMatchObject({ at: '1970-01-01T00:00:00.000Z' });
  });
});
