import { performance } from 'node:perf_hooks';
import { orderPaidEvent } from '../test/fixtures.ts';
import { client } from '../test/integration/client.ts';
import { enforcerToken } from '../scripts/token.ts';
import { summarise } from './results.ts';

/**
 * A steady mix of the contract's traffic, in the spirit of an Artillery `arrivalRate` phase: one
 * request starts every 1/rate seconds whether or not the earlier ones answered (open loop), so a
 * slow stack shows as latency and errors, not as a lower offered rate. The mix, by weight:
 * HR webhooks (a new member), asset webhooks, seat allocations (a member hired earlier), reads
 * (the pool, an allocation, a member), and decision batches of 10 from an enforcer.
 */
export type LoadOptions = { url: string; ratePerSecond: number; seconds: number; corps?: number; maxInFlight?: number };

const MIX = [
  ['hrWebhook', 25],
  ['assetsWebhook', 15],
  ['allocation', 15],
  ['read', 30],
  ['decisions', 15],
] as const;
type Kind = (typeof MIX)[number][0];
const TOTAL_WEIGHT = MIX.reduce((sum, [, weight]) => sum + weight, 0);

const DECISION_BATCH = 10;

export const runLoad = async (options: LoadOptions) => {
  const api = client(options.url);
  const corps = Array.from({ length: options.corps ?? 4 }, (_, i) => `load-${i}`);
  const maxInFlight = options.maxInFlight ?? 64;
  const enforcer = await enforcerToken();

  // Each corp has seats to give and members to read, before the clock starts.
  const hired = new Map<string, string[]>(corps.map((corp) => [corp, []]));
  const seated = new Map<string, string[]>(corps.map((corp) => [corp, []]));
  // Ids of this run's own, so a second run (after a warm-up) on the same stack hires new members.
  const run = Date.now().toString(36);
  let memberSeq = 0;
  const hire = async (corp: string) => {
    const memberId = `m-${run}-${memberSeq++}`;
    const answer = await api.webhook('hr', { type: 'employee.upserted', data: { corpId: corp, memberId, name: `Member ${memberId}`, managerId: null } });
    if (answer.status === 202) hired.get(corp)!.push(memberId);
    return answer.status;
  };
  for (const corp of corps) {
    const paid = await api.webhook('billing', orderPaidEvent(corp, `o-${corp}`, 100_000));
    if (paid.status !== 202) throw new Error(`order.paid answered ${paid.status}`);
    await Promise.all(Array.from({ length: 5 }, () => hire(corp)));
    const first = hired.get(corp)!.splice(0, 2);
    const given = await api.admin(corp, 'POST', `/corps/${corp}/seats/allocations`, { memberIds: first });
    if (given.status !== 201) throw new Error(`allocation answered ${given.status}`);
    seated.get(corp)!.push(...first);
  }

  const pick = <T>(items: T[]) => items[Math.floor(Math.random() * items.length)]!;
  let assetSeq = 0;
  /** One request of `kind`; answers its HTTP status (0: no answer). A 4xx the mix expects counts as success. */
  const send = async (kind: Kind): Promise<{ status: number; expected: boolean }> => {
    const corp = pick(corps);
    switch (kind) {
      case 'hrWebhook': {
        const status = await hire(corp);
        return { status, expected: status === 202 };
      }
      case 'assetsWebhook': {
        const { status } = await api.webhook('assets', {
          type: 'asset.upserted',
          data: { corpId: corp, assetType: 'doc', assetId: `doc-${run}-${assetSeq++}`, ownerId: pick(seated.get(corp)!), title: 'Quarterly plan', externalShares: 0 },
        });
        return { status, expected: status === 202 };
      }
      case 'allocation': {
        const memberId = hired.get(corp)!.shift();
        if (!memberId) return send('read');
        const { status } = await api.admin(corp, 'POST', `/corps/${corp}/seats/allocations`, { memberIds: [memberId] });
        if (status === 201) seated.get(corp)!.push(memberId);
        return { status, expected: status === 201 };
      }
      case 'read': {
        const memberId = pick(seated.get(corp)!);
        const path = pick([`/corps/${corp}/seats`, `/corps/${corp}/seats/allocations/${memberId}`, `/corps/${corp}/members/${memberId}`]);
        const { status } = await api.admin(corp, 'GET', path);
        return { status, expected: status === 200 };
      }
      case 'decisions': {
        const requests = Array.from({ length: DECISION_BATCH }, (_, i) => ({
          action: i % 2 ? 'file.download' : 'login',
          memberId: pick(seated.get(corp)!),
          ...(i % 2 ? { resource: { fileId: `f-${i}` } } : {}),
          context: { platform: pick(['windows', 'mac', 'android', 'web']), clientVersion: '4.2.0', ...(i % 2 ? {} : { deviceId: `dev-${i}` }) },
        }));
        const response = await fetch(`${options.url}/corps/${corp}/decisions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${enforcer}`, 'content-type': 'application/json' },
          body: JSON.stringify({ requests }),
        });
        await response.arrayBuffer();
        return { status: response.status, expected: response.status === 200 };
      }
    }
  };

  const latencies = new Map<Kind, number[]>(MIX.map(([kind]) => [kind, []]));
  const statuses: Record<string, number> = {};
  const errors: Record<string, number> = {};
  const countError = (key: string) => (errors[key] = (errors[key] ?? 0) + 1);
  let unanswered = 0;
  let skipped = 0;
  let inFlight = 0;
  const pending: Promise<void>[] = [];
  const started = performance.now();
  const intervalMs = 1000 / options.ratePerSecond;
  const total = Math.round(options.ratePerSecond * options.seconds);
  for (let i = 0; i < total; i++) {
    const due = started + i * intervalMs;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    // A stack this far behind is failing; past the cap the request is counted as skipped, not queued.
    if (inFlight >= maxInFlight) {
      skipped++;
      continue;
    }
    let draw = Math.random() * TOTAL_WEIGHT;
    const kind = MIX.find(([, weight]) => (draw -= weight) < 0)![0];
    inFlight++;
    const begin = performance.now();
    pending.push(
      send(kind)
        .then(({ status, expected }) => {
          latencies.get(kind)!.push(performance.now() - begin);
          statuses[status] = (statuses[status] ?? 0) + 1;
          if (!expected) countError(`${kind} ${status}`);
        })
        .catch((error: unknown) => {
          unanswered++;
          countError(`${kind} ${(error as Error).message}`);
        })
        .finally(() => inFlight--),
    );
  }
  await Promise.all(pending);
  const seconds = (performance.now() - started) / 1000;
  const all = [...latencies.values()].flat();
  const errorCount = Object.values(errors).reduce((sum, n) => sum + n, 0);
  return {
    startedAt: new Date(Date.now() - seconds * 1000),
    endedAt: new Date(),
    offeredPerSecond: options.ratePerSecond,
    durationSeconds: +seconds.toFixed(1),
    requests: all.length + unanswered,
    throughputPerSecond: +(all.length / seconds).toFixed(1),
    overall: summarise(all),
    byKind: Object.fromEntries([...latencies].map(([kind, samples]) => [kind, summarise(samples)])),
    errors: errorCount,
    errorRatePercent: +((100 * errorCount) / Math.max(1, all.length + unanswered)).toFixed(2),
    errorsByKind: errors,
    skipped,
    statuses,
    mix: Object.fromEntries(MIX),
    decisionBatch: DECISION_BATCH,
  };
};
