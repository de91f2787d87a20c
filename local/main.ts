import { parseArgs } from 'node:util';

process.env.STEWARD_LOG_FORMAT ??= process.stdout.isTTY ? 'readable' : 'json';
const { startLocalStack } = await import('./stack.ts');
const { adminToken } = await import('../scripts/token.ts');
const { ensureConsoleBuilt } = await import('../scripts/console-build.ts');
// The admin console at /console/, built from console/ when its sources changed since the last build.
ensureConsoleBuilt();

/**
 * `npm start`: synthesise (bundling only what changed) and run every function's bundle in its own
 * containers. `npm start -- --from DIR` runs an assembly synthesised before (`cdk synth -o DIR`) as it is;
 * `--sources` runs the TypeScript handlers in this process instead; `--quiet-functions` sends the
 * functions' output to .steward-local/logs/.
 */
const { values } = parseArgs({
  options: {
    from: { type: 'string' },
    sources: { type: 'boolean', default: false },
    'quiet-functions': { type: 'boolean', default: false },
  },
});
const started = Date.now();
const stack = await startLocalStack({
  port: Number(process.env.PORT ?? 3000),
  runtime: values.sources ? 'sources' : 'bundles',
  ...(values.from && { from: values.from }),
  logs: values['quiet-functions'] ? 'file' : 'inherit',
});
// Where `npm run audit:verify` finds this stack's file log (DynamoDB Local and s3rver, behind no role).
const { mkdirSync, writeFileSync } = await import('node:fs');
mkdirSync('.steward-local', { recursive: true });
writeFileSync(
  '.steward-local/endpoints.json',
  JSON.stringify({
    dynamoDbEndpoint: stack.dynamoDbEndpoint,
    s3Endpoint: stack.s3Endpoint,
    fileLogTable: stack.resourceName('StorageFileLogTable'),
    fileLogBucket: stack.resourceName('StorageFileLogArchive'),
    url: stack.url,
  }),
);
const token = await adminToken('acme');
console.log(`
Steward local stack on ${stack.url}, ready in ${((Date.now() - started) / 1000).toFixed(1)} s
  (${values.sources ? 'handlers in-process' : `${stack.functions.size} functions from their bundles, each in its own containers`};
   DynamoDB Local, s3rver, aws-local-stepfunctions; IAM checked per function: see README "Local fidelity")

Admin console: ${stack.url}/console/  (sign in locally with a corp id)

Admin token for corp acme (npm run token -- --corp acme):
  export TOKEN=${token}

Try:
  curl ${stack.url}/health
  curl -H "authorization: Bearer $TOKEN" ${stack.url}/corps/acme/seats
  curl -H "authorization: Bearer $TOKEN" ${stack.url}/corps/acme/handovers
  curl -X PUT -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \
    -d '{"auto":true,"fallbackRecipientId":null}' ${stack.url}/corps/acme/settings/handover
  curl -X POST -H 'content-type: application/json' -d '{"advanceBy":"P7D"}' ${stack.url}/local/clock
  curl ${stack.url}/local/functions     (cold starts and init times per function)
  (webhooks need a Standard Webhooks signature; see README "Sending a signed webhook")

Ctrl-C stops everything.`);

let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  await stack.stop();
  process.exit(0);
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
export {};
