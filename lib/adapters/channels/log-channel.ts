import { randomUUID } from 'node:crypto';
import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Channel } from '../../domain/channel.js';
import type { ChannelSender, OutboundMessage, SendOutcome } from '../../ports/channel-sender.js';
import { maskContactAddresses } from './contact-masking.js';
import { toWireMessage, type WireMessage } from './wire-message.js';

export const OUTBOX_FILE = 'outbox.jsonl';

export interface LogChannelOptions {
  /** Where each line goes; the process's standard output by default (CloudWatch in AWS, the terminal locally). */
  write?: (line: string) => void;
  /** When set, every message is also appended to `${dataDir}/outbox.jsonl`. */
  dataDir?: string | undefined;
  /**
   * Print contacts' e-mail and phone masked (`a***@example.com`): in AWS, where the log is kept and widely read.
   * Locally they stay readable, for developers; the outbox file always keeps them. @default false
   */
  maskContacts?: boolean;
  now?: () => Date;
  newId?: () => string;
}

/**
 * The `log` channel: delivers a message by writing it as one JSON line, for local use and demos. It
 * cannot tell a repeat from a new message, so a send whose outcome is unknown is never repeated.
 */
export class LogChannel implements ChannelSender {
  readonly honoursIdempotencyKey = false;
  private readonly write: (line: string) => void;
  private readonly dataDir: string | undefined;
  private readonly maskContacts: boolean;
  private readonly now: () => Date;
  private readonly newId: () => string;
  /** The outbox's directory, created once. */
  private dirReady: Promise<unknown> | undefined;

  constructor(options: LogChannelOptions = {}) {
    this.write = options.write ?? ((line) => process.stdout.write(line));
    this.dataDir = options.dataDir;
    this.maskContacts = options.maskContacts ?? false;
    this.now = options.now ?? (() => new Date());
    this.newId = options.newId ?? randomUUID;
  }

  async send(message: OutboundMessage): Promise<SendOutcome> {
    const messageId = `log-${this.newId()}`;
    const head = { channel: 'log', at: this.now().toISOString(), message_id: messageId };
    const lineOf = (wire: WireMessage) => `${JSON.stringify({ ...head, ...wire })}\n`;
    const wire = toWireMessage(message);
    const line = lineOf(wire);
    if (this.dataDir) {
      try {
        this.dirReady ??= mkdir(this.dataDir, { recursive: true });
        await this.dirReady;
        // One append of one line (O_APPEND): concurrent senders never interleave within a line.
        await appendFile(join(this.dataDir, OUTBOX_FILE), line, 'utf8');
      } catch (error) {
        this.dirReady = undefined;
        const code = (error as NodeJS.ErrnoException).code ?? 'error';
        return { kind: 'transient', reason: `could not append to the outbox: ${code}` };
      }
    }
    this.write(this.maskContacts ? lineOf(maskContactAddresses(wire)) : line);
    return { kind: 'accepted', providerMessageId: messageId };
  }
}

/** The stage's built-in default channel where configuration asks for one (locally: always). */
export const STAGE_LOG_CHANNEL_ID = '00000000-0000-0000-0000-000000000000';

export function stageLogChannel(): Channel {
  const epoch = new Date(0).toISOString();
  return {
    id: STAGE_LOG_CHANNEL_ID,
    tenantId: '',
    name: 'Stage default (log)',
    type: 'log',
    config: {},
    requiredAddress: 'none',
    isDefault: false,
    createdAt: epoch,
    updatedAt: epoch,
  };
}
