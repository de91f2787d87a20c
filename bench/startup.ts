import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startLocalStack } from '../local/stack.ts';
import { adminToken } from '../scripts/token.ts';
import { recordSection } from './results.ts';

/**
 * `npm start` on this machine: ready after a fresh `npm ci` (every function bundled), ready again
 * with nothing changed (no bundling), and the first calls' cold starts against warm ones.
 */
const DIR = resolve('.steward-local/bench-startup.out');

const start = async () => {
  const began = performance.now();
  const stack = await startLocalStack({ assemblyDir: DIR, logs: 'file' });
  return { stack, readyMs: Math.round(performance.now() - began) };
};

const timedFetch = async (url: string, init?: RequestInit) => {
  const began = performance.now();
  const response = await fetch(url, init);
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return Math.round(performance.now() - began);
};

rmSync(DIR, { recursive: true, force: true });
const fresh = await start();
await fresh.stack.stop();
const again = await start();
const { stack } = again;
try {
  const token = { authorization: `Bearer ${await adminToken('acme')}` };
  const firstHealthMs = await timedFetch(`${stack.url}/health`);
  const warmHealthMs = await timedFetch(`${stack.url}/health`);
  const firstSeatsMs = await timedFetch(`${stack.url}/corps/acme/seats`, { headers: token });
  const warmSeatsMs = await timedFetch(`${stack.url}/corps/acme/seats`, { headers: token });
  const initMs = Object.fromEntries([...stack.functions.values()].filter((f) => f.stats.initMs.length).map((f) => [f.spec.functionId.replace(/[0-9A-F]{8}$/, ''), f.stats.initMs[0]]));
  const figures = {
    readyAfterNpmCiMs: fresh.readyMs,
    readyUnchangedMs: again.readyMs,
    targetMs: 30_000,
    met: fresh.readyMs <= 30_000,
    firstHealthMs,
    warmHealthMs,
    firstSeatsMs,
    warmSeatsMs,
    initMs,
  };
  console.log('npm start readiness', figures);
  recordSection('startup', figures);
} finally {
  await stack.stop();
  rmSync(DIR, { recursive: true, force: true });
}
