import type { SQSClient } from '@aws-sdk/client-sqs';

/** Told when a message sent through the client becomes visible on its queue: now, or after its delay. */
export type ArrivalListener = (queueUrl: string) => void;

const SENDS = new Set(['SendMessageCommand', 'SendMessageBatchCommand']);

interface SentEntry {
  DelaySeconds?: number;
}

/**
 * Watches what a client sends so the local event sources can receive it as soon as it is visible. Lambda's SQS event
 * source long-polls, so a message is handed to a function within milliseconds of becoming visible; the local pollers
 * back off while idle instead (local-aws-sqs's long polls do not return on arrival), which would add up to their
 * back-off to every queue hop of the pipeline. Delayed messages wake the pollers when their delay ends.
 */
export function reportArrivals(client: SQSClient, listener: ArrivalListener): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const input = args.input as { QueueUrl?: string; DelaySeconds?: number; Entries?: SentEntry[] };
      const queueUrl = input.QueueUrl;
      if (queueUrl !== undefined && SENDS.has(context.commandName ?? '')) {
        const delays = new Set((input.Entries ?? [input]).map((entry) => entry.DelaySeconds ?? 0));
        for (const delaySeconds of delays) announce(listener, queueUrl, delaySeconds);
      }
      return result;
    },
    { step: 'initialize', name: 'localArrivals' },
  );
}

function announce(listener: ArrivalListener, queueUrl: string, delaySeconds: number): void {
  if (delaySeconds <= 0) {
    listener(queueUrl);
    return;
  }
  // Never keeps a process alive on its own; a message whose wake-up is lost is still received at the next poll.
  setTimeout(() => listener(queueUrl), delaySeconds * 1000).unref();
}
