import { performance } from 'node:perf_hooks';
import { startLocalStack } from '../local/stack.ts';
import { client } from '../test/integration/client.ts';
import { orderPaidEvent } from '../test/fixtures.ts';
import { recordSection, summarise } from './results.ts';

/** Seat allocation and billing webhook on the local stack: throughput and latency percentiles. */
const MEMBERS = 600;
const CONCURRENCY = 8;
const WEBHOOKS = 200;

const stack = await startLocalStack({ logs: 'file' });
const api = client(stack.url);
try {
  const timed = async <T>(samples: number[], call: () => Promise<T>): Promise<T> => {
    const start = performance.now();
    const result = await call();
    samples.push(performance.now() - start);
    return result;
  };

  const webhookMs: number[] = [];
  for (let i = 0; i < WEBHOOKS; i++) {
    const response = await timed(webhookMs, () =>
      api.webhook('billing', orderPaidEvent('bench', `o-${i}`, 5)),
    );
    if (response.status !== 202) throw new Error(`webhook answered ${response.status}`);
  }

  for (let i = 0; i < MEMBERS; i += 50) {
    await Promise.all(
      Array.from({ length: 50 }, (_, j) =>
        api.webhook('hr', { type: 'employee.upserted', data: { corpId: 'bench', memberId: `m-${i + j}`, name: `M ${i + j}`, managerId: null } }),
      ),
    );
  }

  const allocationMs: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < MEMBERS) {
        const memberId = `m-${next++}`;
        const response = await timed(allocationMs, () =>
          api.admin('bench', 'POST', '/corps/bench/seats/allocations', { memberIds: [memberId] }),
        );
        if (response.status !== 201) throw new Error(`allocation answered ${response.status}`);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;

  const figures = {
    allocation: {
      ...summarise(allocationMs),
      concurrency: CONCURRENCY,
      throughputPerSecond: +(MEMBERS / seconds).toFixed(1),
    },
    billingWebhook: summarise(webhookMs),
    note: 'Local stack: DynamoDB Local (in memory) + in-process handlers over loopback HTTP; one member per allocation call.',
  };
  console.log(JSON.stringify(figures, null, 2));
  recordSection('seats', figures);
} finally {
  await stack.stop();
}
