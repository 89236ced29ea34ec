import type { Channel, WebhookConfig } from '../../domain/channel.js';
import type { ChannelSenderFactory } from '../../ports/channel-repository.js';
import type { ChannelSender } from '../../ports/channel-sender.js';
import { LogChannel, type LogChannelOptions } from './log-channel.js';
import { WebhookChannel, type WebhookChannelOptions } from './webhook-channel.js';

export interface ChannelSenderSettings {
  /** The log channel's options: its writer and the DATA_DIR of its outbox file. */
  log?: LogChannelOptions;
  webhook?: WebhookChannelOptions;
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
        throw new Error('TODO(wa-channel): the WhatsApp Cloud API sender');
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
