import { GetAccountCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import { logger } from '../../../observability/logger.js';
import { describeSesError } from './ses-error.js';

/** How long a MaxSendRate read is used before it is read again: SES raises a quota within minutes of a grant. */
export const ACCOUNT_RATE_REFRESH_MS = 10 * 60_000;
/** After a failed read, how long the last known (or fallback) rate stands before the next try. */
export const ACCOUNT_RATE_RETRY_MS = 60_000;
/** The rate assumed until GetAccount has answered once: the SES sandbox's MaxSendRate, the lowest an account has. */
export const FALLBACK_MAX_SEND_RATE = 1;

export interface SesAccountSendRateOptions {
  refreshMs?: number;
  retryMs?: number;
  fallback?: number;
  now?: () => number;
}

/**
 * The SES account's `SendQuota.MaxSendRate` (messages per second, per Region, for the whole account), read with
 * GetAccount and kept in the process: one call per process every ACCOUNT_RATE_REFRESH_MS at most, whoever asks,
 * concurrent askers sharing one call. It never throws: a failed read keeps the last known rate (else the fallback)
 * for ACCOUNT_RATE_RETRY_MS and is logged. Whole messages per second: a fractional rate is rounded down, at least 1.
 */
export class SesAccountSendRate {
  private known: { rate: number; until: number } | undefined;
  private reading: Promise<number> | undefined;
  private readonly refreshMs: number;
  private readonly retryMs: number;
  private readonly fallback: number;
  private readonly now: () => number;

  /** `client`: a getter, so that a process that never asks never builds a client. */
  constructor(
    private readonly client: () => SESv2Client,
    options: SesAccountSendRateOptions = {},
  ) {
    this.refreshMs = options.refreshMs ?? ACCOUNT_RATE_REFRESH_MS;
    this.retryMs = options.retryMs ?? ACCOUNT_RATE_RETRY_MS;
    this.fallback = options.fallback ?? FALLBACK_MAX_SEND_RATE;
    this.now = options.now ?? Date.now;
  }

  /** Messages per second the account sends at most, as last read. */
  maxSendRate(): Promise<number> {
    if (this.known && this.now() < this.known.until) return Promise.resolve(this.known.rate);
    this.reading ??= this.read().finally(() => {
      this.reading = undefined;
    });
    return this.reading;
  }

  private async read(): Promise<number> {
    try {
      const output = await this.client().send(new GetAccountCommand({}));
      const rate = output.SendQuota?.MaxSendRate;
      if (typeof rate !== 'number' || !Number.isFinite(rate) || rate <= 0) {
        throw new Error(`GetAccount answered no usable SendQuota.MaxSendRate (${String(rate)})`);
      }
      const whole = Math.max(1, Math.floor(rate));
      this.known = { rate: whole, until: this.now() + this.refreshMs };
      return whole;
    } catch (error) {
      const rate = this.known?.rate ?? this.fallback;
      this.known = { rate, until: this.now() + this.retryMs };
      const name = (error as Error)?.name ?? 'Error';
      logger.warn('could not read the SES account sending rate; using the last known one', {
        error: describeSesError(name, String((error as Error)?.message ?? error)),
        maxSendRate: rate,
      });
      return rate;
    }
  }
}
