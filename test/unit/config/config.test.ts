import { ConfigError, loadConfig } from '../../../lib/config.js';
import { MAX_RATE_LIMIT } from '../../../lib/domain/broadcast.js';

describe('loadConfig', () => {
  it("caps broadcast rates at the API's own ceiling unless MAX_RATE_PER_MINUTE lowers it", () => {
    // Act
    const unset = loadConfig({});
    const lowered = loadConfig({ MAX_RATE_PER_MINUTE: '600' });

    // Assess
    expect(unset.MAX_RATE_PER_MINUTE).toBe(MAX_RATE_LIMIT);
    expect(lowered.MAX_RATE_PER_MINUTE).toBe(600);
  });

  it.each([
    ['above the API ceiling', String(MAX_RATE_LIMIT + 1)],
    ['zero', '0'],
    ['not a number', 'fast'],
  ])('refuses a MAX_RATE_PER_MINUTE %s, naming it', (_, value) => {
    // Act
    const load = () => loadConfig({ MAX_RATE_PER_MINUTE: value });

    // Assess
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/MAX_RATE_PER_MINUTE/);
  });

  it('accepts the log levels of the Powertools logger, in either case, and refuses others', () => {
    // Act
    const debug = loadConfig({ POWERTOOLS_LOG_LEVEL: 'debug' });
    const refused = () => loadConfig({ POWERTOOLS_LOG_LEVEL: 'verbose' });

    // Assess
    expect(debug.POWERTOOLS_LOG_LEVEL).toBe('debug');
    expect(refused).toThrow(/POWERTOOLS_LOG_LEVEL/);
  });

  it("sends WhatsApp to Meta's Graph API unless WHATSAPP_API_BASE_URL points elsewhere", () => {
    // Act
    const unset = loadConfig({});
    const standIn = loadConfig({ WHATSAPP_API_BASE_URL: 'http://127.0.0.1:4010' });

    // Assess
    expect(unset.WHATSAPP_API_BASE_URL).toBe('https://graph.facebook.com');
    expect(standIn.WHATSAPP_API_BASE_URL).toBe('http://127.0.0.1:4010');
  });

  it.each([
    ['not a URL', {}, 'graph.facebook.com'],
    ['not http(s)', {}, 'ftp://graph.example.com'],
    [
      'in clear text in AWS',
      { AWS_LAMBDA_FUNCTION_NAME: 'sender', UNSUBSCRIBE_SECRET: 'x'.repeat(32) },
      'http://graph.example.com',
    ],
  ])('refuses a WHATSAPP_API_BASE_URL %s, naming it', (_, env, value) => {
    // Act
    const load = () => loadConfig({ ...env, WHATSAPP_API_BASE_URL: value });

    // Assess
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/WHATSAPP_API_BASE_URL/);
  });

  it('takes an https WHATSAPP_API_BASE_URL in AWS', () => {
    // Act
    const config = loadConfig({
      AWS_LAMBDA_FUNCTION_NAME: 'sender',
      UNSUBSCRIBE_SECRET: 'x'.repeat(32),
      WHATSAPP_API_BASE_URL: 'https://graph.example.com',
    });

    // Assess
    expect(config.WHATSAPP_API_BASE_URL).toBe('https://graph.example.com');
  });

  it('requires roles in AWS and not locally, unless REQUIRE_ROLES says otherwise', () => {
    // Act
    const inAws = loadConfig({ AWS_LAMBDA_FUNCTION_NAME: 'broadcast-acme-prod-contacts-api' });
    const local = loadConfig({});
    const relaxedInAws = loadConfig({ AWS_LAMBDA_FUNCTION_NAME: 'f', REQUIRE_ROLES: 'false' });
    const strictLocally = loadConfig({ REQUIRE_ROLES: 'true' });

    // Assess
    expect([inAws, local, relaxedInAws, strictLocally].map((config) => config.REQUIRE_ROLES)).toEqual([
      true,
      false,
      false,
      true,
    ]);
    expect(() => loadConfig({ REQUIRE_ROLES: 'maybe' })).toThrow(/REQUIRE_ROLES/);
  });

  it('reads the roles from cognito:groups unless ROLE_CLAIM names another claim', () => {
    expect(loadConfig({}).ROLE_CLAIM).toBe('cognito:groups');
    expect(loadConfig({ ROLE_CLAIM: 'groups' }).ROLE_CLAIM).toBe('groups');
  });

  it('pins no tenant by default, and refuses a TENANT_ID no token could carry', () => {
    // Act
    const unpinned = loadConfig({});
    const pinned = loadConfig({ TENANT_ID: 'acme' });

    // Assess
    expect(unpinned.TENANT_ID).toBeUndefined();
    expect(pinned.TENANT_ID).toBe('acme');
    for (const value of ['', 'null', '123', 'acme corp', 'a/b']) {
      expect(() => loadConfig({ TENANT_ID: value })).toThrow(/TENANT_ID/);
    }
  });
});
