import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { HmacUnsubscribeLinks } from '../../../lib/adapters/unsubscribe/hmac-unsubscribe-links.js';
import { buildDeps } from '../../../lib/composition-root.js';
import { DEFAULT_LOCAL_UNSUBSCRIBE_SECRET, loadConfig } from '../../../lib/config.js';
import type { UnsubscribeTarget } from '../../../lib/ports/unsubscribe-links.js';

const SECRET = 'test-secret-0123456789-0123456789-abcdef';
const links = new HmacUnsubscribeLinks(SECRET, 'https://broadcast.example/');
const target: UnsubscribeTarget = { tenantId: 'acme', contactId: randomUUID(), broadcastId: randomUUID() };
const TOKEN_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/%';

const tokenOf = (link: string) => link.slice(link.lastIndexOf('/') + 1);
const tenantId = fc.stringMatching(/^[A-Za-z0-9_.-]{1,64}$/);
const targets = fc.record({ tenantId, contactId: fc.uuid(), broadcastId: fc.uuid() });

describe('HmacUnsubscribeLinks', () => {
  it('links to the public unsubscribe route with a token that verifies to its target', () => {
    const link = links.linkFor(target);
    expect(link).toMatch(/^https:\/\/broadcast\.example\/unsubscribe\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(links.verify(tokenOf(link))).toEqual(target);
  });

  it('round-trips any target', () => {
    fc.assert(
      fc.property(targets, (t) => {
        expect(links.verify(tokenOf(links.linkFor(t)))).toEqual(t);
      }),
    );
  });

  it('gives each target its own token', () => {
    const other = { ...target, contactId: randomUUID() };
    expect(links.tokenFor(other)).not.toBe(links.tokenFor(target));
    expect(links.tokenFor({ ...target, broadcastId: randomUUID() })).not.toBe(links.tokenFor(target));
    expect(links.tokenFor({ ...target, tenantId: 'globex' })).not.toBe(links.tokenFor(target));
  });

  it('refuses a token with any one character changed', () => {
    const token = links.tokenFor(target);
    let tried = 0;
    const accepted: string[] = [];
    for (let i = 0; i < token.length; i++) {
      for (const c of TOKEN_CHARS) {
        if (c === token[i]) continue;
        const tampered = `${token.slice(0, i)}${c}${token.slice(i + 1)}`;
        if (links.verify(tampered) !== undefined) accepted.push(tampered);
        tried++;
      }
    }
    expect(accepted).toEqual([]);
    expect(tried).toBeGreaterThan(token.length * 60);
  });

  it('refuses a token cut short, extended, or with a character removed', () => {
    const token = links.tokenFor(target);
    fc.assert(
      fc.property(fc.nat({ max: token.length - 1 }), fc.string({ minLength: 1, maxLength: 5 }), (i, extra) => {
        expect(links.verify(token.slice(0, i))).toBeUndefined();
        expect(links.verify(`${token.slice(0, i)}${token.slice(i + 1)}`)).toBeUndefined();
        expect(links.verify(`${token}${extra}`)).toBeUndefined();
        expect(links.verify(`${extra}${token}`)).toBeUndefined();
      }),
    );
  });

  it("refuses one target's ids under another's signature", () => {
    const [payloadA] = links.tokenFor(target).split('.');
    const [, signatureB] = links.tokenFor({ ...target, contactId: randomUUID() }).split('.');
    expect(links.verify(`${payloadA}.${signatureB}`)).toBeUndefined();
  });

  it('refuses tokens signed with another secret', () => {
    const other = new HmacUnsubscribeLinks(`${SECRET}-other`, 'https://broadcast.example');
    fc.assert(
      fc.property(targets, (t) => {
        expect(links.verify(other.tokenFor(t))).toBeUndefined();
        expect(other.verify(links.tokenFor(t))).toBeUndefined();
      }),
    );
  });

  it('refuses garbage without throwing', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 2000 }), (garbage) => {
        expect(links.verify(garbage)).toBeUndefined();
      }),
    );
    for (const garbage of ['', '.', 'a.b', '..', 'a.b.c', 'x'.repeat(5000), `${'a'.repeat(10)}.${'b'.repeat(43)}`]) {
      expect(links.verify(garbage)).toBeUndefined();
    }
  });

  it('refuses a well-signed payload that is not three ids (forged with the secret itself)', () => {
    const forge = (ids: unknown) => {
      const payload = Buffer.from(JSON.stringify(ids)).toString('base64url');
      // Signed exactly as the adapter signs, to reach the payload checks behind the signature.
      const signer = links as unknown as { mac(payload: string): string };
      return `${payload}.${signer.mac(payload)}`;
    };
    expect(links.verify(forge([target.tenantId, target.contactId, target.broadcastId]))).toEqual(target);
    expect(links.verify(forge([target.tenantId, target.contactId]))).toBeUndefined();
    expect(links.verify(forge({ tenantId: 'acme' }))).toBeUndefined();
    expect(links.verify(forge(['bad tenant!', target.contactId, target.broadcastId]))).toBeUndefined();
    expect(links.verify(forge([target.tenantId, 42, target.broadcastId]))).toBeUndefined();
  });

  it('needs a secret of at least 32 characters and well-formed targets', () => {
    expect(() => new HmacUnsubscribeLinks('short', 'https://x.example')).toThrow(/32/);
    expect(() => links.tokenFor({ ...target, tenantId: '' })).toThrow();
  });
});

describe('unsubscribe settings (lib/config.ts)', () => {
  it('gives a Lambda deployed without the key links that refuse to work, loudly', () => {
    const { unsubscribeLinks } = buildDeps(loadConfig({ AWS_LAMBDA_FUNCTION_NAME: 'pipeline-worker' }));
    expect(() => unsubscribeLinks.linkFor(target)).toThrow(/UNSUBSCRIBE_SECRET/);
    expect(() => unsubscribeLinks.verify('x.y')).toThrow(/UNSUBSCRIBE_SECRET/);
  });

  it('defaults to the documented local secret and base URL', () => {
    const config = loadConfig({});
    expect(config.UNSUBSCRIBE_SECRET).toBe(DEFAULT_LOCAL_UNSUBSCRIBE_SECRET);
    expect(config.PUBLIC_BASE_URL).toBe('http://127.0.0.1:3000');
  });

  it('reads UNSUBSCRIBE_SECRET and PUBLIC_BASE_URL', () => {
    const config = loadConfig({ UNSUBSCRIBE_SECRET: SECRET, PUBLIC_BASE_URL: 'https://api.example/prod' });
    const link = new HmacUnsubscribeLinks(config.UNSUBSCRIBE_SECRET ?? '', config.PUBLIC_BASE_URL).linkFor(target);
    expect(link.startsWith('https://api.example/prod/unsubscribe/')).toBe(true);
    expect(links.verify(tokenOf(link))).toEqual(target);
  });

  it('refuses a short secret and a malformed base URL, and never uses the public default nor a key from the environment in Lambda', () => {
    expect(() => loadConfig({ UNSUBSCRIBE_SECRET: 'too-short' })).toThrow(/UNSUBSCRIBE_SECRET/);
    expect(() => loadConfig({ PUBLIC_BASE_URL: 'not a url' })).toThrow(/PUBLIC_BASE_URL/);
    expect(loadConfig({ AWS_LAMBDA_FUNCTION_NAME: 'pipeline-worker' }).UNSUBSCRIBE_SECRET).toBeUndefined();
    // In AWS the key comes from Secrets Manager (UNSUBSCRIBE_SECRET_ARN), never from the environment (issue 11).
    expect(() => loadConfig({ AWS_LAMBDA_FUNCTION_NAME: 'unsubscribe', UNSUBSCRIBE_SECRET: SECRET })).toThrow(
      /UNSUBSCRIBE_SECRET: refused in AWS/,
    );
  });
});
