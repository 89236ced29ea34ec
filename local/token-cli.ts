import { parseArgs } from 'node:util';
import { loadConfig } from '../lib/config.js';
import { isTenantId } from '../lib/domain/tenant.js';
import { isRole, ROLES } from '../lib/http/roles.js';
import { devToken } from './dev-token.js';
import { loadLocalSettings } from './local-settings.js';

/**
 * `npm run token -- [--tenant acme] [--role viewer|operator|admin] [--expires 24h]`: prints a token the local server
 * accepts. The tenant defaults to TENANT_ID (the one `npm start` is pinned to, if any), the role to `admin`.
 */
const USAGE = `usage: npm run token -- --tenant <tenant-id> [--role ${ROLES.join('|')}] [--expires 24h]\n`;

const { values } = parseArgs({
  options: {
    tenant: { type: 'string', default: process.env.TENANT_ID },
    role: { type: 'string', default: 'admin' },
    expires: { type: 'string', default: '24h' },
  },
});

const fail: (message: string) => never = (message) => {
  process.stderr.write(`${message}\n${USAGE}`);
  process.exit(2);
};

const tenantId = values.tenant ?? fail('name the tenant: --tenant <id> (or set TENANT_ID)');
if (!isTenantId(tenantId)) fail(`invalid tenant "${tenantId}": 1 to 64 of A-Z a-z 0-9 _ . - (not a number)`);
const role = values.role;
if (!isRole(role)) fail(`unknown role "${role}": one of ${ROLES.join(', ')}`);

const token = await devToken(loadLocalSettings(), loadConfig(), {
  tenantId,
  role,
  expiresIn: values.expires,
});
process.stdout.write(`${token}\n`);
