import fc from 'fast-check';
import {
  hubSignatureOf,
  rawBodyOf,
  verifyHubSignature,
  verifySubscription,
} from '../../../../lib/adapters/channels/whatsapp/webhook-signature.js';

const APP_SECRET = 'app-secret-0123456789abcdef';

describe('verifyHubSignature', () => {
  it('accepts a published HMAC-SHA256 vector', () => {
    // Prepare: HMAC-SHA256("test") keyed with "secret", as published by an independent WhatsApp SDK.
    const header = 'sha256=0329a06b62cd16b33eb6792be8c60b158d89a2ee3a876fce9a881ebb488c0914';

    // Act
    const valid = verifyHubSignature(Buffer.from('test'), header, 'secret');

    // Assess
    expect(valid).toBe(true);
    expect(hubSignatureOf('test', 'secret')).toBe(header);
  });

  it('verifies what it signs, for any body and secret', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), fc.string({ minLength: 1, maxLength: 64 }), (bytes, secret) => {
        // Prepare
        const body = Buffer.from(bytes);

        // Act
        const valid = verifyHubSignature(body, hubSignatureOf(body, secret), secret);

        // Assess
        expect(valid).toBe(true);
      }),
    );
  });

  it('refuses a body with any single byte changed', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 1024 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (bytes, at, delta) => {
          // Prepare
          const body = Buffer.from(bytes);
          const header = hubSignatureOf(body, APP_SECRET);
          const tampered = Buffer.from(body);
          const index = at % tampered.length;
          tampered[index] = ((tampered[index] as number) + delta) % 256;

          // Act
          const valid = verifyHubSignature(tampered, header, APP_SECRET);

          // Assess
          expect(valid).toBe(false);
        },
      ),
    );
  });

  it('refuses a header with any single character changed', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.nat(), fc.integer({ min: 1, max: 0xffff }), (text, at, delta) => {
        // Prepare
        const body = Buffer.from(text);
        const header = hubSignatureOf(body, APP_SECRET);
        const index = at % header.length;
        const changed = String.fromCharCode(((header.charCodeAt(index) + delta) % 0xffff) + 1);
        const tampered = `${header.slice(0, index)}${changed}${header.slice(index + 1)}`;
        fc.pre(tampered !== header);

        // Act
        const valid = verifyHubSignature(body, tampered, APP_SECRET);

        // Assess
        expect(valid).toBe(false);
      }),
    );
  });

  it.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['the bare digest', hubSignatureOf('{}', APP_SECRET).slice('sha256='.length)],
    ['another algorithm', hubSignatureOf('{}', APP_SECRET).replace('sha256=', 'sha1=')],
    ['upper-case hex', hubSignatureOf('{}', APP_SECRET).toUpperCase().replace('SHA256=', 'sha256=')],
    ['a truncated digest', hubSignatureOf('{}', APP_SECRET).slice(0, -2)],
    ['an extended digest', `${hubSignatureOf('{}', APP_SECRET)}00`],
    ['another secret', hubSignatureOf('{}', `${APP_SECRET}x`)],
  ])('refuses %s', (_what, header) => {
    // Act
    const valid = verifyHubSignature(Buffer.from('{}'), header, APP_SECRET);

    // Assess
    expect(valid).toBe(false);
  });

  it('never verifies with an empty app secret, not even a signature made with it', () => {
    // Act
    const valid = verifyHubSignature(Buffer.from('{}'), hubSignatureOf('{}', ''), '');

    // Assess
    expect(valid).toBe(false);
  });
});

describe('rawBodyOf', () => {
  it('decodes a base64 body as API Gateway hands it over, so its signature verifies', () => {
    // Prepare
    const json = '{"object":"whatsapp_business_account","entry":[{"changes":[{"value":{"text":"olá 👋"}}]}]}';
    const header = hubSignatureOf(Buffer.from(json, 'utf8'), APP_SECRET);

    // Act
    const fromBase64 = rawBodyOf(Buffer.from(json, 'utf8').toString('base64'), true);
    const fromText = rawBodyOf(json, false);

    // Assess
    expect(fromBase64.toString('utf8')).toBe(json);
    expect(verifyHubSignature(fromBase64, header, APP_SECRET)).toBe(true);
    expect(verifyHubSignature(fromText, header, APP_SECRET)).toBe(true);
  });

  it('gives no bytes for no body', () => {
    // Act
    const bytes = [rawBodyOf(undefined, false), rawBodyOf(null, true)];

    // Assess
    expect(bytes.map((buffer) => buffer.length)).toEqual([0, 0]);
  });
});

describe('verifySubscription', () => {
  const query = (overrides: Record<string, string | undefined> = {}) => ({
    'hub.mode': 'subscribe',
    'hub.verify_token': 'verify-me',
    'hub.challenge': '1158201444',
    ...overrides,
  });

  it('answers the challenge when the mode is subscribe and the token matches', () => {
    // Act
    const check = verifySubscription(query(), 'verify-me');

    // Assess
    expect(check).toEqual({ ok: true, challenge: '1158201444' });
  });

  it.each([
    ['another token', query({ 'hub.verify_token': 'verify-you' }), 'verify-me'],
    ['a token prefix', query({ 'hub.verify_token': 'verify' }), 'verify-me'],
    ['no token', query({ 'hub.verify_token': undefined }), 'verify-me'],
    ['another mode', query({ 'hub.mode': 'unsubscribe' }), 'verify-me'],
    ['no challenge', query({ 'hub.challenge': undefined }), 'verify-me'],
    ['a challenge with control characters', query({ 'hub.challenge': '1\r\nSet-Cookie: x' }), 'verify-me'],
    ['a challenge too long to be one', query({ 'hub.challenge': '1'.repeat(257) }), 'verify-me'],
    ['no configured token', query({ 'hub.verify_token': '' }), ''],
    ['no query at all', null, 'verify-me'],
  ])('refuses %s', (_what, given, verifyToken) => {
    // Act
    const check = verifySubscription(given, verifyToken);

    // Assess
    expect(check).toEqual({ ok: false });
  });
});
