import type { Node } from 'constructs';
import { isTenantId } from '../lib/domain/tenant.js';
import { isStageName, parseStageConfig, STAGE_NAMES, STAGES, type StageConfig, type StageName } from './stages.js';

/** A tenant's stage: what one `cdk deploy -c tenant=... -c stage=...` creates. */
export interface DeploymentTarget {
  readonly tenant: string;
  readonly stage: StageName;
  readonly config: StageConfig;
}

/**
 * Tenant ids end up in stack, queue, bus and schedule-group names; the tightest of those limits (and the need to
 * read them in a console) is why they are short lowercase slugs.
 */
const TENANT_PATTERN = /^[a-z][a-z0-9-]{0,19}$/;

export class DeploymentTargetError extends Error {}

/**
 * Reads `-c tenant=<id> -c stage=<name>` (and the optional `-c alarmEmail=<address>` and
 * `-c dashboardDomainPrefix=<prefix>` overrides, since both usually differ per tenant) from the CDK context.
 */
export function readDeploymentTarget(node: Node): DeploymentTarget {
  const tenant = stringContext(node, 'tenant');
  const stage = stringContext(node, 'stage');
  if (tenant === undefined || stage === undefined) {
    throw new DeploymentTargetError(
      `choose what to deploy: -c tenant=<id> -c stage=<${STAGE_NAMES.join('|')}> (e.g. -c tenant=acme -c stage=dev)`,
    );
  }
  // isTenantId: the functions get it as TENANT_ID and must accept it (`null`, `true` and `false` they would not).
  if (!TENANT_PATTERN.test(tenant) || !isTenantId(tenant)) {
    throw new DeploymentTargetError(
      `invalid tenant "${tenant}": use 1-20 lowercase letters, digits or hyphens, starting with a letter (not null, true or false)`,
    );
  }
  if (!isStageName(stage)) {
    throw new DeploymentTargetError(`unknown stage "${stage}": one of ${STAGE_NAMES.join(', ')} (infra/stages.ts)`);
  }
  const alarmEmail = stringContext(node, 'alarmEmail');
  // Cognito domain prefixes are unique per Region across all accounts: each deployment names its own.
  const dashboardDomainPrefix = stringContext(node, 'dashboardDomainPrefix');
  const config = parseStageConfig(stage, {
    ...STAGES[stage],
    ...(alarmEmail === undefined ? {} : { alarmEmail }),
    ...(dashboardDomainPrefix === undefined ? {} : { dashboard: { domainPrefix: dashboardDomainPrefix } }),
  });
  return { tenant, stage, config };
}

function stringContext(node: Node, key: string): string | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new DeploymentTargetError(`context "${key}" must be a string`);
  return value;
}
