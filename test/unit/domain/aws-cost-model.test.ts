import {
  AWS_PRICES,
  estimatedAwsCostUsd,
  PIPELINE_USD_PER_MESSAGE,
  RETURN_PATH_USD_PER_MESSAGE,
} from '../../../lib/domain/aws-cost-model.js';

describe('estimatedAwsCostUsd', () => {
  it('charges the pipeline alone for channels that report nothing back', () => {
    // Act
    const log = estimatedAwsCostUsd(1_000_000, 'log');
    const webhook = estimatedAwsCostUsd(1_000_000, 'webhook');

    // Assess: about $1.8 per million, the pipeline's measured usage at list prices.
    expect(log).toBeCloseTo(PIPELINE_USD_PER_MESSAGE * 1e6, 6);
    expect(webhook).toBe(log);
    expect(log).toBeGreaterThan(1.5);
    expect(log).toBeLessThan(2.5);
  });

  it("adds what each provider reports back, and SES's own fee for e-mail", () => {
    // Act
    const [log, whatsapp, sms, email] = ['log', 'whatsapp', 'sms', 'email_ses'].map((type) =>
      estimatedAwsCostUsd(1_000_000, type),
    ) as [number, number, number, number];

    // Assess
    expect(whatsapp - log).toBeCloseTo((RETURN_PATH_USD_PER_MESSAGE.whatsapp ?? 0) * 1e6, 6);
    expect(sms - log).toBeCloseTo((RETURN_PATH_USD_PER_MESSAGE.sms ?? 0) * 1e6, 6);
    expect(email - log).toBeCloseTo(
      (RETURN_PATH_USD_PER_MESSAGE.email_ses ?? 0) * 1e6 + AWS_PRICES.ses_usd_per_million_emails,
      6,
    );
  });

  it('scales with the messages and is 0 for none', () => {
    expect(estimatedAwsCostUsd(0, 'whatsapp')).toBe(0);
    expect(estimatedAwsCostUsd(2_000, 'sms')).toBeCloseTo(2 * estimatedAwsCostUsd(1_000, 'sms'), 5);
  });
});
