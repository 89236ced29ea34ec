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
});
