import { performance } from 'node:perf_hooks';
import { BatchWriteItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { assetKey, ownerPartition } from '#adapters/dynamodb/table';
import { startLocalStack, type LocalStack } from '../local/stack.ts';
import { client } from '../test/integration/client.ts';
import { corpScenario } from '../test/support/offboarding.ts';
import { recordSection } from './results.ts';

/**
 * A departing seat holder's assets (docs, drive files, calendar events, some already ended) are
 * handed over to the manager on the local stack: wall time, assets per second, and what the
 * handover costs per asset in state transitions, history events, Lambda invocations and DynamoDB
 * requests. Two cases: 10,000 assets reported through the assets webhook (section `handover`),
 * and 100,000 (40% docs, 35% drive, 25% calendar) written straight into the catalog's items, since
 * 100,000 signed webhooks would take longer than the handover itself (section `handover100k`).
 * `BENCH_HANDOVER_CASES=100k` (or `10k`) runs one of them.
 */
type Mix = { doc: number; drive: number; calendarFuture: number; calendarPast: number };
const CASES: { name: string; section: string; mix: Mix; seed: 'webhooks' | 'items' }[] = [
  { name: '10k', section: 'handover', mix: { doc: 4_000, drive: 3_500, calendarFuture: 2_000, calendarPast: 500 }, seed: 'webhooks' },
  { name: '100k', section: 'handover100k', mix: { doc: 40_000, drive: 35_000, calendarFuture: 20_000, calendarPast: 5_000 }, seed: 'items' },
];
const SEED_CONCURRENCY = 16;
const FUTURE = { startsAt: '2026-07-01T02:00:00Z', endsAt: '2026-07-01T03:00:00Z' };
const PAST = { startsAt: '2026-05-01T02:00:00Z', endsAt: '2026-05-01T03:00:00Z' };

const assetsOf = (mix: Mix) => [
  ...Array.from({ length: mix.doc }, (_, i) => ({ assetType: 'doc' as const, assetId: `doc-${i}` })),
  ...Array.from({ length: mix.drive }, (_, i) => ({ assetType: 'drive' as const, assetId: `file-${i}` })),
  ...Array.from({ length: mix.calendarFuture }, (_, i) => ({ assetType: 'calendar' as const, assetId: `event-${i}`, ...FUTURE })),
  ...Array.from({ length: mix.calendarPast }, (_, i) => ({ assetType: 'calendar' as const, assetId: `past-${i}`, ...PAST })),
];

/** The items `asset.upserted` writes, 25 per BatchWriteItem, several in flight. */
const seedItems = async (stack: LocalStack, corpId: string, ownerId: string, mix: Mix) => {
  const db = new DynamoDBClient({ endpoint: stack.dynamoDbEndpoint, region: 'cn-north-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const table = stack.resourceName('StorageTable');
  const items = assetsOf(mix).map((asset) => {
    const key = assetKey(corpId, asset.assetType, asset.assetId);
    return {
      ...key,
      GSI1PK: ownerPartition(corpId, ownerId),
      GSI1SK: key.SK,
      corpId,
      ownerId,
      title: `Title of ${asset.assetId}`,
      externalShares: 0,
      updatedAt: '2026-06-01T07:00:00Z',
      ...asset,
    };
  });
  const batches = Array.from({ length: Math.ceil(items.length / 25) }, (_, i) => items.slice(i * 25, i * 25 + 25));
  const write = async (batch: Record<string, unknown>[]) => {
    let requests = batch.map((item) => ({ PutRequest: { Item: marshall(item) } }));
    while (requests.length > 0) {
      const { UnprocessedItems } = await db.send(new BatchWriteItemCommand({ RequestItems: { [table]: requests } }));
      requests = (UnprocessedItems?.[table] ?? []) as typeof requests;
    }
  };
  for (let i = 0; i < batches.length; i += SEED_CONCURRENCY) await Promise.all(batches.slice(i, i + SEED_CONCURRENCY).map(write));
  db.destroy();
};

const seedWebhooks = async (corp: ReturnType<typeof corpScenario>, mix: Mix) => {
  await corp.assets('doc', 'doc', mix.doc, 'leaver', SEED_CONCURRENCY);
  await corp.assets('drive', 'file', mix.drive, 'leaver', SEED_CONCURRENCY);
  const events = assetsOf(mix).filter((a) => a.assetType === 'calendar') as { assetId: string; startsAt: string; endsAt: string }[];
  for (let i = 0; i < events.length; i += SEED_CONCURRENCY) {
    await Promise.all(events.slice(i, i + SEED_CONCURRENCY).map((e) => corp.asset('calendar', e.assetId, 'leaver', { startsAt: e.startsAt, endsAt: e.endsAt })));
  }
};

const chosen = (process.env.BENCH_HANDOVER_CASES ?? '10k,100k').split(',');
for (const { name, section, mix, seed } of CASES.filter((c) => chosen.includes(c.name))) {
  const total = mix.doc + mix.drive + mix.calendarFuture + mix.calendarPast;
  const stack = await startLocalStack({ logs: 'file' });
  const api = client(stack.url);
  try {
    await api.local('POST', '/local/clock', { now: '2026-06-01T08:00:00Z' });
    const corp = corpScenario(api, `bench-offboarding-${name}`);
    await corp.hire('manager');
    await corp.hire('leaver', 'manager');
    await corp.buySeats(10);
    await corp.giveSeats('leaver');

    const seedStart = performance.now();
    if (seed === 'webhooks') await seedWebhooks(corp, mix);
    else await seedItems(stack, `bench-offboarding-${name}`, 'leaver', mix);
    console.log(`${name}: seeded ${total} assets (${seed}) in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);

    // Every function's DynamoDB requests, counted where they reach the local AWS endpoint.
    const dynamoCalls = () => [...stack.awsCalls].filter(([call]) => call.startsWith('dynamodb:')).reduce((sum, [, n]) => sum + n, 0);
    const dynamoBefore = dynamoCalls();
    const started = performance.now();
    const departed = await corp.depart('leaver');
    if (departed.status !== 202) throw new Error(`departure answered ${departed.status}`);
    // Polled once a second: the bench client's own reads are counted with the rest.
    let handover: any = null;
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      [handover] = await corp.handoversOf('leaver');
      if (handover && handover.status !== 'running') break;
    }
    const seconds = (performance.now() - started) / 1000;
    const dynamoRequests = dynamoCalls() - dynamoBefore;
    if (handover?.status !== 'succeeded') throw new Error(`handover ended ${JSON.stringify(handover)}`);
    const moved = handover.counts.doc.transferred + handover.counts.drive.transferred + handover.counts.calendar.transferred;
    if (moved !== total - mix.calendarPast || handover.counts.calendar.skipped !== mix.calendarPast) {
      throw new Error(`unexpected counts ${JSON.stringify(handover.counts)}`);
    }

    const execution = [...stack.stepFunctions.executions.values()].find((e) => e.stateMachine.includes('Departure') && (e.input as any).memberId === 'leaver')!;
    const entered = execution.events.filter((e) => e.type === 'StateEntered');
    const transitions = entered.length;
    const invocations = entered.filter((e) => e.stateType === 'Task').length;
    const perThousand = (n: number) => +((n * 1000) / total).toFixed(2);
    const figures = {
      assets: { total, ...mix },
      seededThrough: seed,
      wallTimeSeconds: +seconds.toFixed(2),
      assetsPerSecond: +(total / seconds).toFixed(0),
      stateTransitions: transitions,
      historyEvents: execution.events.length,
      lambdaInvocations: invocations,
      transitionsPer1000Assets: perThousand(transitions),
      invocationsPer1000Assets: perThousand(invocations),
      dynamoDbRequests: dynamoRequests,
      dynamoDbRequestsPerAsset: +(dynamoRequests / total).toFixed(3),
      dynamoDbRequestsByOperation: Object.fromEntries([...stack.awsCalls].filter(([call]) => call.startsWith('dynamodb:'))),
      counts: handover.counts,
      plan: { total: handover.plan?.total, counts: handover.plan?.counts },
      note:
        'Local stack (bundles, roles checked), embedded asset provider, DynamoDB Local in memory. Transitions and invocations are the ' +
        'StateEntered events of the departure execution (Task states for invocations); history events are all its events. DynamoDB ' +
        'requests are every SDK call from the departure webhook until the handover was seen settled, the plan and the bench ' +
        "client's status polls (one a second) included. dynamoDbRequestsByOperation covers the whole run, seeding included.",
    };
    console.log(JSON.stringify(figures, null, 2));
    recordSection(section, figures);
  } finally {
    await stack.stop();
  }
}
