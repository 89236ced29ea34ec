import type { DeploymentTarget } from './deployment-target.js';

/**
 * Physical names, for the few resources that need one (an event bus must be named; queues, the bus and the schedule
 * group are what operators look for in a console). Every name carries tenant and stage, so two tenant stages in one
 * account never collide. Everything else keeps CloudFormation's generated names.
 */
export class Naming {
  readonly stackName: string;
  private readonly prefix: string;

  constructor(target: Pick<DeploymentTarget, 'tenant' | 'stage'>) {
    this.stackName = `Broadcast-${target.tenant}-${target.stage}`;
    this.prefix = `broadcast-${target.tenant}-${target.stage}`;
  }

  /** `broadcast-<tenant>-<stage>-<suffix>`, or the bare prefix without a suffix. */
  physicalName(suffix?: string): string {
    return suffix === undefined ? this.prefix : `${this.prefix}-${suffix}`;
  }
}
