import { parseArgs } from 'node:util';
import { DEFAULT_LOCAL_JWT_SECRET, signLocalToken } from './local-jwt.js';

/** `npm run token -- --tenant acme [--expires 24h]`: prints a token the local server accepts. */
const { values } = parseArgs({
  options: {
    tenant: { type: 'string' },
    expires: { type: 'string', default: '24h' },
    claim: { type: 'string', default: process.env.TENANT_CLAIM ?? 'tenant_id' },
  },
});

if (!values.tenant) {
  process.stderr.write('usage: npm run token -- --tenant <tenant-id> [--expires 24h]\n');
  process.exit(2);
}

const token = await signLocalToken({
  secret: process.env.LOCAL_JWT_SECRET ?? DEFAULT_LOCAL_JWT_SECRET,
  tenantId: values.tenant,
  tenantClaim: values.claim,
  expiresIn: values.expires,
});
process.stdout.write(`${token}\n`);
