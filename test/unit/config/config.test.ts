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
});
