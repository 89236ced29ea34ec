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
    ['in clear text in AWS', { AWS_LAMBDA_FUNCTION_NAME: 'sender' }, 'http://graph.example.com'],
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

  describe('secrets (issue 11)', () => {
    const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:UnsubscribeLinksSigningKey-AbCdEf';
    const KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const LOCAL_KEY = Buffer.alloc(32, 9).toString('base64');

    it('refuses in AWS an unsubscribe key or a local secret key in the environment, naming where keys come from there', () => {
      // Act
      const withKey = () => loadConfig({ AWS_LAMBDA_FUNCTION_NAME: 'sender', UNSUBSCRIBE_SECRET: 'x'.repeat(32) });
      const withLocalKey = () => loadConfig({ AWS_LAMBDA_FUNCTION_NAME: 'sender', LOCAL_SECRET_KEY: LOCAL_KEY });

      // Assess
      expect(withKey).toThrow(ConfigError);
      expect(withKey).toThrow(/UNSUBSCRIBE_SECRET: refused in AWS.*UNSUBSCRIBE_SECRET_ARN/);
      expect(withLocalKey).toThrow(/LOCAL_SECRET_KEY: refused in AWS.*CHANNEL_SECRETS_KEY_ARN/);
    });

    it('takes the ARNs of the unsubscribe secret and the KMS key in AWS, and gives no local default key there', () => {
      // Act
      const config = loadConfig({
        AWS_LAMBDA_FUNCTION_NAME: 'sender',
        UNSUBSCRIBE_SECRET_ARN: ARN,
        CHANNEL_SECRETS_KEY_ARN: KEY_ARN,
      });
      const withoutArn = loadConfig({ AWS_LAMBDA_FUNCTION_NAME: 'contacts-api' });

      // Assess
      expect(config).toMatchObject({ UNSUBSCRIBE_SECRET_ARN: ARN, CHANNEL_SECRETS_KEY_ARN: KEY_ARN });
      expect(config.UNSUBSCRIBE_SECRET).toBeUndefined();
      expect(withoutArn.UNSUBSCRIBE_SECRET).toBeUndefined();
    });

    it('uses the public local unsubscribe default only when neither a key nor its ARN is given, outside AWS', () => {
      expect(loadConfig({}).UNSUBSCRIBE_SECRET).toEqual(expect.any(String));
      expect(loadConfig({ UNSUBSCRIBE_SECRET_ARN: ARN }).UNSUBSCRIBE_SECRET).toBeUndefined();
    });

    it('refuses an ARN that is not one, and a LOCAL_SECRET_KEY that is not 32 bytes of base64, without repeating it', () => {
      for (const env of [
        { UNSUBSCRIBE_SECRET_ARN: 'UnsubscribeLinksSigningKey' },
        { CHANNEL_SECRETS_KEY_ARN: 'alias/broadcast' },
      ]) {
        expect(() => loadConfig(env)).toThrow(/must be an ARN/);
      }
      for (const value of ['short', Buffer.alloc(31).toString('base64'), `${LOCAL_KEY}!`]) {
        const error = (() => {
          try {
            loadConfig({ LOCAL_SECRET_KEY: value });
          } catch (caught) {
            return caught as Error;
          }
        })();
        expect(error?.message).toMatch(/LOCAL_SECRET_KEY: must be 32 random bytes in base64/);
        expect(error?.message).not.toContain(value);
      }
      expect(loadConfig({ LOCAL_SECRET_KEY: ` ${LOCAL_KEY}\n` }).LOCAL_SECRET_KEY).toBe(LOCAL_KEY);
    });
  });
});
