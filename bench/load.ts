import { runLoadOnStack } from './load-stack.ts';
import { recordSection } from './results.ts';

/**
 * `npm run bench -- load`: the short version of `npm run load` (a minute at 10 requests a second
 * after a warm-up), on a local stack of its own. Writes section `load` of bench/results.json.
 */
const figures = await runLoadOnStack({ ratePerSecond: 10, seconds: 60, warmUpSeconds: 10 });
console.log(JSON.stringify(figures, null, 2));
recordSection('load', figures);
