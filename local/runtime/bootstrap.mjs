// The local Lambda runtime's bootstrap: one per container (child process). Like Lambda's runtime
// interface client it loads `_HANDLER` from `LAMBDA_TASK_ROOT` once, then serves one invocation
// at a time. Plain JavaScript with Node built-ins only, so nothing of the repository leaks in.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [moduleName, handlerName] = process.env._HANDLER.split('.');
const root = process.env.LAMBDA_TASK_ROOT;
const file = ['.js', '.mjs', '.cjs'].map((ext) => join(root, `${moduleName}${ext}`)).find(existsSync);

const errorOf = (error) => ({
  errorType: error?.name ?? 'Error',
  errorMessage: error?.message ?? String(error),
  stack: String(error?.stack ?? '').split('\n'),
});

// The stack's movable clock reaches the function as this variable, like the per-invocation
// variables Lambda's runtime sets (_X_AMZN_TRACE_ID); the system clock adapter adds it.
const setClock = (offsetMs) => {
  process.env.STEWARD_LOCAL_CLOCK_OFFSET_MS = String(offsetMs);
};

// Init failures are reported as Lambda reports them: the runtime's own error type, the cause in the message.
const initError = (errorType, error) => ({ ...errorOf(error), errorType, errorMessage: `${error?.name ?? 'Error'}: ${error?.message ?? error}` });

const started = performance.now();
const load = async () => {
  if (!file) throw new Error(`Cannot find module '${moduleName}'`);
  return (await import(pathToFileURL(file).href))[handlerName];
};
const handler = await load().catch((error) => ({ failed: initError('Runtime.ImportModuleError', error) }));
if (typeof handler === 'function') {
  process.send({ type: 'ready', initMs: performance.now() - started });
} else {
  const error = handler?.failed ?? initError('Runtime.HandlerNotFound', new Error(`${moduleName}.${handlerName} is undefined or not exported`));
  // The container ends it once the error is read: exiting here could beat the message to the parent.
  process.send({ type: 'init-error', error });
}

process.on('message', async (message) => {
  if (message.type === 'clock') return setClock(message.offsetMs);
  if (message.type !== 'invoke') return;
  setClock(message.clockOffsetMs);
  process.env._X_AMZN_TRACE_ID = `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${message.requestId.replaceAll('-', '').slice(0, 24)}`;
  const context = {
    ...message.context,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, message.deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
  try {
    // The event arrives as the JSON text Lambda would hand over, and the result leaves as the JSON text
    // Lambda would make of it: each crosses the channel as one string, parsed or made once.
    const result = await handler(JSON.parse(message.payload), context);
    process.send({ type: 'result', requestId: message.requestId, resultJson: JSON.stringify(result === undefined ? null : result), maxRssKb: process.resourceUsage().maxRSS });
  } catch (error) {
    process.send({ type: 'error', requestId: message.requestId, error: errorOf(error), maxRssKb: process.resourceUsage().maxRSS });
  }
});
