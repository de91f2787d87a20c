import { startLocalStack } from '../local/stack.ts';
import { runLoad } from './load-mix.ts';

/**
 * The load mix against a local stack started for it (the synthesised bundles, 3 containers per
 * function), after a warm-up at the same rate that is not counted. The stack's recorded metrics
 * are read back: what CloudWatch would have counted from the functions' EMF lines during the run.
 */
export const runLoadOnStack = async (options: { ratePerSecond: number; seconds: number; warmUpSeconds: number }) => {
  const stack = await startLocalStack({ logs: 'file' });
  try {
    await runLoad({ url: stack.url, ratePerSecond: options.ratePerSecond, seconds: options.warmUpSeconds });
    const figures = await runLoad({ url: stack.url, ratePerSecond: options.ratePerSecond, seconds: options.seconds });
    // The last EMF lines are still in the pipes when the last answers arrive.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const during = stack.metrics.records.filter((r) => r.at >= figures.startedAt && r.at <= figures.endedAt);
    const sum = (name: string, dimensions: Record<string, string> = {}) =>
      during.filter((r) => r.name === name && Object.entries(dimensions).every(([k, v]) => r.dimensions[k] === v)).reduce((total, r) => total + r.value, 0);
    return {
      ...figures,
      warmUpSeconds: options.warmUpSeconds,
      metricsRecorded: {
        SeatsAllocated: sum('SeatsAllocated'),
        WebhookDeliveriesAccepted: sum('WebhookDeliveries', { result: 'accepted' }),
        WebhookDeliveriesFailed: sum('WebhookDeliveries', { result: 'failed' }),
        Decisions: sum('Decisions'),
      },
      note: 'Local stack (bundles, 3 containers per function, DynamoDB Local, roles enforced) on the shared 2-CPU machine; the load generator runs in the same process.',
    };
  } finally {
    await stack.stop();
  }
};
