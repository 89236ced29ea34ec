import type { Channel } from '../domain/channel.js';
import type { BroadcastRepository } from '../ports/broadcast-repository.js';
import type { BroadcastRunRepository } from '../ports/broadcast-run-repository.js';
import type { BroadcastScheduler } from '../ports/broadcast-scheduler.js';
import type { ChannelCapProvider } from '../ports/channel-cap-provider.js';
import type { ChannelPaceStore } from '../ports/channel-pace-store.js';
import type { ChannelRepository, ChannelSenderFactory } from '../ports/channel-repository.js';
import type { ContactListRepository } from '../ports/contact-list-repository.js';
import type { ContactRepository } from '../ports/contact-repository.js';
import type { ExecutionRepository } from '../ports/execution-repository.js';
import type { MessageQueue } from '../ports/message-queue.js';
import type { OutboundUrlPolicy } from '../ports/outbound-url-policy.js';
import type { ProcessedEventStore } from '../ports/processed-event-store.js';
import type { DeliveryStatusRepository, ReceiptQueue, ReceiptWebhooks } from '../ports/receipts.js';
import type { Clock, IdGenerator } from '../ports/runtime.js';
import type { TestSendRepository } from '../ports/test-send-repository.js';
import type { UnsubscribeLinks } from '../ports/unsubscribe-links.js';

/** The delivery pipeline's tunables (see lib/config.ts for their meaning and defaults). */
export interface DeliverySettings {
  maxSendAttempts: number;
  retryBaseMs: number;
  claimLeaseMs: number;
  autoPause: { window: number; minSends: number; failureRate: number };
  sweepIdleMs: number;
  pacerWatchGraceMs: number;
  maxSweeps: number;
  /** Plan and release a run's first chunk in the invocation that starts it (set-run-going.ts); unset: off. */
  firstChunkAtStart?: boolean;
  /** Segments a run's audience is planned in, side by side (lib/domain/plan-segments.ts); unset: one. */
  planSegments?: number;
  /** A scheduled broadcast that would start later than this after its time fails as `schedule_expired`. */
  maxLatenessMs: number;
  /** The stage's cap on a broadcast's `rate_limit` (messages per minute), checked at create, edit, schedule and start. */
  maxRatePerMinute: number;
}

/** Everything a use case may depend on; each use case picks the few it needs. */
export interface UseCaseDeps {
  contacts: ContactRepository;
  contactLists: ContactListRepository;
  broadcasts: BroadcastRepository;
  runs: BroadcastRunRepository;
  executions: ExecutionRepository;
  channels: ChannelRepository;
  senders: ChannelSenderFactory;
  /**
   * The channel-wide cap in force, where the provider decides it (an `email_ses` channel without its own cap: the
   * SES account's MaxSendRate).
   */
  channelCaps: ChannelCapProvider;
  /** Which URLs a webhook channel may point at (the server-side request forgery guard). */
  outboundUrls: OutboundUrlPolicy;
  /** Capped channels' shared timeline, AIMD state and share claims (see lib/domain/channel-pace.ts). */
  channelPace: ChannelPaceStore;
  /** The stage's default channel, if it has one (locally: the built-in log channel). */
  defaultChannel?: Channel;
  unsubscribeLinks: UnsubscribeLinks;
  queue: MessageQueue;
  /** Delivery receipts: executions' delivery status and the broadcasts' delivery counters. */
  deliveries: DeliveryStatusRepository;
  /** Where the providers' webhooks put receipts for the receipts worker. */
  receiptQueue: ReceiptQueue;
  /** The webhook protocol of each channel type that posts receipts. */
  receiptWebhooks: ReceiptWebhooks;
  /** Test sends of broadcasts: their per-broadcast limit and their history, apart from executions. */
  testSends: TestSendRepository;
  /** Automation events already applied (a redelivered event is a no-op). */
  processedEvents: ProcessedEventStore;
  /** One-time schedules that start scheduled broadcasts (EventBridge Scheduler; locally, timers). */
  scheduler: BroadcastScheduler;
  clock: Clock;
  ids: IdGenerator;
  delivery: DeliverySettings;
}

export function nowIso(deps: Pick<UseCaseDeps, 'clock'>): string {
  return deps.clock.now().toISOString();
}
