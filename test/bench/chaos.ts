/**
 * `npm run chaos` (issue 6, section 2). The service reads some settings when its modules load (the log
 * level), so they are set here before anything else is imported.
 */
process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { runChaos } = await import('./run-chaos.js');
await runChaos();
