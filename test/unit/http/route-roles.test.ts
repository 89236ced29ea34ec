import { automationRoutes } from '../../../lib/http/automation-routes.js';
import { broadcastRoutes } from '../../../lib/http/broadcast-routes.js';
import { channelRoutes } from '../../../lib/http/channel-routes.js';
import { contactListRoutes } from '../../../lib/http/contact-list-routes.js';
import { contactRoutes } from '../../../lib/http/contact-routes.js';
import { ROLES } from '../../../lib/http/roles.js';
import { ROUTES, routeFor, routeKey } from '../../../lib/http/routes.js';

// Every route of lib/http/routes.ts declares who may call it: public, or the least role. The type demands one of the
// two; this walks the table for what a type cannot say.

/** The role policy of issue 11: reading is viewer; changing contacts, lists, broadcasts and running them is operator
 * (test sends included); managing channels is admin. */
function expectedRole(method: string, path: string): string {
  if (method === 'GET') return 'viewer';
  if (path.endsWith('/test-send')) return 'operator';
  return path.startsWith('/api/v1/channels') ? 'admin' : 'operator';
}

/**
 * The only routes without a token: liveness, the unsubscribe links, providers' webhooks (signed otherwise), and the
 * API's own reference (its OpenAPI document and the page that shows it).
 */
const PUBLIC_PATHS =
  /^(\/health|\/unsubscribe\/\{token\}|\/api\/v1\/webhooks\/.+|\/api\/v1\/openapi\.json|\/docs|\/docs\/\{asset\})$/;

describe('the route table’s roles', () => {
  it.each(ROUTES.map((route) => [routeKey(route), route] as const))(
    '%s is either public or declares one of the roles',
    (_key, route) => {
      if (route.public) {
        expect(route.role).toBeUndefined();
        expect(route.path).toMatch(PUBLIC_PATHS);
      } else {
        expect(ROLES).toContain(route.role);
      }
    },
  );

  it.each(ROUTES.filter((route) => !route.public).map((route) => [routeKey(route), route] as const))(
    '%s requires the role the policy gives it',
    (_key, route) => {
      expect(route.role).toBe(expectedRole(route.method, route.path));
    },
  );

  it('serves, in the authenticated functions, only routes the table declares with a role', () => {
    const served = [contactRoutes, contactListRoutes, broadcastRoutes, channelRoutes, automationRoutes].flatMap(
      (routes) => Object.keys(routes),
    );
    expect(served.length).toBeGreaterThan(30);
    expect(served.filter((key) => routeFor(key)?.role === undefined)).toEqual([]);
  });

  it('finds a route by its API Gateway route key, and nothing for another key', () => {
    expect(routeFor('DELETE /api/v1/channels/{id}')).toMatchObject({ fn: 'channels-api', role: 'admin' });
    expect(routeFor('PATCH /api/v1/contacts')).toBeUndefined();
  });
});
