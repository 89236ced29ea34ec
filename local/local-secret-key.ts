import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { newLocalSecretKey, parseLocalSecretKey } from '../lib/adapters/secrets/local-secret-box.js';
import { ConfigError } from '../lib/config.js';

/** Where `npm start` keeps the key that seals channel credentials, next to the data it protects. */
export const LOCAL_SECRET_KEY_FILE = 'local-secret-key';

/**
 * The LOCAL_SECRET_KEY `npm start` runs with when none is set: with DATA_DIR, the key kept there (made on first start,
 * readable by its owner only), so a restart opens what was sealed before; without, a new key, in memory like the data.
 */
export function localSecretKey(dataDir: string | undefined): string {
  if (!dataDir) return newLocalSecretKey();
  const file = join(dataDir, LOCAL_SECRET_KEY_FILE);
  mkdirSync(dataDir, { recursive: true });
  try {
    writeFileSync(file, `${newLocalSecretKey()}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const key = readFileSync(file, 'utf8').trim();
  try {
    parseLocalSecretKey(key);
  } catch (error) {
    throw new ConfigError(`${file}: ${(error as Error).message}; or set LOCAL_SECRET_KEY`, { cause: error });
  }
  return key;
}
