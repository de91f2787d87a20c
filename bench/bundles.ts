import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { synthesizeAssembly } from '../local/assembly.ts';
import { LambdaError } from '../local/lambda-runtime.ts';
import { bundleBytes, sandboxedFunction } from '../local/lambda-sandbox.ts';
import { LocalResources } from '../local/resources.ts';
import { recordSection } from './results.ts';

/**
 * `npm run bench -- bundles` (about two minutes, most of it the synthesis): every function's bundle
 * as synthesised (the minified handler file, without its source map), and its cold import: a fresh
 * container of the local Lambda runtime (local/lambda-runtime.ts) in the function's sandbox, with its
 * template environment (NODE_OPTIONS=--enable-source-maps included, as on Lambda), timing `await
 * import()` of the bundle inside the child. Median of 5 processes per
 * function, taken round-robin so that the machine's drift spreads over every function; the ratio is
 * to Health's median in the same run. Targets (issue 13): <= 300 KB except Watermarks; import <= 5x Health.
 */
const RUNS = 5;
const MAX_KB = 300;
const MAX_RATIO = 5;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const work = mkdtempSync(join(tmpdir(), 'steward-bench-bundles-'));
try {
  const synthStarted = performance.now();
  const assembly = await synthesizeAssembly(join(work, 'cdk.out'));
  const synthSeconds = (performance.now() - synthStarted) / 1000;
  console.log(`synthesised ${assembly.functions.length} functions in ${synthSeconds.toFixed(1)} s`);

  const resources = new LocalResources(assembly.template, { AdminJwtIssuer: 'https://issuer.test/', AdminJwtAudience: 'steward-test' });
  const prepared = assembly.functions.map((fn) => {
    const { sandbox, local } = sandboxedFunction({ root: join(work, 'sandboxes'), fn, resources, extraEnvironment: { AWS_ENDPOINT_URL: 'http://127.0.0.1:9' } });
    return { fn, sandbox, local, importMs: [] as number[], wallMs: [] as number[], failure: null as string | null };
  });

  for (let round = 0; round < RUNS; round++) {
    for (const p of prepared) {
      if (p.failure) continue;
      const started = performance.now();
      try {
        p.importMs.push(await p.local.coldStart());
        p.wallMs.push(performance.now() - started);
      } catch (error) {
        p.failure = error instanceof LambdaError ? `${error.error.errorType}: ${error.error.errorMessage}` : String(error);
      }
      await p.local.stop();
    }
  }

  const name = (logicalId: string) => logicalId.replace(/[0-9A-F]{8}$/, '');
  const health = prepared.find((p) => name(p.fn.logicalId) === 'Health');
  const healthMs = health && !health.failure ? median(health.importMs) : null;
  const functions: Record<string, unknown> = {};
  const rows: string[] = [];
  for (const p of prepared) {
    const id = name(p.fn.logicalId);
    const kb = bundleBytes(p.sandbox) / 1024;
    const importMs = p.failure ? null : median(p.importMs);
    const wallMs = p.failure ? null : median(p.wallMs);
    const ratio = importMs !== null && healthMs ? importMs / healthMs : null;
    const exempt = id === 'Watermarks';
    const sizeOk = exempt || kb <= MAX_KB;
    const ratioOk = exempt || (ratio !== null && ratio <= MAX_RATIO);
    const flag = p.failure ? 'LOAD FAILS' : exempt ? 'reported (exempt)' : sizeOk && ratioOk ? 'ok' : [!sizeOk && `> ${MAX_KB} KB`, !ratioOk && `> ${MAX_RATIO}x Health`].filter(Boolean).join(', ');
    functions[id] = {
      logicalId: p.fn.logicalId,
      entry: p.fn.entry,
      bundleKB: +kb.toFixed(1),
      importMsMedian: importMs === null ? null : +importMs.toFixed(1),
      importMsSamples: p.importMs.map((ms) => +ms.toFixed(1)),
      spawnToReadyMsMedian: wallMs === null ? null : +wallMs.toFixed(1),
      ratioToHealth: ratio === null ? null : +ratio.toFixed(2),
      meetsTargets: p.failure ? false : sizeOk && ratioOk,
      ...(p.failure && { loadFailure: p.failure }),
      ...(p.sandbox.hostNativePackages.length > 0 && { hostNativePackages: p.sandbox.hostNativePackages }),
    };
    rows.push(
      `${id.padEnd(22)} ${kb.toFixed(1).padStart(8)} KB ${importMs === null ? '       -' : importMs.toFixed(1).padStart(8)} ms ${wallMs === null ? '       -' : wallMs.toFixed(0).padStart(8)} ms ${ratio === null ? '     -' : `${ratio.toFixed(2).padStart(5)}x`}  ${flag}`,
    );
    if (p.failure) console.error(`${id}: ${p.failure}`);
  }
  console.log(`${'function'.padEnd(22)} ${'bundle'.padStart(11)} ${'import'.padStart(11)} ${'to ready'.padStart(11)} ${'ratio'.padStart(6)}  targets`);
  console.log(rows.join('\n'));

  recordSection('bundles', {
    runsPerFunction: RUNS,
    synthSeconds: +synthSeconds.toFixed(1),
    healthImportMs: healthMs === null ? null : +healthMs.toFixed(1),
    targets: { maxBundleKB: MAX_KB, maxImportRatioToHealth: MAX_RATIO, exempt: ['Watermarks'] },
    allMeetTargets: Object.values(functions).every((f) => (f as { meetsTargets: boolean }).meetsTargets),
    functions,
    note:
      'Bundle = the handler file as synthesised (minified, no source map). Import = performance.now() around await import(bundle) ' +
      'inside a fresh container of the local Lambda runtime (this machine, Node ' + process.version + ', not Lambda arm64 / Node 22) in the sandbox ' +
      'of local/lambda-sandbox.ts, template environment included; to ready = spawn to the runtime ready, measured by the parent. Median of ' +
      `${RUNS}, round-robin. Watermarks is exempt from both targets (sharp ships beside it).`,
  });
} finally {
  rmSync(work, { recursive: true, force: true });
}
