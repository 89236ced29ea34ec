import { failedBeforeSending, requestNeverLeft } from '../../../lib/adapters/channels/request-never-left.js';
import { WhatsAppChannel } from '../../../lib/adapters/channels/whatsapp/whatsapp-channel.js';

describe('requestNeverLeft', () => {
  it.each([
    'ENOTFOUND',
    'EAI_AGAIN',
    'ECONNREFUSED',
    'EHOSTUNREACH',
    'ENETUNREACH',
    'ERR_TLS_CERT_ALTNAME_INVALID',
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  ])('says %s proves nothing was sent', (code) => {
    // Prepare: the code of a connection that failed before the request was written.

    // Act
    const neverLeft = requestNeverLeft(code);

    // Assess
    expect(neverLeft).toBe(true);
  });

  it.each([['ECONNRESET'], ['ETIMEDOUT'], ['EPIPE'], ['UND_ERR_SOCKET'], [undefined]])(
    'does not say so of %s, which may come after the provider got the request',
    (code) => {
      // Prepare: a failure after the connection was made, or no code at all.

      // Act
      const neverLeft = requestNeverLeft(code);

      // Assess
      expect(neverLeft).toBe(false);
    },
  );

  it('makes such a failure a transient outcome naming the channel and the code', () => {
    // Prepare
    const code = 'ECONNREFUSED';

    // Act
    const outcome = failedBeforeSending('sms', code);

    // Assess
    expect(outcome).toEqual({ kind: 'transient', reason: 'sms: connection failed before sending: ECONNREFUSED' });
  });

  it("counts undici's connect timeout as never left for fetch-based channels (WhatsApp)", async () => {
    // Prepare: fetch fails as undici does when the socket never connected.
    const connectTimeout = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error('Connect Timeout Error'), { code: 'UND_ERR_CONNECT_TIMEOUT' }),
    });
    const channel = new WhatsAppChannel(
      { phoneNumberId: '1234567890', accessToken: 'token', apiVersion: 'v21.0' },
      { fetch: async () => Promise.reject(connectTimeout) },
    );

    // Act
    const outcome = await channel.send({
      idempotencyKey: 'bc_0123',
      tenantId: 'acme',
      broadcastId: 'bc-1',
      executionId: 'ex-1',
      executionReference: 'ref-1',
      contact: { id: 'contact-1', name: 'Ana', phone: '+5511999998888' },
      message: { type: 'text', content: 'Hi' },
    });

    // Assess
    expect(requestNeverLeft('UND_ERR_CONNECT_TIMEOUT')).toBe(false);
    expect(outcome).toEqual({
      kind: 'transient',
      reason: 'whatsapp: connection failed before sending: UND_ERR_CONNECT_TIMEOUT',
    });
  });
});
