import { LocalSecretBox, parseLocalSecretKey } from '../../lib/adapters/secrets/local-secret-box.js';

/** The fixed LOCAL_SECRET_KEY of the tests (32 bytes, base64): what they seal is sealed under it. */
export const TEST_SECRET_KEY = Buffer.from('broadcast-tests-local-secret-key', 'utf8').toString('base64');

/** The local secret box under the tests' fixed key, as the composition root builds it from LOCAL_SECRET_KEY. */
export function testSecretBox(): LocalSecretBox {
  return new LocalSecretBox(parseLocalSecretKey(TEST_SECRET_KEY));
}
