import type { Context } from 'aws-lambda';

/** A Lambda context as the runtime hands it to a handler. */
export function aLambdaContext(awsRequestId: string, functionName = 'broadcast-acme-prod-sender'): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'stream',
    getRemainingTimeInMillis: () => 10_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Resolves for every caller once `parties` callers are waiting: work started side by side is then interleaved. */
export function rendezvous(parties: number): () => Promise<void> {
  const waiting: (() => void)[] = [];
  return () =>
    new Promise<void>((resolve) => {
      waiting.push(resolve);
      if (waiting.length === parties) for (const release of waiting) release();
    });
}
