import { type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { SesEmailConfig } from '../../../domain/channel.js';
import type { ChannelSender, OutboundMessage, SendOutcome } from '../../../ports/channel-sender.js';
import { SesEmailRequestError, type SesRequestDefaults, toSendEmailInput } from './ses-email-request.js';
import { classifySesError } from './ses-error.js';

const MAX_MESSAGE_ID_CHARS = 256;

export interface SesEmailChannelOptions extends SesRequestDefaults {
  /** The process's SES client for sends (one attempt per call: see createSesClient). */
  client: SESv2Client;
}

/**
 * The `email_ses` channel: one SES v2 `SendEmail` per message (toSendEmailInput), from the channel's verified
 * identity to the contact's e-mail, one API call per recipient. It classifies one attempt; retrying is the
 * pipeline's job.
 *
 * - accepted: SES's `MessageId` becomes the execution's message id (SES's events carry it as `mail.messageId`; they
 *   find the execution by the message's tags, see email-tags.ts).
 * - a thrown error: classifySesError (throttled and retried, this contact failed, the broadcast paused, or unknown).
 * - a message SES would refuse as it stands: permanent (no e-mail address) or channel (no subject), without a call.
 *
 * SendBulkEmail was not chosen: it sends an SES-stored template (one per broadcast version to create, keep and
 * delete), while each contact's message is already rendered here with Liquid, and its per-entry results would
 * need their own mapping to one execution each; at 50 recipients a call it saves API calls, which cost nothing
 * (SES bills per message, not per call).
 */
export class SesEmailChannel implements ChannelSender {
  /** SES has no idempotency key: a send whose fate is unknown is never made again. */
  readonly honoursIdempotencyKey = false;

  constructor(
    private readonly config: SesEmailConfig,
    private readonly options: SesEmailChannelOptions,
  ) {}

  async send(message: OutboundMessage): Promise<SendOutcome> {
    let input: ReturnType<typeof toSendEmailInput>;
    try {
      input = toSendEmailInput(message, this.config, this.options);
    } catch (error) {
      if (error instanceof SesEmailRequestError) return { kind: error.kind, reason: error.message };
      throw error;
    }
    try {
      const output = await this.options.client.send(new SendEmailCommand(input));
      const id = output.MessageId;
      return typeof id === 'string' && id.trim() !== ''
        ? { kind: 'accepted', providerMessageId: id.slice(0, MAX_MESSAGE_ID_CHARS) }
        : { kind: 'accepted' };
    } catch (error) {
      return classifySesError(error, { fromAddress: this.config.fromAddress });
    }
  }
}
