/**
 * `npm run bench` (issue 6, section 1). The service reads some settings when its modules load (the log
 * level), so they are set here before anything else is imported.
 */
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { runBench } = await import('./run-bench.js');
await runBench();
