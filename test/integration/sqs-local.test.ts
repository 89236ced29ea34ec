import { GetQueueAttributesCommand, ListQueuesCommand } from '@aws-sdk/client-sqs';
import { createSqsClient } from '../../lib/adapters/sqs/sqs-client.js';
import { startLocalSqs } from '../../local/sqs-local.js';

describe('startLocalSqs', () => {
  it('creates the pipeline and send queues with their DLQs, and stop() frees the port', async () => {
    // Prepare
    const sqs = await startLocalSqs({ queues: { send: { maxReceiveCount: 7 } } });
    const client = createSqsClient({ region: sqs.region, endpoint: sqs.endpoint, maxAttempts: 1 });

    try {
      // Act
      const listed = await client.send(new ListQueuesCommand({}));
      const send = await client.send(
        new GetQueueAttributesCommand({ QueueUrl: sqs.queueUrls.send, AttributeNames: ['VisibilityTimeout'] }),
      );

      // Assert
      expect(listed.QueueUrls?.sort()).toEqual(Object.values(sqs.queueUrls).sort());
      expect(send.Attributes?.VisibilityTimeout).toBe('30');
      expect(sqs.consumers.send).toEqual({
        queueUrl: sqs.queueUrls.send,
        visibilityTimeoutSeconds: 30,
        maxReceiveCount: 7,
        dlqUrl: sqs.queueUrls.sendDlq,
        countReceives: true,
      });
      expect(sqs.consumers.pipeline).toMatchObject({ visibilityTimeoutSeconds: 60, maxReceiveCount: 5 });
    } finally {
      await sqs.stop();
    }
    await expect(client.send(new ListQueuesCommand({}))).rejects.toThrow();
    client.destroy();
  });

  it('gives the queues an SQS RedrivePolicy when asked to redrive by queue', async () => {
    // Prepare
    const sqs = await startLocalSqs({ redriveBy: 'queue' });
    const client = createSqsClient({ region: sqs.region, endpoint: sqs.endpoint, maxAttempts: 1 });

    try {
      // Act
      const pipeline = await client.send(
        new GetQueueAttributesCommand({ QueueUrl: sqs.queueUrls.pipeline, AttributeNames: ['RedrivePolicy'] }),
      );

      // Assert
      expect(JSON.parse(pipeline.Attributes?.RedrivePolicy ?? '{}')).toEqual({
        deadLetterTargetArn: expect.stringMatching(/:broadcast-pipeline-dlq$/),
        maxReceiveCount: 5,
      });
      expect(sqs.consumers.pipeline).toEqual({ queueUrl: sqs.queueUrls.pipeline, visibilityTimeoutSeconds: 60 });
    } finally {
      client.destroy();
      await sqs.stop();
    }
  });
});
