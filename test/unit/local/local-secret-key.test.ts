import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseLocalSecretKey } from '../../../lib/adapters/secrets/local-secret-box.js';
import { ConfigError } from '../../../lib/config.js';
import { LOCAL_SECRET_KEY_FILE, localSecretKey } from '../../../local/local-secret-key.js';

const dirs: string[] = [];
const aDataDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'broadcast-key-'));
  dirs.push(dir);
  return dir;
};

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("npm start's LOCAL_SECRET_KEY", () => {
  it('is made on first start into DATA_DIR, readable by its owner only, and read again by every later start', () => {
    // Prepare
    const dataDir = join(aDataDir(), 'not-made-yet');

    // Act
    const first = localSecretKey(dataDir);
    const second = localSecretKey(dataDir);

    // Assess
    expect(parseLocalSecretKey(first)).toHaveLength(32);
    expect(second).toBe(first);
    const file = join(dataDir, LOCAL_SECRET_KEY_FILE);
    expect(readFileSync(file, 'utf8').trim()).toBe(first);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('is a new one each time without DATA_DIR (in memory, like the data)', () => {
    expect(localSecretKey(undefined)).not.toBe(localSecretKey(undefined));
  });

  it('refuses a damaged key file, naming it and LOCAL_SECRET_KEY, without repeating its content', () => {
    // Prepare
    const dataDir = aDataDir();
    writeFileSync(join(dataDir, LOCAL_SECRET_KEY_FILE), 'not-a-key-at-all\n');

    // Act
    const error = (() => {
      try {
        localSecretKey(dataDir);
      } catch (caught) {
        return caught as Error;
      }
    })();

    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.message).toContain(LOCAL_SECRET_KEY_FILE);
    expect(error?.message).toMatch(/32 random bytes in base64.*LOCAL_SECRET_KEY/);
    expect(error?.message).not.toContain('not-a-key-at-all');
  });
});
