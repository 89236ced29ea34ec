import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogChannel, OUTBOX_FILE } from '../../../lib/adapters/channels/log-channel.js';
import type { OutboundMessage } from '../../../lib/ports/channel-sender.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'log-channel-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function aMessage(n: number): OutboundMessage {
  return {
    idempotencyKey: `bc-1:contact-${n}`,
    tenantId: 'acme',
    broadcastId: 'bc-1',
    executionId: `ex-${n}`,
    executionReference: `x1.ex-${n}`,
    contact: { id: `contact-${n}`, name: 'Ana', email: 'ana@example.com' },
    message: { type: 'text', content: `Hi Ana #${n}` },
  };
}

const NOW = new Date('2025-01-15T12:00:00.000Z');

async function outboxLines(dataDir: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(join(dataDir, OUTBOX_FILE), 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line));
}

describe('LogChannel', () => {
  it('writes each message as one JSON line to its writer and appends it to DATA_DIR/outbox.jsonl', async () => {
    // Prepare
    const written: string[] = [];
    let n = 0;
    const channel = new LogChannel({
      write: (line) => written.push(line),
      dataDir: dir,
      now: () => NOW,
      newId: () => `id-${++n}`,
    });

    // Act
    const outcomes = [await channel.send(aMessage(1)), await channel.send(aMessage(2))];

    // Assess
    expect(outcomes).toEqual([
      { kind: 'accepted', providerMessageId: 'log-id-1' },
      { kind: 'accepted', providerMessageId: 'log-id-2' },
    ]);
    expect(written).toHaveLength(2);
    expect(written.every((line) => line.endsWith('\n') && line.indexOf('\n') === line.length - 1)).toBe(true);
    const lines = await outboxLines(dir);
    expect(lines).toEqual(written.map((line) => JSON.parse(line)));
    expect(lines[0]).toEqual({
      channel: 'log',
      at: '2025-01-15T12:00:00.000Z',
      message_id: 'log-id-1',
      idempotency_key: 'bc-1:contact-1',
      tenant_id: 'acme',
      broadcast_id: 'bc-1',
      execution_id: 'ex-1',
      contact: { id: 'contact-1', name: 'Ana', email: 'ana@example.com', phone: null },
      message: {
        type: 'text',
        content: 'Hi Ana #1',
        template_id: null,
        variables: {},
        media_url: null,
        language: null,
        subject: null,
        html: null,
      },
    });
  });

  it('creates the data directory when it does not exist yet', async () => {
    // Prepare
    const nested = join(dir, 'a', 'b');
    const channel = new LogChannel({ write: () => undefined, dataDir: nested });

    // Act
    await channel.send(aMessage(1));

    // Assess
    expect(await outboxLines(nested)).toHaveLength(1);
  });

  it('keeps every line whole when many messages are sent at once', async () => {
    // Prepare
    const channel = new LogChannel({ write: () => undefined, dataDir: dir });

    // Act
    await Promise.all(Array.from({ length: 200 }, (_, i) => channel.send(aMessage(i))));

    // Assess
    const lines = await outboxLines(dir);
    expect(lines.map((line) => line.execution_id).sort()).toEqual(
      Array.from({ length: 200 }, (_, i) => `ex-${i}`).sort(),
    );
  });

  it('writes no file without a data directory', async () => {
    // Prepare
    const written: string[] = [];
    const channel = new LogChannel({ write: (line) => written.push(line) });

    // Act
    const outcome = await channel.send(aMessage(1));

    // Assess
    expect(outcome.kind).toBe('accepted');
    expect(written).toHaveLength(1);
    await expect(stat(join(process.cwd(), OUTBOX_FILE))).rejects.toThrow();
  });

  it('answers transient, and writes nothing, when the outbox cannot be appended to', async () => {
    // Prepare
    const blocked = join(dir, 'not-a-dir');
    await writeFile(blocked, 'a file where the directory should be');
    const written: string[] = [];
    const channel = new LogChannel({ write: (line) => written.push(line), dataDir: blocked });

    // Act
    const outcome = await channel.send(aMessage(1));

    // Assess
    expect(outcome).toEqual({ kind: 'transient', reason: expect.stringMatching(/^could not append to the outbox: E/) });
    expect(written).toEqual([]);
  });

  it("prints the contact's e-mail and phone masked when asked to, and keeps them whole in the outbox", async () => {
    // Prepare
    const written: string[] = [];
    const channel = new LogChannel({ write: (line) => written.push(line), dataDir: dir, maskContacts: true });
    const message = aMessage(1);
    message.contact = { ...message.contact, phone: '+447700900189' };

    // Act
    await channel.send(message);

    // Assess
    expect(JSON.parse(written[0] ?? '{}').contact).toEqual({
      id: 'contact-1',
      name: 'Ana',
      email: 'a***@example.com',
      phone: '+44********89',
    });
    expect(written[0]).not.toContain('ana@example.com');
    expect(written[0]).not.toContain('7700900');
    expect((await outboxLines(dir))[0]?.contact).toMatchObject({ email: 'ana@example.com', phone: '+447700900189' });
  });

  it("prints the contact's e-mail and phone readable by default", async () => {
    // Prepare
    const written: string[] = [];
    const channel = new LogChannel({ write: (line) => written.push(line) });
    const message = aMessage(1);
    message.contact = { ...message.contact, phone: '+447700900189' };

    // Act
    await channel.send(message);

    // Assess
    expect(JSON.parse(written[0] ?? '{}').contact).toMatchObject({ email: 'ana@example.com', phone: '+447700900189' });
  });

  it('cannot de-duplicate, so it does not honour idempotency keys', () => {
    expect(new LogChannel().honoursIdempotencyKey).toBe(false);
  });
});
