import { afterEach, jest } from '@jest/globals';
import { stageLogChannel } from '../../../lib/adapters/channels/log-channel.js';
import { buildDeps } from '../../../lib/composition-root.js';
import { loadConfig } from '../../../lib/config.js';
import type { OutboundMessage } from '../../../lib/ports/channel-sender.js';

const MESSAGE: OutboundMessage = {
  idempotencyKey: 'bc-1:contact-1',
  tenantId: 'acme',
  broadcastId: 'bc-1',
  executionId: 'ex-1',
  executionReference: 'x1.ex-1',
  contact: { id: 'contact-1', email: 'ana@example.com', phone: '+447700900189' },
  message: { type: 'text', content: 'Hi' },
};

/** What the stage's log channel, as the composition root builds it from this environment, prints for MESSAGE. */
async function printedContact(env: Record<string, string>): Promise<unknown> {
  const printed: string[] = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    printed.push(String(chunk));
    return true;
  });
  const deps = buildDeps(loadConfig(env));
  await deps.senders.senderFor(stageLogChannel()).send(MESSAGE);
  jest.restoreAllMocks();
  const line = printed.find((text) => text.includes('"channel":"log"'));
  return JSON.parse(line ?? '{}').contact;
}

describe('the log channel of the composition root', () => {
  afterEach(() => {
    jest.restoreAllMocks();
  });

  it("masks contacts' e-mail and phone in AWS", async () => {
    // Act
    const contact = await printedContact({ AWS_LAMBDA_FUNCTION_NAME: 'broadcast-acme-prod-sender' });

    // Assess
    expect(contact).toMatchObject({ email: 'a***@example.com', phone: '+44********89' });
  });

  it('keeps them readable locally, for developers', async () => {
    // Act
    const contact = await printedContact({});

    // Assess
    expect(contact).toMatchObject({ email: 'ana@example.com', phone: '+447700900189' });
  });
});
