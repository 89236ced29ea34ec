import { envForFile } from '../../support/env.js';
import { jsonOutputOfEachTest } from './json-output.js';

// Metrics on, on purpose (as in Lambda), for a tenant stage; the modules read this when they are created.
envForFile({ POWERTOOLS_METRICS_DISABLED: 'false', AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand', STAGE: 'acme-prod' });
const { publishReceiptMetrics } = await import('../../../lib/observability/receipt-metrics.js');
const { publishProviderEventMetrics } = await import('../../../lib/observability/provider-event-metrics.js');

const stdout = jsonOutputOfEachTest();

const emf = () => stdout.lines().filter((line) => '_aws' in line);
const metricNames = (document: Record<string, unknown>) =>
  (document._aws as { CloudWatchMetrics: { Metrics: { Name: string; Unit: string }[] }[] }).CloudWatchMetrics[0]
    ?.Metrics;

describe('batch count metrics', () => {
  it('writes one EMF document of counts per batch of receipts, by service and stage', () => {
    // Act
    publishReceiptMetrics({ received: 9, moved: 5, unchanged: 2, unknown: 1, early: 1 });

    // Assess
    const documents = emf();
    expect(documents).toHaveLength(1);
    expect(documents[0]).toMatchObject({
      service: 'broadcast-service',
      stage: 'acme-prod',
      ReceiptsReceived: 9,
      DeliveryStatusChanges: 5,
      ReceiptsUnchanged: 2,
      ReceiptsUnknown: 1,
      ReceiptsEarly: 1,
    });
    expect(metricNames(documents[0] ?? {})).toEqual(
      ['ReceiptsReceived', 'DeliveryStatusChanges', 'ReceiptsUnchanged', 'ReceiptsUnknown', 'ReceiptsEarly'].map(
        (Name) => ({ Name, Unit: 'Count' }),
      ),
    );
  });

  it("writes the provider events' document, then the receipts' one when the events moved delivery statuses", () => {
    // Act
    publishProviderEventMetrics({
      received: 6,
      ignored: 1,
      unknown: 1,
      suppressed: 2,
      optedOut: 1,
      receipts: { received: 3, moved: 3, unchanged: 0, unknown: 0, early: 0 },
    });

    // Assess
    const documents = emf();
    expect(documents).toHaveLength(2);
    expect(documents[0]).toMatchObject({
      ProviderEventsReceived: 6,
      ProviderEventsIgnored: 1,
      ProviderEventsUnknown: 1,
      AddressesSuppressed: 2,
      ComplaintOptOuts: 1,
    });
    expect(metricNames(documents[0] ?? {})).toHaveLength(5);
    expect(documents[1]).toMatchObject({ ReceiptsReceived: 3, DeliveryStatusChanges: 3 });
  });

  it('writes no receipts document when the events carried no delivery status', () => {
    // Act
    publishProviderEventMetrics({
      received: 1,
      ignored: 1,
      unknown: 0,
      suppressed: 0,
      optedOut: 0,
      receipts: { received: 0, moved: 0, unchanged: 0, unknown: 0, early: 0 },
    });

    // Assess
    const documents = emf();
    expect(documents).toHaveLength(1);
    expect(documents[0]).not.toHaveProperty('ReceiptsReceived');
  });
});
