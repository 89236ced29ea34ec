import { PROVIDER_EVENT_METRICS } from './metric-names.js';
import { publishCountsDocument } from './metrics.js';
import { publishReceiptMetrics, type ReceiptCounts } from './receipt-metrics.js';

/** What one batch of provider events did (see lib/use-cases/apply-provider-events.ts ProviderEventsReport). */
export interface ProviderEventCounts {
  received: number;
  ignored: number;
  unknown: number;
  suppressed: number;
  optedOut: number;
  receipts: ReceiptCounts;
}

/** One EMF document per batch for the events, and the receipts' own document for the delivery statuses they moved. */
export function publishProviderEventMetrics(counts: ProviderEventCounts): void {
  publishCountsDocument({
    [PROVIDER_EVENT_METRICS.received]: counts.received,
    [PROVIDER_EVENT_METRICS.ignored]: counts.ignored,
    [PROVIDER_EVENT_METRICS.unknown]: counts.unknown,
    [PROVIDER_EVENT_METRICS.suppressed]: counts.suppressed,
    [PROVIDER_EVENT_METRICS.optedOut]: counts.optedOut,
  });
  if (counts.receipts.received > 0) publishReceiptMetrics(counts.receipts);
}
