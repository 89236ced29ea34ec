import { domainToASCII } from 'node:url';
import type { SendEmailCommandInput } from '@aws-sdk/client-sesv2';
import type { SesEmailConfig } from '../../../domain/channel.js';
import { emailTagsFor } from '../../../domain/email-tags.js';
import type { OutboundMessage } from '../../../ports/channel-sender.js';

/**
 * The SES v2 `SendEmail` request (`POST /v2/email/outbound-emails`) for one outbound message: one recipient, simple
 * content (SES builds the MIME message), UTF-8 throughout. Shapes: the SES v2 API reference (SendEmail, Message,
 * MessageHeader, MessageTag) and the SES developer guide (header fields, list management).
 *
 * - `Content.Simple`: `Subject`, `Body.Text` (the template's `content`), `Body.Html` when the template has an HTML
 *   part, and `Headers`: `List-Unsubscribe: <link>` and `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC
 *   8058; what Gmail and Yahoo require of bulk senders), the link being the contact's signed unsubscribe link, whose
 *   POST opts the contact out.
 * - `EmailTags`: tenant, broadcast and execution reference (email-tags.ts), which SES echoes in its events.
 * - `ConfigurationSetName`: the channel's, else the stage's default, else none.
 *
 * A message this mapping cannot make is a SesEmailRequestError: `permanent` when it is the contact's (no e-mail
 * address), `channel` when every contact would fail alike (no subject, no unsubscribe link, not a text message).
 */

export const LIST_UNSUBSCRIBE_POST = 'List-Unsubscribe=One-Click';
/** SES refuses a message over 40 MB; the parts are far smaller, but a rendered loop must not try. */
export const MAX_PART_BYTES = 10 * 1024 * 1024;

export class SesEmailRequestError extends Error {
  constructor(
    readonly kind: 'permanent' | 'channel',
    message: string,
  ) {
    super(message);
    this.name = 'SesEmailRequestError';
  }
}

export interface SesRequestDefaults {
  /** The stage's configuration set (SES_CONFIGURATION_SET_NAME), used when the channel names none. */
  configurationSetName?: string | undefined;
}

export function toSendEmailInput(
  message: OutboundMessage,
  config: SesEmailConfig,
  defaults: SesRequestDefaults = {},
): SendEmailCommandInput {
  const { subject, html, content, type } = message.message;
  if (type !== 'text' || content === undefined) {
    throw new SesEmailRequestError(
      'channel',
      `a ${type} message cannot be an e-mail: give the broadcast a text message`,
    );
  }
  if (subject === undefined || subject === '') {
    throw new SesEmailRequestError('channel', 'the message has no subject: give message_template a subject');
  }
  if (message.unsubscribeLink === undefined) {
    // Every pipeline send has one; without it the message would lack its List-Unsubscribe header.
    throw new SesEmailRequestError('channel', 'the message has no unsubscribe link for its List-Unsubscribe header');
  }
  const to = message.contact.email;
  if (to === undefined || asciiAddress(to) === undefined) {
    throw new SesEmailRequestError('permanent', 'ses: the contact has no usable e-mail address');
  }
  for (const part of [content, html]) {
    if (part !== undefined && Buffer.byteLength(part, 'utf8') > MAX_PART_BYTES) {
      throw new SesEmailRequestError('permanent', `ses: a rendered part is over ${MAX_PART_BYTES} bytes`);
    }
  }
  const configurationSetName = config.configurationSetName ?? defaults.configurationSetName;
  return {
    FromEmailAddress: fromHeader(config.fromAddress, config.fromName),
    Destination: { ToAddresses: [asciiAddress(to) as string] },
    ...(config.replyTo ? { ReplyToAddresses: [asciiAddress(config.replyTo) ?? config.replyTo] } : {}),
    Content: {
      Simple: {
        Subject: { Data: subject, Charset: 'UTF-8' },
        Body: {
          Text: { Data: content, Charset: 'UTF-8' },
          ...(html !== undefined ? { Html: { Data: html, Charset: 'UTF-8' } } : {}),
        },
        Headers: [
          { Name: 'List-Unsubscribe', Value: `<${message.unsubscribeLink}>` },
          { Name: 'List-Unsubscribe-Post', Value: LIST_UNSUBSCRIBE_POST },
        ],
      },
    },
    EmailTags: emailTagsFor(message).map((tag) => ({ Name: tag.name, Value: tag.value })),
    ...(configurationSetName ? { ConfigurationSetName: configurationSetName } : {}),
  };
}

/**
 * The From header: the address alone, or `"Display Name" <address>`. SES takes a display name with non-ASCII
 * characters only as an RFC 2047 encoded word, so such a name is written `=?UTF-8?B?<base64>?=`; a plain ASCII
 * name is quoted (RFC 5322), with `\` and `"` escaped.
 */
export function fromHeader(address: string, name: string | undefined): string {
  const ascii = asciiAddress(address) ?? address;
  const display = name?.replace(/[\p{Cc}]+/gu, ' ').trim();
  if (!display) return ascii;
  if (/^[\x20-\x7e]*$/.test(display)) return `"${display.replace(/[\\"]/g, (c) => `\\${c}`)}" <${ascii}>`;
  return `=?UTF-8?B?${Buffer.from(display, 'utf8').toString('base64')}?= <${ascii}>`;
}

/**
 * The address with its domain in ASCII (an internationalised domain as punycode, which SES requires); undefined when
 * it is not `local@domain` with an ASCII local part.
 */
export function asciiAddress(address: string): string | undefined {
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return undefined;
  const local = address.slice(0, at);
  if (!/^[\x21-\x7e]+$/.test(local)) return undefined;
  const domain = domainToASCII(address.slice(at + 1));
  return domain === '' ? undefined : `${local}@${domain}`;
}
