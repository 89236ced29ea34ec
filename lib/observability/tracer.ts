import { Tracer } from '@aws-lambda-powertools/tracer';
import { observabilitySettings } from './settings.js';

/**
 * X-Ray for the process. Powertools turns it off by itself outside Lambda (no AWS_EXECUTION_ENV: locally, in tests),
 * where it captures nothing and needs no daemon. In Lambda, creating it also traces outbound HTTP: its HTTPS capture,
 * on by default, patches the node:http and node:https modules (the webhook channel calls them through the module
 * objects, so it sees the patch) and subscribes to undici's diagnostics channel, which Node's fetch uses. SDK clients
 * are captured where they are created.
 */
export const tracer = new Tracer({ serviceName: observabilitySettings().serviceName });
