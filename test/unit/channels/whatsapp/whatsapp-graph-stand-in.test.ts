import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { classifyGraphFailure } from '../../../../lib/adapters/channels/whatsapp/graph-error.js';
import { toGraphMessage } from '../../../../lib/adapters/channels/whatsapp/graph-message.js';
import { receiptsOf } from '../../../../lib/adapters/channels/whatsapp/status-webhook.js';
import { verifyHubSignature } from '../../../../lib/adapters/channels/whatsapp/webhook-signature.js';
import type { OutboundMessage } from '../../../../lib/ports/channel-sender.js';
import { GRAPH_ERRORS, WhatsAppGraphStandIn } from '../../../support/whatsapp-graph-stand-in.js';

const TOKEN = 'EAAG-test-token';
const APP_SECRET = 'app-secret-for-receipts';

function anOutbound(
  message: OutboundMessage['message'],
  index = 1,
  phone = `+551199999${String(index).padStart(4, '0')}`,
) {
  return {
    idempotencyKey: `bc-1:contact-${index}`,
    tenantId: 'acme',
    broadcastId: 'bc-1',
    executionId: `ex-${index}`,
    executionReference: `x1.ex-${index}`,
    contact: { id: `contact-${index}`, phone },
    message,
  } satisfies OutboundMessage;
}

/** One send as the adapter will make it. */
async function post(standIn: WhatsAppGraphStandIn, body: unknown, token = TOKEN, url = standIn.messagesUrl()) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, text: await response.text() };
}

let standIn: WhatsAppGraphStandIn;

beforeEach(async () => {
  standIn = await WhatsAppGraphStandIn.start({
    accessToken: TOKEN,
    templates: {
      spring_sale: { body: 2 },
      order_ready: { body: ['first_name', 'order_id'], header: 'image', languages: ['pt_BR'] },
      invoice: { header: 'document' },
    },
  });
});

afterEach(async () => {
  await standIn.stop();
});

describe('WhatsAppGraphStandIn', () => {
  it('accepts what toGraphMessage makes of every message type, answering like Meta', async () => {
    // Prepare
    const bodies = [
      toGraphMessage(anOutbound({ type: 'text', content: 'Hi Ana' }, 1)),
      toGraphMessage(anOutbound({ type: 'template', templateId: 'spring_sale', variables: { '2': 'b', '1': 'a' } }, 2)),
      toGraphMessage(
        anOutbound(
          {
            type: 'template',
            templateId: 'order_ready',
            variables: { first_name: 'Ana', order_id: 'A-17' },
            mediaUrl: 'https://cdn.example.com/banner.jpg',
          },
          3,
        ),
        { language: 'pt_BR' },
      ),
      toGraphMessage(
        anOutbound({ type: 'template', templateId: 'invoice', mediaUrl: 'https://cdn.example.com/i.pdf' }, 4),
      ),
      toGraphMessage(anOutbound({ type: 'media', mediaUrl: 'https://cdn.example.com/p.png', content: 'Look' }, 5)),
      toGraphMessage(anOutbound({ type: 'media', mediaUrl: 'https://cdn.example.com/c.mp4' }, 6)),
      toGraphMessage(anOutbound({ type: 'media', mediaUrl: 'https://cdn.example.com/t.pdf', content: 'Terms' }, 7)),
    ];

    // Act
    const answers = [];
    for (const body of bodies) answers.push(await post(standIn, body));

    // Assess
    expect(standIn.malformed()).toEqual([]);
    expect(answers.map((answer) => answer.status)).toEqual(bodies.map(() => 200));
    const first = JSON.parse(answers[0]?.text ?? '');
    expect(first).toEqual({
      messaging_product: 'whatsapp',
      contacts: [{ input: '5511999990001', wa_id: '5511999990001' }],
      messages: [{ id: expect.stringMatching(/^wamid\.[\w-]+$/), message_status: 'accepted' }],
    });
    expect(standIn.accepted.map((message) => [message.type, message.reference])).toEqual([
      ['text', 'ex-1'],
      ['template', 'ex-2'],
      ['template', 'ex-3'],
      ['template', 'ex-4'],
      ['image', 'ex-5'],
      ['video', 'ex-6'],
      ['document', 'ex-7'],
    ]);
  });

  it.each([
    ['no messaging_product', { to: '5511999990001', type: 'text', text: { body: 'Hi' } }, 'messaging_product'],
    [
      'a number with "+"',
      { messaging_product: 'whatsapp', to: '+5511999990001', type: 'text', text: { body: 'Hi' } },
      'to must',
    ],
    [
      'a misspelt field',
      { messaging_product: 'whatsapp', to: '5511999990001', type: 'text', txt: { body: 'Hi' } },
      'txt is not',
    ],
    [
      'an object that does not match the type',
      { messaging_product: 'whatsapp', to: '5511999990001', type: 'image', text: { body: 'Hi' } },
      'text is set but type is image',
    ],
    [
      'a caption over 1024 characters',
      {
        messaging_product: 'whatsapp',
        to: '5511999990001',
        type: 'image',
        image: { link: 'https://x.test/p.png', caption: 'x'.repeat(1025) },
      },
      'caption must be at most 1024',
    ],
    [
      'mixed named and positional parameters',
      {
        messaging_product: 'whatsapp',
        to: '5511999990001',
        type: 'template',
        template: {
          name: 'spring_sale',
          language: { code: 'en_US' },
          components: [
            {
              type: 'body',
              parameters: [
                { type: 'text', text: 'a' },
                { type: 'text', text: 'b', parameter_name: 'second' },
              ],
            },
          ],
        },
      },
      'all named or all positional',
    ],
    [
      'a header with two media',
      {
        messaging_product: 'whatsapp',
        to: '5511999990001',
        type: 'template',
        template: {
          name: 'invoice',
          language: { code: 'en_US' },
          components: [
            {
              type: 'header',
              parameters: [
                { type: 'image', image: { link: 'https://x.test/a.png' } },
                { type: 'image', image: { link: 'https://x.test/b.png' } },
              ],
            },
          ],
        },
      },
      'exactly one parameter',
    ],
  ])('refuses %s with a Graph error that names the problem', async (_what, body, problem) => {
    // Act
    const answer = await post(standIn, body);

    // Assess
    expect(answer.status).toBe(400);
    const error = JSON.parse(answer.text).error;
    expect(error).toMatchObject({ code: 100, error_data: { messaging_product: 'whatsapp' } });
    expect(error.error_data.details).toContain(problem);
    expect(standIn.malformed()).toHaveLength(1);
    expect(standIn.accepted).toEqual([]);
  });

  it('answers a token other than the channel one with 190, and an unknown phone number id with 100/33', async () => {
    // Prepare
    const body = toGraphMessage(anOutbound({ type: 'text', content: 'Hi' }));

    // Act
    const expired = await post(standIn, body, 'expired');
    const elsewhere = await post(standIn, body, TOKEN, standIn.messagesUrl().replace(standIn.phoneNumberId, '999'));

    // Assess
    expect(expired.status).toBe(401);
    expect(classifyGraphFailure(expired.status, expired.text)).toMatchObject({ kind: 'channel', code: 190 });
    expect(elsewhere.status).toBe(400);
    expect(JSON.parse(elsewhere.text).error).toMatchObject({ code: 100, error_subcode: 33 });
    expect(classifyGraphFailure(elsewhere.status, elsewhere.text)).toMatchObject({ kind: 'channel', code: 100 });
    expect(standIn.requests.map((request) => request.outcome)).toEqual(['unauthorized', 'unknown_object']);
  });

  it('answers a send that does not fit its template as Meta does', async () => {
    // Prepare
    const tooFew = toGraphMessage(anOutbound({ type: 'template', templateId: 'spring_sale', variables: { '1': 'a' } }));
    const unknown = toGraphMessage(anOutbound({ type: 'template', templateId: 'winter_sale' }));
    const wrongLanguage = toGraphMessage(
      anOutbound({
        type: 'template',
        templateId: 'order_ready',
        variables: { first_name: 'Ana', order_id: 'A-17' },
        mediaUrl: 'https://cdn.example.com/banner.jpg',
      }),
    );

    // Act
    const answers = [await post(standIn, tooFew), await post(standIn, unknown), await post(standIn, wrongLanguage)];

    // Assess
    expect(answers.map((answer) => JSON.parse(answer.text).error.code)).toEqual([132000, 132001, 132001]);
    // A parameter count fails that contact; a template missing (in this language) pauses the broadcast.
    expect(answers.map((answer) => classifyGraphFailure(answer.status, answer.text).kind)).toEqual([
      'permanent',
      'channel',
      'channel',
    ]);
  });

  it('injects faults by count, by recipient and by predicate, counting only well-formed sends', async () => {
    // Prepare
    standIn.faults = [
      { match: { to: '5511999990004' }, answer: GRAPH_ERRORS.undeliverable },
      { match: { everyNth: 3 }, answer: GRAPH_ERRORS.throughput },
      { match: ({ type }) => type === 'image', answer: GRAPH_ERRORS.somethingWentWrong },
    ];
    const texts = [1, 2, 3, 4, 5, 6].map((index) =>
      toGraphMessage(anOutbound({ type: 'text', content: `Hi ${index}` }, index)),
    );
    const image = toGraphMessage(anOutbound({ type: 'media', mediaUrl: 'https://cdn.example.com/p.png' }, 7));

    // Act
    const answers = [];
    answers.push(await post(standIn, { ...texts[0], messaging_product: 'sms' }));
    for (const body of [...texts, image]) answers.push(await post(standIn, body));

    // Assess
    const kinds = answers.map((answer) =>
      answer.status === 200 ? 'accepted' : classifyGraphFailure(answer.status, answer.text),
    );
    expect(kinds[0]).toMatchObject({ kind: 'channel', code: 100 });
    expect(kinds.slice(1)).toEqual([
      'accepted',
      'accepted',
      expect.objectContaining({ kind: 'transient', throttled: true, code: 130429 }),
      expect.objectContaining({ kind: 'permanent', code: 131026 }),
      'accepted',
      expect.objectContaining({ kind: 'transient', throttled: true, code: 130429 }),
      expect.objectContaining({ kind: 'transient', throttled: false, code: 131000 }),
    ]);
    expect(answers[3]?.status).toBe(429);
  });

  it('delays its answers by the latency asked for', async () => {
    // Prepare
    standIn.latencyMs = 300;
    const body = toGraphMessage(anOutbound({ type: 'text', content: 'Hi' }));

    // Act
    const outcome = await fetch(standIn.messagesUrl(), {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(50),
    }).then(
      () => 'answered',
      (error: Error) => error.name,
    );

    // Assess
    expect(outcome).toBe('TimeoutError');
  });

  describe('status receipts', () => {
    let receiver: Server;
    let callbackUrl: string;
    let received: { headers: IncomingHttpHeaders; raw: Buffer }[];

    beforeEach(async () => {
      received = [];
      receiver = createServer((request, response) => {
        const chunks: Buffer[] = [];
        request.on('data', (chunk: Buffer) => chunks.push(chunk));
        request.on('end', () => {
          received.push({ headers: request.headers, raw: Buffer.concat(chunks) });
          response.writeHead(200).end();
        });
      });
      await new Promise<void>((done) => receiver.listen(0, '127.0.0.1', done));
      callbackUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/whatsapp/webhook`;
    });

    afterEach(async () => {
      receiver.closeAllConnections();
      await new Promise<void>((done) => receiver.close(() => done()));
    });

    async function acceptTexts(count: number): Promise<void> {
      for (let index = 1; index <= count; index += 1)
        await post(standIn, toGraphMessage(anOutbound({ type: 'text', content: `Hi ${index}` }, index)));
    }

    it('posts signed sent, delivered and read receipts that carry each message reference', async () => {
      // Prepare
      await acceptTexts(2);

      // Act
      const posts = await standIn.postReceipts({ callbackUrl, appSecret: APP_SECRET });

      // Assess
      expect(posts.map((posted) => posted.responseStatus)).toEqual([200, 200, 200, 200, 200, 200]);
      expect(received).toHaveLength(6);
      for (const { headers, raw } of received) {
        expect(verifyHubSignature(raw, headers['x-hub-signature-256'] as string, APP_SECRET)).toBe(true);
      }
      const receipts = received.flatMap(({ raw }) => receiptsOf(JSON.parse(raw.toString('utf8'))));
      expect(receipts.map((receipt) => [receipt.reference, receipt.status])).toEqual([
        ['ex-1', 'sent'],
        ['ex-1', 'delivered'],
        ['ex-1', 'read'],
        ['ex-2', 'sent'],
        ['ex-2', 'delivered'],
        ['ex-2', 'read'],
      ]);
      const [accepted] = standIn.accepted;
      expect(receipts[0]).toMatchObject({ messageId: accepted?.id, recipientId: '5511999990001' });
      expect((receipts[0]?.timestamp ?? '') < (receipts[2]?.timestamp ?? '')).toBe(true);
    });

    it('duplicates, shuffles, skips delivered, adds unknown ids and fails chosen messages on demand', async () => {
      // Prepare
      await acceptTexts(3);
      const failing = standIn.accepted[2]?.id;

      // Act
      const posts = await standIn.postReceipts({
        callbackUrl,
        appSecret: APP_SECRET,
        duplicate: true,
        shuffle: 42,
        skipDelivered: true,
        unknownIds: 2,
        statusesPerPost: 3,
        failFor: (message) => (message.id === failing ? { code: 131026, title: 'Message undeliverable' } : undefined),
      });

      // Assess
      const receipts = received.flatMap(({ raw }) => receiptsOf(JSON.parse(raw.toString('utf8'))));
      expect(receipts).toHaveLength(2 * (2 * 2 + 2 + 2));
      expect(posts).toHaveLength(Math.ceil(receipts.length / 3));
      expect(receipts.some((receipt) => receipt.status === 'delivered' && receipt.reference !== undefined)).toBe(false);
      const known = new Set(standIn.accepted.map((message) => message.id));
      expect(receipts.filter((receipt) => !known.has(receipt.messageId))).toHaveLength(4);
      expect(receipts.filter((receipt) => receipt.status === 'failed')).toEqual([
        expect.objectContaining({ reference: 'ex-3', error: 'whatsapp 131026: Message undeliverable' }),
        expect.objectContaining({ reference: 'ex-3', error: 'whatsapp 131026: Message undeliverable' }),
      ]);
      const rank = (receipt: (typeof receipts)[number]) => {
        const message = standIn.accepted.findIndex((accepted) => accepted.id === receipt.messageId);
        const step = ['sent', 'delivered', 'read', 'failed'].indexOf(receipt.status);
        return (message === -1 ? standIn.accepted.length : message) * 10 + step;
      };
      const ranks = receipts.map(rank);
      expect(ranks).not.toEqual([...ranks].sort((a, b) => a - b));
    });

    it('signs the posts it is told to tamper with wrongly, and only those', async () => {
      // Prepare
      await acceptTexts(2);

      // Act
      const posts = await standIn.postReceipts({
        callbackUrl,
        appSecret: APP_SECRET,
        tamperSignature: (index) => index % 2 === 0,
      });

      // Assess
      const verdicts = received.map(({ headers, raw }) =>
        verifyHubSignature(raw, headers['x-hub-signature-256'] as string, APP_SECRET),
      );
      expect(verdicts).toEqual(posts.map((posted) => !posted.tampered));
      expect(verdicts).toEqual([false, true, false, true, false, true]);
    });
  });
});
