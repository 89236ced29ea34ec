import { GetAccountCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { ProviderChannelCaps } from '../../../../lib/adapters/channels/provider-channel-caps.js';
import {
  ACCOUNT_RATE_REFRESH_MS,
  ACCOUNT_RATE_RETRY_MS,
  FALLBACK_MAX_SEND_RATE,
  SesAccountSendRate,
} from '../../../../lib/adapters/channels/ses/ses-account-rate.js';

const sesMock = mockClient(SESv2Client);
const client = new SESv2Client({ region: 'eu-west-1' });

const account = (maxSendRate: number) => ({
  SendQuota: { Max24HourSend: 50_000, MaxSendRate: maxSendRate, SentLast24Hours: 12 },
  ProductionAccessEnabled: true,
  SendingEnabled: true,
});

function clockAt(start: number) {
  const clock = { at: start, now: () => clock.at };
  return clock;
}

beforeEach(() => sesMock.reset());

describe('SesAccountSendRate', () => {
  it('reads MaxSendRate with GetAccount once, and answers from memory until the refresh interval has passed', async () => {
    // Prepare
    sesMock.on(GetAccountCommand).resolvesOnce(account(14)).resolvesOnce(account(50));
    const clock = clockAt(1_000_000);
    const rate = new SesAccountSendRate(() => client, { now: clock.now });

    // Act
    const first = await rate.maxSendRate();
    clock.at += ACCOUNT_RATE_REFRESH_MS - 1;
    const cached = await rate.maxSendRate();
    clock.at += 1;
    const refreshed = await rate.maxSendRate();

    // Assess
    expect([first, cached, refreshed]).toEqual([14, 14, 50]);
    expect(sesMock).toHaveReceivedCommandTimes(GetAccountCommand, 2);
  });

  it('concurrent askers share one call', async () => {
    // Prepare
    sesMock.on(GetAccountCommand).resolves(account(200));
    const rate = new SesAccountSendRate(() => client);

    // Act
    const rates = await Promise.all(Array.from({ length: 10 }, () => rate.maxSendRate()));

    // Assess
    expect(rates).toEqual(Array(10).fill(200));
    expect(sesMock).toHaveReceivedCommandTimes(GetAccountCommand, 1);
  });

  it('rounds a fractional rate down, to at least 1', async () => {
    sesMock.on(GetAccountCommand).resolvesOnce(account(14.7)).resolvesOnce(account(0.5));
    const clock = clockAt(0);
    const rate = new SesAccountSendRate(() => client, { now: clock.now });
    const first = await rate.maxSendRate();
    clock.at += ACCOUNT_RATE_REFRESH_MS;
    expect([first, await rate.maxSendRate()]).toEqual([14, 1]);
  });

  it('never throws: before any answer, the sandbox rate; after one, the last known rate; tried again a minute later', async () => {
    // Prepare
    sesMock
      .on(GetAccountCommand)
      .rejectsOnce(new Error('connect ECONNREFUSED'))
      .resolvesOnce(account(80))
      .rejectsOnce(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }))
      .resolves(account(90));
    const clock = clockAt(0);
    const rate = new SesAccountSendRate(() => client, { now: clock.now });

    // Act
    const seen: number[] = [await rate.maxSendRate()];
    clock.at += ACCOUNT_RATE_RETRY_MS - 1;
    seen.push(await rate.maxSendRate()); // still the fallback: no new call
    clock.at += 1;
    seen.push(await rate.maxSendRate()); // 80
    clock.at += ACCOUNT_RATE_REFRESH_MS;
    seen.push(await rate.maxSendRate()); // fails: 80 kept
    clock.at += ACCOUNT_RATE_RETRY_MS;
    seen.push(await rate.maxSendRate()); // 90

    // Assess
    expect(seen).toEqual([FALLBACK_MAX_SEND_RATE, FALLBACK_MAX_SEND_RATE, 80, 80, 90]);
    expect(sesMock).toHaveReceivedCommandTimes(GetAccountCommand, 4);
  });

  it('treats an answer without a usable MaxSendRate as a failed read', async () => {
    sesMock.on(GetAccountCommand).resolves({ SendQuota: {} });
    expect(await new SesAccountSendRate(() => client).maxSendRate()).toBe(FALLBACK_MAX_SEND_RATE);
  });

  it('builds no client until asked', () => {
    let built = 0;
    new SesAccountSendRate(() => {
      built++;
      return client;
    });
    expect(built).toBe(0);
  });
});

describe('ProviderChannelCaps', () => {
  const caps = new ProviderChannelCaps({ sesMaxSendRate: async () => 14 });

  it.each([
    [
      'an e-mail channel without its own cap: the SES account rate',
      { type: 'email_ses', maxMessagesPerSecond: undefined },
      14,
    ],
    ['an e-mail channel with its own cap: its own', { type: 'email_ses', maxMessagesPerSecond: 5 }, 5],
    [
      "a WhatsApp channel without its own cap: Meta's default",
      { type: 'whatsapp', maxMessagesPerSecond: undefined },
      80,
    ],
    ['a webhook channel without its own cap: none', { type: 'webhook', maxMessagesPerSecond: undefined }, undefined],
    ['a log channel with its own cap: its own', { type: 'log', maxMessagesPerSecond: 3 }, 3],
  ] as const)('%s', async (_what, channel, expected) => {
    expect(await caps.capPerSecond(channel)).toBe(expected);
  });

  it('without an SES rate source, an e-mail channel without its own cap is uncapped', async () => {
    expect(await new ProviderChannelCaps().capPerSecond({ type: 'email_ses' })).toBeUndefined();
  });
});
