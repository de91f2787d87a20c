import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

/**
 * `npm run audit:verify -- --corp X --day YYYY-MM-DD`: checks a corp-day of the file operation log in
 * the hot store (DynamoDB) and the archive (S3) against the archive's seals. Exits 1 naming the first
 * bad event (altered, removed, reordered, inserted), 0 with the count and head hash when all holds.
 *
 * By default it reads the running local stack (`npm start` writes .steward-local/endpoints.json);
 * `--table` and `--bucket` (with the usual AWS credentials, and no endpoints) read a deployment.
 */
const { values } = parseArgs({
  options: {
    corp: { type: 'string' },
    day: { type: 'string' },
    table: { type: 'string' },
    bucket: { type: 'string' },
    dynamodb: { type: 'string' },
    s3: { type: 'string' },
    now: { type: 'string' },
  },
});
if (!values.corp || !values.day || !/^\d{4}-\d{2}-\d{2}$/.test(values.day)) {
  console.error('usage: npm run audit:verify -- --corp <corpId> --day <YYYY-MM-DD> [--table T --bucket B] [--dynamodb URL --s3 URL] [--now INSTANT]');
  process.exit(2);
}
const local = existsSync('.steward-local/endpoints.json') && !values.table
  ? (JSON.parse(readFileSync('.steward-local/endpoints.json', 'utf8')) as Record<string, string>)
  : {};
const dynamodb = values.dynamodb ?? local.dynamoDbEndpoint;
const s3 = values.s3 ?? local.s3Endpoint;
process.env.FILE_LOG_TABLE = values.table ?? local.fileLogTable;
process.env.FILE_LOG_BUCKET = values.bucket ?? local.fileLogBucket;
if (!process.env.FILE_LOG_TABLE || !process.env.FILE_LOG_BUCKET) {
  console.error('No local stack found (.steward-local/endpoints.json): start one with npm start, or name --table and --bucket');
  process.exit(2);
}
if (dynamodb) process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamodb;
if (s3) {
  process.env.AWS_ENDPOINT_URL_S3 = s3;
  process.env.STEWARD_S3_FORCE_PATH_STYLE = 'true';
}
if (dynamodb || s3) {
  // The emulators take any credentials.
  process.env.AWS_REGION ??= 'cn-north-1';
  process.env.AWS_ACCESS_KEY_ID ??= 'S3RVER';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'S3RVER';
}

const { DynamoFileLog } = await import('#adapters/dynamodb/file-log');
const { S3FileArchive } = await import('#adapters/aws/s3-file-archive');
const { dynamoDocumentClient } = await import('#adapters/aws/dynamodb-client');
const { s3Client } = await import('#adapters/aws/s3-client');
const { verifyFileLogDay } = await import('#use-cases/file-log');

// Which days are still whole in the hot store depends on today: the deployment's clock, or the running
// local stack's movable one (`--now` names another instant).
const stackClock = local.url ? ((await (await fetch(`${local.url}/local/clock`)).json()) as { now: string }).now : undefined;
const today = new Date(values.now ?? stackClock ?? Date.now()).toISOString().slice(0, 10);
const verdict = await verifyFileLogDay({ fileLog: new DynamoFileLog(dynamoDocumentClient()), fileArchive: new S3FileArchive(s3Client()) }, values.corp, values.day, today);
if (verdict.finding) {
  const { store, eventId, segment, position, problem } = verdict.finding;
  console.error(`TAMPERED ${values.corp} ${values.day}: first bad event ${eventId ?? '(none: a gap)'} in the ${store} (segment ${segment}, position ${position}): ${problem}`);
  process.exit(1);
}
const scope = verdict.hotStoreChecked ? '' : ' (archive only: past the hot store\'s 180 days)';
console.log(`OK ${values.corp} ${values.day}: ${verdict.count} events, head ${verdict.headHash}${scope}`);
