import { parseArgs } from 'node:util';
import { runLoad } from '../bench/load-mix.ts';
import { runLoadOnStack } from '../bench/load-stack.ts';
import { recordSection } from '../bench/results.ts';

/**
 * `npm run load`: the contract's traffic mix (webhooks, allocations, reads, decisions) at a steady
 * rate for a few minutes, then throughput, p50/p99 by kind and errors. Without `--url` it starts a
 * local stack of its own and records section `loadSteady` of bench/results.json; with `--url` it
 * loads a running stack (`npm start`) and only prints.
 *   npm run load -- --rate 10 --minutes 3 [--url http://127.0.0.1:3000]
 */
process.env.STEWARD_LOG_FORMAT ??= 'readable';
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
const { values } = parseArgs({ options: { rate: { type: 'string', default: '10' }, minutes: { type: 'string', default: '3' }, url: { type: 'string' } } });
const ratePerSecond = Number(values.rate);
const seconds = Number(values.minutes) * 60;
if (!(ratePerSecond > 0) || !(seconds > 0)) throw new Error('--rate and --minutes must be positive numbers');

if (values.url) {
  console.log(JSON.stringify(await runLoad({ url: values.url, ratePerSecond, seconds }), null, 2));
} else {
  const figures = await runLoadOnStack({ ratePerSecond, seconds, warmUpSeconds: 10 });
  console.log(JSON.stringify(figures, null, 2));
  recordSection('loadSteady', figures);
}
