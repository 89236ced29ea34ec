import type { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import {
  type Channel,
  DEFAULT_WHATSAPP_API_VERSION,
  type SesEmailConfig,
  SMS_MESSAGE_TYPES,
  type SmsConfig,
  type SmsMessageType,
  type WebhookConfig,
  type WhatsAppConfig,
} from '../../domain/channel.js';
import type { ChannelSenderFactory } from '../../ports/channel-repository.js';
import type { ChannelSender } from '../../ports/channel-sender.js';
import { LogChannel, type LogChannelOptions } from './log-channel.js';
import { SesEmailChannel } from './ses/ses-email-channel.js';
import { SmsChannel } from './sms/sms-channel.js';
import { createSmsClient, type SmsClientSettings } from './sms/sms-client.js';
import { WebhookChannel, type WebhookChannelOptions } from './webhook-channel.js';
import { WhatsAppChannel, type WhatsAppChannelOptions } from './whatsapp/whatsapp-channel.js';

export interface ChannelSenderSettings {
  /** The log channel's options: its writer and the DATA_DIR of its outbox file. */
  log?: LogChannelOptions;
  webhook?: WebhookChannelOptions;
  /** Where the Graph API is (WHATSAPP_API_BASE_URL) and how long a send may take. */
  whatsapp?: WhatsAppChannelOptions;
  /**
   * AWS End User Messaging SMS: the client's Region and endpoint (AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2), or a
   * client of its own (tests); the one client is made when the first sms channel sends.
   */
  sms?: Partial<SmsClientSettings> & { client?: PinpointSMSVoiceV2Client; timeoutMs?: number };
  /** The process's SES v2 client for sends (a getter: built on first use) and the stage's configuration set. */
  ses?: { client: () => SESv2Client; configurationSetName?: string | undefined };
}

/** Builds the adapter for a channel's type from its stored configuration. */
export class DefaultChannelSenderFactory implements ChannelSenderFactory {
  /** One log channel serves every log-type channel: it has no per-channel settings. */
  private readonly log: LogChannel;
  private smsClient: PinpointSMSVoiceV2Client | undefined;

  constructor(private readonly settings: ChannelSenderSettings = {}) {
    this.log = new LogChannel(settings.log);
  }

  senderFor(channel: Channel): ChannelSender {
    switch (channel.type) {
      case 'log':
        return this.log;
      case 'webhook':
        return new WebhookChannel(webhookConfigOf(channel), this.settings.webhook);
      case 'whatsapp':
        return new WhatsAppChannel(whatsAppConfigOf(channel), this.settings.whatsapp);
      case 'sms': {
        const timeoutMs = this.settings.sms?.timeoutMs;
        return new SmsChannel(smsConfigOf(channel), {
          client: this.smsClientOf(),
          ...(timeoutMs === undefined ? {} : { timeoutMs }),
        });
      }
      case 'email_ses': {
        const ses = this.settings.ses;
        if (!ses) throw new Error(`no SES client in this process for email_ses channel ${channel.id}`);
        return new SesEmailChannel(sesEmailConfigOf(channel), {
          client: ses.client(),
          configurationSetName: ses.configurationSetName,
        });
      }
      default: {
        const unknown: never = channel.type;
        throw new Error(`no sender for channel type ${String(unknown)}`);
      }
    }
  }

  private smsClientOf(): PinpointSMSVoiceV2Client {
    const { client, region, endpoint } = this.settings.sms ?? {};
    this.smsClient ??=
      client ??
      createSmsClient({
        region: region ?? process.env.AWS_REGION ?? 'us-east-1',
        ...(endpoint ? { endpoint } : {}),
      });
    return this.smsClient;
  }
}

/** The API validates a webhook's config on the way in; a stored one that is not valid is a bug, said without the secret. */
function webhookConfigOf(channel: Channel): WebhookConfig {
  const { url, secret } = channel.config;
  if (typeof url !== 'string' || typeof secret !== 'string' || secret === '') {
    throw new Error(`webhook channel ${channel.id} has no valid url and secret in its config`);
  }
  return { url, secret };
}

/** What a WhatsApp send needs of the stored config, checked like a webhook's: a bad one is a bug, said without the token. */
function whatsAppConfigOf(channel: Channel): Pick<WhatsAppConfig, 'phoneNumberId' | 'accessToken' | 'apiVersion'> {
  const { phoneNumberId, accessToken, apiVersion } = channel.config;
  if (typeof phoneNumberId !== 'string' || !/^[0-9]+$/.test(phoneNumberId)) {
    throw new Error(`whatsapp channel ${channel.id} has no valid phone number id in its config`);
  }
  if (typeof accessToken !== 'string' || accessToken === '') {
    throw new Error(`whatsapp channel ${channel.id} has no access token in its config`);
  }
  const version = typeof apiVersion === 'string' && apiVersion !== '' ? apiVersion : DEFAULT_WHATSAPP_API_VERSION;
  return { phoneNumberId, accessToken, apiVersion: version };
}

/** What an SMS send needs of the stored config, checked like the others: a bad one is a bug. */
function smsConfigOf(
  channel: Channel,
): Pick<SmsConfig, 'originationIdentity' | 'messageType' | 'configurationSetName' | 'maxPricePerMessage'> {
  const { originationIdentity, messageType, configurationSetName, maxPricePerMessage } = channel.config;
  if (typeof originationIdentity !== 'string' || originationIdentity === '') {
    throw new Error(`sms channel ${channel.id} has no origination identity in its config`);
  }
  if (!SMS_MESSAGE_TYPES.includes(messageType as SmsMessageType)) {
    throw new Error(`sms channel ${channel.id} has no valid message type in its config`);
  }
  return {
    originationIdentity,
    messageType: messageType as SmsMessageType,
    ...(typeof configurationSetName === 'string' && configurationSetName !== '' ? { configurationSetName } : {}),
    ...(typeof maxPricePerMessage === 'string' && maxPricePerMessage !== '' ? { maxPricePerMessage } : {}),
  };
}

/** What an e-mail send needs of the stored config, checked like the others: a bad one is a bug of the API's checks. */
function sesEmailConfigOf(channel: Channel): SesEmailConfig {
  const { fromAddress, fromName, replyTo, configurationSetName } = channel.config;
  if (typeof fromAddress !== 'string' || !fromAddress.includes('@')) {
    throw new Error(`email_ses channel ${channel.id} has no valid from address in its config`);
  }
  return {
    fromAddress,
    ...(typeof fromName === 'string' && fromName !== '' ? { fromName } : {}),
    ...(typeof replyTo === 'string' && replyTo !== '' ? { replyTo } : {}),
    ...(typeof configurationSetName === 'string' && configurationSetName !== '' ? { configurationSetName } : {}),
  };
}
