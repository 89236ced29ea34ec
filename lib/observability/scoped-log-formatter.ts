import { LogFormatter, LogItem } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';
import { scopedLogKeys } from './log-scope.js';

/**
 * Powertools' standard JSON line (the same keys as its default formatter, which it does not export) plus the keys of
 * the log scope the line was written in (withLogKeys). The call's own attributes win over scoped ones.
 */
export class ScopedLogFormatter extends LogFormatter {
  override formatAttributes(attributes: UnformattedAttributes, additional: LogAttributes): LogItem {
    const { lambdaContext } = attributes;
    return new LogItem({
      attributes: {
        level: attributes.logLevel,
        message: attributes.message,
        timestamp: this.formatTimestamp(attributes.timestamp),
        service: attributes.serviceName,
        cold_start: lambdaContext?.coldStart,
        function_arn: lambdaContext?.invokedFunctionArn,
        function_memory_size: lambdaContext?.memoryLimitInMB,
        function_name: lambdaContext?.functionName,
        function_request_id: lambdaContext?.awsRequestId,
        sampling_rate: attributes.sampleRateValue,
        xray_trace_id: attributes.xRayTraceId,
        tenant_id: lambdaContext?.tenantId,
      },
    }).addAttributes({ ...scopedLogKeys(), ...additional });
  }
}
