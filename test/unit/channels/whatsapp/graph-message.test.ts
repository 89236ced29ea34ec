import fc from 'fast-check';
import {
  bodyParametersOf,
  GraphMessageError,
  type GraphMessageProblem,
  mediaKindOf,
  toGraphMessage,
} from '../../../../lib/adapters/channels/whatsapp/graph-message.js';
import type { OutboundMessage } from '../../../../lib/ports/channel-sender.js';

/** `phone: null` builds a contact without a phone number. */
function anOutbound(message: OutboundMessage['message'], phone: string | null = '+5511999998888'): OutboundMessage {
  return {
    idempotencyKey: 'bc-1:contact-1',
    tenantId: 'acme',
    broadcastId: 'bc-1',
    executionId: 'ex-1',
    executionReference: 'x1.ex-1',
    contact: phone === null ? { id: 'contact-1', name: 'Ana' } : { id: 'contact-1', name: 'Ana', phone },
    message,
  };
}

function problemOf(act: () => unknown): GraphMessageProblem | undefined {
  try {
    act();
  } catch (error) {
    if (error instanceof GraphMessageError) return error.problem;
    throw error;
  }
  return undefined;
}

describe('toGraphMessage', () => {
  it('maps a text message to the documented body, with the number in digits and the execution id as callback data', () => {
    // Prepare
    const outbound = anOutbound({ type: 'text', content: 'Hi Ana, 20% off today' });

    // Act
    const body = toGraphMessage(outbound);

    // Assess
    expect(body).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '5511999998888',
      biz_opaque_callback_data: 'ex-1',
      type: 'text',
      text: { body: 'Hi Ana, 20% off today' },
    });
  });

  it('sends the reference the caller gives instead of the bare execution id', () => {
    // Prepare
    const outbound = anOutbound({ type: 'text', content: 'Hi' });

    // Act
    const body = toGraphMessage(outbound, { reference: 'acme/bc-1/ex-1' });

    // Assess
    expect(body.biz_opaque_callback_data).toBe('acme/bc-1/ex-1');
  });

  it('maps a template with positional variables in numeric order (10 after 9) and the default language', () => {
    // Prepare
    const variables: Record<string, string> = {};
    for (const position of [10, 2, 1, 9, 3, 4, 5, 6, 7, 8]) variables[String(position)] = `value-${position}`;
    const outbound = anOutbound({ type: 'template', templateId: 'spring_sale', variables });

    // Act
    const body = toGraphMessage(outbound);

    // Assess
    expect(body).toMatchObject({ type: 'template' });
    if (body.type !== 'template') throw new Error('not a template');
    expect(body.template.name).toBe('spring_sale');
    expect(body.template.language).toEqual({ code: 'en_US' });
    expect(body.template.components).toEqual([
      {
        type: 'body',
        parameters: Array.from({ length: 10 }, (_, index) => ({ type: 'text', text: `value-${index + 1}` })),
      },
    ]);
  });

  it('maps a template with named variables and a media header, in the language given', () => {
    // Prepare
    const outbound = anOutbound({
      type: 'template',
      templateId: 'order_ready',
      variables: { first_name: 'Ana', order_id: 'A-17' },
      mediaUrl: 'https://cdn.example.com/banners/spring.PNG?v=3',
    });

    // Act
    const body = toGraphMessage(outbound, { language: 'pt_BR' });

    // Assess
    expect(body).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '5511999998888',
      biz_opaque_callback_data: 'ex-1',
      type: 'template',
      template: {
        name: 'order_ready',
        language: { code: 'pt_BR' },
        components: [
          {
            type: 'header',
            parameters: [{ type: 'image', image: { link: 'https://cdn.example.com/banners/spring.PNG?v=3' } }],
          },
          {
            type: 'body',
            parameters: [
              { type: 'text', text: 'Ana', parameter_name: 'first_name' },
              { type: 'text', text: 'A-17', parameter_name: 'order_id' },
            ],
          },
        ],
      },
    });
  });

  it('gives a document header its filename and leaves components out when a template has nothing to fill', () => {
    // Prepare
    const withDocument = anOutbound({
      type: 'template',
      templateId: 'invoice',
      mediaUrl: 'https://cdn.example.com/files/Invoice%2017.pdf',
    });
    const bare = anOutbound({ type: 'template', templateId: 'hello_world', variables: {} });

    // Act
    const documentBody = toGraphMessage(withDocument);
    const bareBody = toGraphMessage(bare);

    // Assess
    if (documentBody.type !== 'template' || bareBody.type !== 'template') throw new Error('not a template');
    expect(documentBody.template.components).toEqual([
      {
        type: 'header',
        parameters: [
          {
            type: 'document',
            document: { link: 'https://cdn.example.com/files/Invoice%2017.pdf', filename: 'Invoice 17.pdf' },
          },
        ],
      },
    ]);
    expect(bareBody.template).toEqual({ name: 'hello_world', language: { code: 'en_US' } });
  });

  it.each([
    ['https://cdn.example.com/a/photo.jpg', 'image'],
    ['https://cdn.example.com/a/photo.JPEG', 'image'],
    ['https://cdn.example.com/a/photo.png?size=large', 'image'],
    ['https://cdn.example.com/a/sticker.webp', 'document'],
    ['https://cdn.example.com/a/clip.mp4', 'video'],
    ['https://cdn.example.com/a/clip.3gp', 'video'],
    ['https://cdn.example.com/a/terms.pdf', 'document'],
    ['https://cdn.example.com/a/sheet.xlsx', 'document'],
    ['https://cdn.example.com/a/no-extension', 'document'],
    ['https://cdn.example.com/download?file=clip.mp4', 'document'],
  ] as const)('sends %s as %s', (url, kind) => {
    // Prepare
    const outbound = anOutbound({ type: 'media', mediaUrl: url, content: 'Look' });

    // Act
    const body = toGraphMessage(outbound);

    // Assess
    expect(body.type).toBe(kind);
    expect(mediaKindOf(url)).toBe(kind);
  });

  it('lets an explicit kind win over the extension', () => {
    // Prepare
    const outbound = anOutbound({ type: 'media', mediaUrl: 'https://cdn.example.com/download?id=7', content: 'Clip' });

    // Act
    const body = toGraphMessage(outbound, { mediaKind: 'video' });

    // Assess
    expect(body).toMatchObject({
      type: 'video',
      video: { link: 'https://cdn.example.com/download?id=7', caption: 'Clip' },
    });
  });

  it('captions media with the rendered content, leaves an empty caption out and names documents', () => {
    // Prepare
    const image = anOutbound({ type: 'media', mediaUrl: 'https://cdn.example.com/p.jpg', content: 'Hi Ana' });
    const silent = anOutbound({ type: 'media', mediaUrl: 'https://cdn.example.com/p.jpg', content: '  ' });
    const document = anOutbound({ type: 'media', mediaUrl: 'https://cdn.example.com/docs/terms.pdf' });

    // Act
    const bodies = [image, silent, document].map((outbound) => toGraphMessage(outbound));

    // Assess
    expect(bodies[0]).toMatchObject({
      type: 'image',
      image: { link: 'https://cdn.example.com/p.jpg', caption: 'Hi Ana' },
    });
    expect(bodies[1]).toMatchObject({ type: 'image', image: { link: 'https://cdn.example.com/p.jpg' } });
    expect(bodies[1]).not.toHaveProperty('image.caption');
    expect(bodies[2]).toMatchObject({
      type: 'document',
      document: { link: 'https://cdn.example.com/docs/terms.pdf', filename: 'terms.pdf' },
    });
  });

  it.each<[string, OutboundMessage, GraphMessageProblem]>([
    ['no phone', anOutbound({ type: 'text', content: 'Hi' }, null), 'no_phone'],
    ['a phone that is not E.164', anOutbound({ type: 'text', content: 'Hi' }, '+55 11 99999-8888'), 'invalid_phone'],
    ['a phone with a leading 0', anOutbound({ type: 'text', content: 'Hi' }, '+0511999998888'), 'invalid_phone'],
    ['a text without content', anOutbound({ type: 'text', content: ' ' }), 'missing_content'],
    ['a text over 4096 characters', anOutbound({ type: 'text', content: 'x'.repeat(4097) }), 'text_too_long'],
    ['a template without id', anOutbound({ type: 'template', variables: { '1': 'a' } }), 'missing_template'],
    ['a media message without URL', anOutbound({ type: 'media', content: 'Hi' }), 'missing_media_url'],
    [
      'a media URL that is not http(s)',
      anOutbound({ type: 'media', mediaUrl: 'ftp://example.com/a.png' }),
      'invalid_media_url',
    ],
    [
      'a caption over 1024 characters',
      anOutbound({ type: 'media', mediaUrl: 'https://cdn.example.com/p.jpg', content: 'x'.repeat(1025) }),
      'caption_too_long',
    ],
    [
      'positional variables with a gap',
      anOutbound({ type: 'template', templateId: 't', variables: { '1': 'a', '3': 'c' } }),
      'positional_gap',
    ],
    [
      'a body variable over 1024 characters next to a header',
      anOutbound({
        type: 'template',
        templateId: 't',
        mediaUrl: 'https://cdn.example.com/p.jpg',
        variables: { '1': 'x'.repeat(1025) },
      }),
      'parameter_too_long',
    ],
  ])('refuses %s with a typed error', (_what, outbound, problem) => {
    // Act
    const refused = problemOf(() => toGraphMessage(outbound));

    // Assess
    expect(refused).toBe(problem);
  });

  it('accepts the limits themselves: 4096 text characters, a 1024-character caption, a long body-only variable', () => {
    // Prepare
    const text = anOutbound({ type: 'text', content: 'x'.repeat(4096) });
    const media = anOutbound({ type: 'media', mediaUrl: 'https://cdn.example.com/p.jpg', content: 'x'.repeat(1024) });
    const template = anOutbound({ type: 'template', templateId: 't', variables: { '1': 'x'.repeat(5000) } });

    // Act
    const refused = [text, media, template].map((outbound) => problemOf(() => toGraphMessage(outbound)));

    // Assess
    expect(refused).toEqual([undefined, undefined, undefined]);
  });

  it('refuses a callback reference over 512 characters', () => {
    // Act
    const refused = problemOf(() =>
      toGraphMessage(anOutbound({ type: 'text', content: 'Hi' }), { reference: 'r'.repeat(513) }),
    );

    // Assess
    expect(refused).toBe('reference_too_long');
  });
});

describe('bodyParametersOf', () => {
  it('sends any 1..n numbered variables positionally, in numeric order, whatever the order of the keys', () => {
    fc.assert(
      fc.property(
        fc
          .array(fc.string({ minLength: 1, maxLength: 20 }), { minLength: 1, maxLength: 15 })
          .chain((texts) =>
            fc.tuple(fc.constant(texts), fc.shuffledSubarray([...texts.keys()], { minLength: texts.length })),
          ),
        ([texts, insertionOrder]) => {
          // Prepare
          const variables: Record<string, string> = {};
          for (const index of insertionOrder) variables[String(index + 1)] = texts[index] as string;

          // Act
          const parameters = bodyParametersOf(variables);

          // Assess
          expect(parameters).toEqual(texts.map((text) => ({ type: 'text', text })));
        },
      ),
    );
  });

  it('orders zero-padded positions by number, not by insertion', () => {
    // Prepare: unlike canonical integers, zero-padded keys keep their insertion order in a JS object.
    const variables = { '03': 'c', '01': 'a', '02': 'b' };

    // Act
    const parameters = bodyParametersOf(variables);

    // Assess
    expect(parameters.map((parameter) => parameter.text)).toEqual(['a', 'b', 'c']);
  });

  it('names every parameter as soon as one key is not an integer', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.stringMatching(/^[a-z_][a-z0-9_]{0,10}$/), fc.string({ maxLength: 20 }), { minKeys: 1 }),
        fc.dictionary(fc.stringMatching(/^[1-9]$/), fc.string({ maxLength: 20 })),
        (named, numbered) => {
          // Prepare
          const variables = { ...numbered, ...named };

          // Act
          const parameters = bodyParametersOf(variables);

          // Assess
          expect(parameters).toHaveLength(Object.keys(variables).length);
          for (const parameter of parameters) {
            expect(parameter.type).toBe('text');
            expect(parameter.parameter_name).toBeDefined();
            expect(variables[parameter.parameter_name as string]).toBe(parameter.text);
          }
        },
      ),
    );
  });
});
