process.env.STEWARD_LOG_FORMAT ??= process.stdout.isTTY ? 'readable' : 'json';
const { startLocalStack } = await import('./stack.ts');
const { adminToken } = await import('../scripts/token.ts');

const stack = await startLocalStack({ port: Number(process.env.PORT ?? 3000) });
const token = await adminToken('acme');
console.log(`
Steward local stack on ${stack.url}  (DynamoDB Local, s3rver, aws-local-stepfunctions)

Admin token for corp acme (npm run token -- --corp acme):
  export TOKEN=${token}

Try:
  curl ${stack.url}/health
  curl -H "authorization: Bearer $TOKEN" ${stack.url}/corps/acme/seats
  curl -H "authorization: Bearer $TOKEN" ${stack.url}/corps/acme/handovers
  curl -X PUT -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \
    -d '{"auto":true,"fallbackRecipientId":null}' ${stack.url}/corps/acme/settings/handover
  curl -X POST -H 'content-type: application/json' -d '{"advanceBy":"P7D"}' ${stack.url}/local/clock
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
