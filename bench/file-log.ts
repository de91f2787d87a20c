import { performance } from 'node:perf_hooks';
import { CreateTableCommand, DeleteTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoFileLog } from '#adapters/dynamodb/file-log';
import { chainSegment, verifyChain, type ChainedEvent, type FileEvent, type Segment } from '#core/file-log';
import { adminToken } from '../scripts/token.ts';
import { startLocalStack } from '../local/stack.ts';
import { client } from '../test/integration/client.ts';
import { orderPaidEvent } from '../test/fixtures.ts';
import { recordSection, summarise } from './results.ts';

/**
 * The file operation log (issue 16). On the local stack (bundles, roles enforced): ingestion of 100,000
 * events in signed batches of 500 (4 in flight), a member-day query's latency, and the writes each event
 * costs (DynamoDB items and index entries, S3 PUTs per 1,000 events). In process: the verifier's core
 * over 1,000,000 generated chained events. Writes section `fileLog` of bench/results.json.
 */
const CORP = 'bench-fl';
const DAY = '2026-06-01';
const MEMBERS = 200;
const EVENTS = 100_000;
const BATCH = 500;
const IN_FLIGHT = 4;
const QUERIES = 300;
const VERIFY_EVENTS = 1_000_000;
/** The file log table's global secondary indexes: each event item is written to each of them too. */
const INDEXES = 3;

const event = (n: number): FileEvent => ({
  eventId: `e-${n}`,
  corpId: CORP,
  memberId: `m-${n % MEMBERS}`,
  action: (['upload', 'download', 'view', 'forward', 'share', 'export', 'preview'] as const)[n % 7]!,
  fileId: `f-${n % 5000}`,
  fileName: `Quarterly plan ${n % 5000}.xlsx`,
  channel: (['chat', 'mail', 'drive', 'doc', 'app'] as const)[n % 5]!,
  ...(n % 10 === 0 && { recipients: [{ corpId: 'partner', memberId: 'p-1' }] }),
  deviceId: `d-${n % 300}`,
  ip: `10.0.${(n >> 8) % 256}.${n % 256}`,
  // Spread over the day's working hours, 08:00 to 18:00.
  occurredAt: new Date(Date.parse(`${DAY}T08:00:00Z`) + Math.floor((n / EVENTS) * 10 * 3_600_000)).toISOString().replace(/\.\d{3}Z$/, 'Z'),
});

/**
 * The store's write path alone, straight to DynamoDB Local (no webhook, dedupe read, scope check or
 * archive): the same items and indexes, in a copy of the file log table, four segments in flight as the
 * ingestion below has four batches in flight. DynamoDB Local runs at about one core while it takes
 * these writes, so this is the ceiling any ingestion through it can reach on this machine.
 */
const storeWriteCeiling = async (endpoint: string, table: string, events: number) => {
  const raw = new DynamoDBClient({ endpoint, region: 'cn-north-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const { Table } = await raw.send(new DescribeTableCommand({ TableName: table }));
  const copy = `${table}-ceiling`;
  await raw.send(
    new CreateTableCommand({
      TableName: copy,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: Table!.KeySchema,
      AttributeDefinitions: Table!.AttributeDefinitions,
      GlobalSecondaryIndexes: Table!.GlobalSecondaryIndexes!.map(({ IndexName, KeySchema, Projection }) => ({ IndexName, KeySchema, Projection })),
    }),
  );
  const previous = process.env.FILE_LOG_TABLE;
  process.env.FILE_LOG_TABLE = copy;
  try {
    const store = new DynamoFileLog(DynamoDBDocumentClient.from(raw));
    const segments = Array.from({ length: events / BATCH }, (_, s) => chainSegment(CORP, DAY, s + 1, Array.from({ length: BATCH }, (_, i) => event(s * BATCH + i))));
    const started = performance.now();
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        for (let next = segments.shift(); next; next = segments.shift()) await store.saveSegment(CORP, DAY, next.seal, next.events);
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    return { events, seconds: +seconds.toFixed(1), eventsPerSecond: Math.round(events / seconds) };
  } finally {
    process.env.FILE_LOG_TABLE = previous;
    await raw.send(new DeleteTableCommand({ TableName: copy }));
    raw.destroy();
  }
};

const stack = await startLocalStack({ logs: 'file' });
try {
  const api = client(stack.url);
  await api.local('POST', '/local/clock', { now: `${DAY}T07:00:00Z` });
  await api.webhook('billing', orderPaidEvent(CORP, 'o-bench-fl', MEMBERS));
  for (let i = 0; i < MEMBERS; i += 20) {
    await Promise.all(
      Array.from({ length: 20 }, (_, j) => api.webhook('hr', { type: 'employee.upserted', data: { corpId: CORP, memberId: `m-${i + j}`, name: `Member ${i + j}`, managerId: null, departmentId: 'eng' } })),
    );
  }
  for (let i = 0; i < MEMBERS; i += 100) {
    await api.admin(CORP, 'POST', `/corps/${CORP}/seats/allocations`, { memberIds: Array.from({ length: 100 }, (_, j) => `m-${i + j}`) });
  }
  const settings = { blockExternalShare: false, blockDownload: false, trustedDeviceDownloadOnly: false, minClientVersion: '4.1.2' };
  await api.admin(CORP, 'PUT', `/corps/${CORP}/policies/file-leak-prevention`, { enabled: true, scope: { all: true }, settings });

  // Warm the function's containers, then count AWS calls from here on.
  await api.webhook('files', { events: [{ ...event(EVENTS + 1), occurredAt: `${DAY}T07:30:00Z` }] });
  const before = new Map(stack.awsCalls);
  const batches = Array.from({ length: EVENTS / BATCH }, (_, b) => Array.from({ length: BATCH }, (_, i) => event(b * BATCH + i)));
  let accepted = 0;
  const started = performance.now();
  const queue = [...batches];
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      for (let batch = queue.shift(); batch; batch = queue.shift()) {
        const answer = await api.webhook('files', { events: batch });
        if (answer.status !== 202) throw new Error(`files webhook answered ${answer.status}: ${JSON.stringify(answer.body)}`);
        accepted += answer.body.accepted as number;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const calls = (name: string) => (stack.awsCalls.get(name) ?? 0) - (before.get(name) ?? 0);
  if (accepted !== EVENTS) throw new Error(`accepted ${accepted} of ${EVENTS}`);

  // A member-day: one member's events of the day, first page (50, newest first), as an admin asks.
  const token = await adminToken(CORP);
  const samples: number[] = [];
  for (let i = 0; i < QUERIES; i++) {
    const t = performance.now();
    const response = await fetch(`${stack.url}/corps/${CORP}/file-events?memberId=m-${i % MEMBERS}&from=${DAY}T00:00:00Z&to=${DAY}T23:59:59Z`, { headers: { authorization: `Bearer ${token}` } });
    await response.json();
    samples.push(performance.now() - t);
  }

  const ceiling = await storeWriteCeiling(stack.dynamoDbEndpoint, stack.resourceName('StorageFileLogTable'), 20_000);

  // Writes per event: each stored event is one item plus one entry per index; per batch, the segment
  // counter, the seal, the daily digest's two marks and the webhook's idempotency record (two writes:
  // in progress, then done).
  const batchCount = EVENTS / BATCH;
  const dynamoWritesPerEvent = 1 + INDEXES + (batchCount * 6) / EVENTS;

  // The verifier's core over 1,000,000 chained events (2,000 segments of 500), generated in process.
  const seals: Segment[] = [];
  const chained: ChainedEvent[] = [];
  for (let s = 0; s < VERIFY_EVENTS / BATCH; s++) {
    const { events, seal } = chainSegment(CORP, DAY, s + 1, Array.from({ length: BATCH }, (_, i) => ({ ...event((s * BATCH + i) % EVENTS), eventId: `v-${s}-${i}` })));
    seals.push(seal);
    chained.push(...events);
  }
  const verifyStart = performance.now();
  const finding = verifyChain(CORP, DAY, seals, chained);
  const verifySeconds = (performance.now() - verifyStart) / 1000;
  if (finding) throw new Error(`verifier found ${finding.problem}`);

  const figures = {
    ingestion: {
      events: EVENTS,
      batchSize: BATCH,
      inFlight: IN_FLIGHT,
      seconds: +seconds.toFixed(1),
      eventsPerSecond: Math.round(EVENTS / seconds),
      targetEventsPerSecond: 2000,
    },
    storeWritesAloneToDynamoDbLocal: ceiling,
    memberDayQuery: { ...summarise(samples), eventsPerMemberDay: EVENTS / MEMBERS, pageSize: 50, targetP99Ms: 50 },
    verify: { events: VERIFY_EVENTS, seconds: +verifySeconds.toFixed(2), targetSeconds: 60 },
    writeAmplification: {
      dynamoWritesPerEvent: +dynamoWritesPerEvent.toFixed(3),
      dynamoBatchWriteCalls: calls('dynamodb:BatchWriteItem'),
      s3PutsPer1000Events: +((calls('s3:PUT') / EVENTS) * 1000).toFixed(2),
      s3Puts: calls('s3:PUT'),
    },
  };
  console.log(JSON.stringify(figures, null, 2));
  recordSection('fileLog', figures);
} finally {
  await stack.stop();
}
