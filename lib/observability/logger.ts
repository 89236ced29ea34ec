import { Logger } from '@aws-lambda-powertools/logger';
import { ScopedLogFormatter } from './scoped-log-formatter.js';
import { observabilitySettings } from './settings.js';

/**
 * One structured JSON logger per process: POWERTOOLS_LOG_LEVEL sets its level, POWERTOOLS_SERVICE_NAME its `service`.
 * Handlers add the invocation's request id and cold start (observedHandler), work in progress its ids (withLogKeys).
 */
export const logger = new Logger({
  serviceName: observabilitySettings().serviceName,
  logFormatter: new ScopedLogFormatter(),
});
