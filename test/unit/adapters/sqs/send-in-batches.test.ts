import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import {
  DEFAULT_ENTRY_RETRY_POLICY,
  SqsBatchSendError,
  sendInBatches,
} from '../../../../lib/adapters/sqs/send-in-batches.js';

const sqsMock = mockClient(SQSClient);
const client = new SQSClient({ region: 'eu-west-1' });
const QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/broadcast-test-send';

/** The production policy with a sleep that records the pauses instead of waiting. */
function noWait() {
  const pauses: number[] = [];
  return { pauses, policy: { ...DEFAULT_ENTRY_RETRY_POLICY, sleep: async (ms: number) => void pauses.push(ms) } };
}

const messages = (count: number) => Array.from({ length: count }, (_, n) => ({ body: { n } }));
const sentIds = () =>
  sqsMock.commandCalls(SendMessageBatchCommand).map((call) => call.args[0].input.Entries?.map((entry) => entry.Id));
const throttled = (Id: string) => ({ Id, Code: 'RequestThrottled', SenderFault: false });

beforeEach(() => sqsMock.reset());

describe('sendInBatches', () => {
  it('sends again, after a pause, only the entries SQS failed on its side (SenderFault false)', async () => {
    // Prepare
    const { pauses, policy } = noWait();
    sqsMock
      .on(SendMessageBatchCommand)
      .resolvesOnce({ Successful: [], Failed: [throttled('1'), throttled('2')] })
      .resolvesOnce({ Successful: [], Failed: [throttled('2')] })
      .resolves({ Successful: [], Failed: [] });

    // Act
    await sendInBatches(client, QUEUE, messages(3), policy);

    // Assess
    expect(sentIds()).toEqual([['0', '1', '2'], ['1', '2'], ['2']]);
    const bodies = sqsMock.commandCalls(SendMessageBatchCommand)[2]?.args[0].input.Entries?.map((e) => e.MessageBody);
    expect(bodies).toEqual([JSON.stringify({ n: 2 })]);
    expect(pauses).toHaveLength(2);
    expect(pauses[0]).toBeGreaterThanOrEqual(50);
    expect(pauses[0]).toBeLessThanOrEqual(100);
    expect(pauses[1]).toBeGreaterThanOrEqual(100);
    expect(pauses[1]).toBeLessThanOrEqual(200);
  });

  it('throws SqsBatchSendError with the last failures after 4 attempts', async () => {
    // Prepare
    const { pauses, policy } = noWait();
    sqsMock.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [throttled('0')] });

    // Act
    const outcome = sendInBatches(client, QUEUE, messages(2), policy);

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(SqsBatchSendError);
    await expect(outcome).rejects.toHaveProperty('failures', [throttled('0')]);
    expect(sqsMock).toHaveReceivedCommandTimes(SendMessageBatchCommand, 4);
    expect(pauses).toHaveLength(3);
  });

  it('does not retry a sender fault: it throws every failure of the batch at once', async () => {
    // Prepare
    const { pauses, policy } = noWait();
    const tooLarge = { Id: '1', Code: 'InvalidParameterValue', SenderFault: true };
    sqsMock.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [throttled('0'), tooLarge] });

    // Act
    const outcome = sendInBatches(client, QUEUE, messages(2), policy);

    // Assess
    await expect(outcome).rejects.toHaveProperty('failures', [throttled('0'), tooLarge]);
    await expect(outcome).rejects.toThrow('(sender fault)');
    expect(sqsMock).toHaveReceivedCommandTimes(SendMessageBatchCommand, 1);
    expect(pauses).toEqual([]);
  });

  it('retries each batch of 10 on its own, the later batch after the earlier one went through', async () => {
    // Prepare
    const { policy } = noWait();
    sqsMock
      .on(SendMessageBatchCommand)
      .resolvesOnce({ Successful: [], Failed: [throttled('9')] })
      .resolves({ Successful: [], Failed: [] });

    // Act
    await sendInBatches(client, QUEUE, messages(12), policy);

    // Assess
    expect(sentIds().map((ids) => ids?.length)).toEqual([10, 1, 2]);
    expect(sentIds()[1]).toEqual(['9']);
  });
});
