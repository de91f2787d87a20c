import { performance } from 'node:perf_hooks';
import { startLocalStack } from '../local/stack.ts';
import { client } from '../test/integration/client.ts';
import { corpScenario } from '../test/support/offboarding.ts';
import { recordSection } from './results.ts';

/**
 * A departing seat holder with 10,000 assets (docs, drive files, calendar events, some already
 * ended) is handed over to the manager on the local stack: wall time, assets per second, and what
 * the handover costs per asset in state transitions, Lambda invocations and DynamoDB requests.
 */
const MIX = { doc: 4_000, drive: 3_500, calendarFuture: 2_000, calendarPast: 500 };
const TOTAL = MIX.doc + MIX.drive + MIX.calendarFuture + MIX.calendarPast;
const SEED_CONCURRENCY = 16;

const stack = await startLocalStack({ logs: 'file' });
const api = client(stack.url);
try {
  await api.local('POST', '/local/clock', { now: '2026-06-01T08:00:00Z' });
  const corp = corpScenario(api, 'bench-offboarding');
  await corp.hire('manager');
  await corp.hire('leaver', 'manager');
  await corp.buySeats(10);
  await corp.giveSeats('leaver');

  const seedStart = performance.now();
  await corp.assets('doc', 'doc', MIX.doc, 'leaver', SEED_CONCURRENCY);
  await corp.assets('drive', 'file', MIX.drive, 'leaver', SEED_CONCURRENCY);
  const events = [
    ...Array.from({ length: MIX.calendarFuture }, (_, i) => ({ id: `event-${i}`, startsAt: '2026-07-01T02:00:00Z', endsAt: '2026-07-01T03:00:00Z' })),
    ...Array.from({ length: MIX.calendarPast }, (_, i) => ({ id: `past-${i}`, startsAt: '2026-05-01T02:00:00Z', endsAt: '2026-05-01T03:00:00Z' })),
  ];
  for (let i = 0; i < events.length; i += SEED_CONCURRENCY) {
    await Promise.all(events.slice(i, i + SEED_CONCURRENCY).map((e) => corp.asset('calendar', e.id, 'leaver', { startsAt: e.startsAt, endsAt: e.endsAt })));
  }
  const seedSeconds = (performance.now() - seedStart) / 1000;
  console.log(`seeded ${TOTAL} assets in ${seedSeconds.toFixed(1)} s`);

  // Every function's DynamoDB requests, counted where they reach the local AWS endpoint.
  const dynamoCalls = () => [...stack.awsCalls].filter(([call]) => call.startsWith('dynamodb:')).reduce((sum, [, n]) => sum + n, 0);
  const dynamoBefore = dynamoCalls();

  const started = performance.now();
  const departed = await corp.depart('leaver');
  if (departed.status !== 202) throw new Error(`departure answered ${departed.status}`);
  const handover = await corp.settledHandover('leaver');
  const seconds = (performance.now() - started) / 1000;
  const dynamoRequests = dynamoCalls() - dynamoBefore;
  if (handover?.status !== 'succeeded') throw new Error(`handover ended ${JSON.stringify(handover)}`);
  const moved = handover.counts.doc.transferred + handover.counts.drive.transferred + handover.counts.calendar.transferred;
  if (moved !== TOTAL - MIX.calendarPast || handover.counts.calendar.skipped !== MIX.calendarPast) {
    throw new Error(`unexpected counts ${JSON.stringify(handover.counts)}`);
  }

  const execution = [...stack.stepFunctions.executions.values()].find((e) => e.stateMachine.includes('Departure') && (e.input as any).memberId === 'leaver')!;
  const entered = execution.events.filter((e) => e.type === 'StateEntered');
  const transitions = entered.length;
  const invocations = entered.filter((e) => e.stateType === 'Task').length;
  const perThousand = (n: number) => +((n * 1000) / TOTAL).toFixed(1);

  const figures = {
    assets: { total: TOTAL, ...MIX },
    wallTimeSeconds: +seconds.toFixed(2),
    assetsPerSecond: +(TOTAL / seconds).toFixed(0),
    stateTransitions: transitions,
    lambdaInvocations: invocations,
    transitionsPer1000Assets: perThousand(transitions),
    invocationsPer1000Assets: perThousand(invocations),
    dynamoDbRequests: dynamoRequests,
    dynamoDbRequestsPerAsset: +(dynamoRequests / TOTAL).toFixed(3),
    counts: handover.counts,
    note:
      'Local stack, embedded asset provider, DynamoDB Local in memory. Transitions and invocations are the StateEntered ' +
      'events of the departure execution (Task states for invocations); DynamoDB requests are every SDK call from the ' +
      'departure webhook until the handover was seen settled, including the status polls of the bench client.',
  };
  console.log(JSON.stringify(figures, null, 2));
  recordSection('handover', figures);
} finally {
  await stack.stop();
}
