import type { SESv2Client } from '@aws-sdk/client-sesv2';
import {
  type Channel,
  DEFAULT_WHATSAPP_API_VERSION,
  type SesEmailConfig,
  type WebhookConfig,
  type WhatsAppConfig,
} from '../../domain/channel.js';
import type { ChannelSenderFactory } from '../../ports/channel-repository.js';
import type { ChannelSender } from '../../ports/channel-sender.js';
import { LogChannel, type LogChannelOptions } from './log-channel.js';
import { SesEmailChannel } from './ses/ses-email-channel.js';
import { WebhookChannel, type WebhookChannelOptions } from './webhook-channel.js';
import { WhatsAppChannel, type WhatsAppChannelOptions } from './whatsapp/whatsapp-channel.js';

export interface ChannelSenderSettings {
  /** The log channel's options: its writer and the DATA_DIR of its outbox file. */
  log?: LogChannelOptions;
  webhook?: WebhookChannelOptions;
  /** Where the Graph API is (WHATSAPP_API_BASE_URL) and how long a send may take. */
  whatsapp?: WhatsAppChannelOptions;
  /** The process's SES v2 client for sends (a getter: built on first use) and the stage's configuration set. */
  ses?: { client: () => SESv2Client; configurationSetName?: string | undefined };
}

/** Builds the adapter for a channel's type from its stored configuration. */
export class DefaultChannelSenderFactory implements ChannelSenderFactory {
  /** One log channel serves every log-type channel: it has no per-channel settings. */
  private readonly log: LogChannel;

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
