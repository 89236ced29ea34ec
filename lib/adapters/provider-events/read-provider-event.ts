import type { ProviderEvent } from '../../domain/provider-event.js';
import { type EventBridgeEnvelope, SES_SOURCE, SMS_SOURCE } from './envelope.js';
import { readSesEvent } from './ses-event.js';
import { readSmsEvent } from './sms-event.js';

/** One event of the events queue, read by its source's parser; another source is unknown (no rule routes it here). */
export function readProviderEvent(event: EventBridgeEnvelope): ProviderEvent {
  switch (event.source) {
    case SES_SOURCE:
      return readSesEvent(event);
    case SMS_SOURCE:
      return readSmsEvent(event);
    default:
      return { outcome: 'unknown', why: `events of source ${event.source} are not provider events` };
  }
}
