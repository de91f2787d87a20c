import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalFunction, SYNC_PAYLOAD_LIMIT } from '../../local/lambda-runtime.ts';

/** The local Lambda runtime enforces what Lambda enforces: environment, timeout, memory, payload size. */
describe('local Lambda runtime', () => {
  let taskRoot: string;
  const started: LocalFunction[] = [];

  beforeAll(() => {
    taskRoot = mkdtempSync(join(tmpdir(), 'steward-runtime-'));
    writeFileSync(
      join(taskRoot, 'index.mjs'),
      `export const handler = async (event, context) => {
        switch (event.kind) {
          case 'env': return { keys: Object.keys(process.env).sort(), offset: process.env.STEWARD_LOCAL_CLOCK_OFFSET_MS, remaining: context.getRemainingTimeInMillis() };
          case 'sleep': await new Promise((r) => setTimeout(r, event.ms)); return 'woke';
          case 'big': return 'x'.repeat(event.bytes);
          case 'hog': { const kept = []; for (let i = 0; i < event.mb; i++) kept.push(Buffer.alloc(1024 * 1024, 1)); return kept.length; }
          case 'throw': throw Object.assign(new Error('downstream said 503'), { name: 'AssetServiceUnavailable' });
        }
      };`,
    );
  });
  afterAll(async () => {
    await Promise.all(started.map((fn) => fn.stop()));
    rmSync(taskRoot, { recursive: true, force: true });
  });

  const fn = (settings: { memoryMb?: number; timeoutSeconds?: number; reservedConcurrency?: number } = {}) => {
    const local = new LocalFunction(
      {
        functionId: 'Probe',
        taskRoot,
        handler: 'index.handler',
        memoryMb: settings.memoryMb ?? 256,
        timeoutSeconds: settings.timeoutSeconds ?? 5,
        reservedConcurrency: settings.reservedConcurrency ?? null,
        environment: { _HANDLER: 'index.handler', LAMBDA_TASK_ROOT: taskRoot, TABLE_NAME: 'only-mine' },
      },
      { maxContainers: 2, clockOffsetMs: () => 86_400_000 },
    );
    started.push(local);
    return local;
  };

  it('gives the function only its own environment and the stack clock, and reuses a warm container', async () => {
    const probe = fn();
    const first = await probe.invoke({ kind: 'env' });
    const second = await probe.invoke({ kind: 'env' });
    expect(first).toMatchObject({ ok: true });
    const { keys, offset, remaining } = (first as { result: { keys: string[]; offset: string; remaining: number } }).result;
    expect(keys).toContain('TABLE_NAME');
    expect(keys).not.toContain('PATH_TO_NOTHING');
    expect(keys.filter((k) => !['_HANDLER', 'LAMBDA_TASK_ROOT', 'TABLE_NAME', 'STEWARD_LOCAL_CLOCK_OFFSET_MS', '_X_AMZN_TRACE_ID'].includes(k) && !k.startsWith('NODE_') && k !== 'PWD')).toEqual([]);
    expect(offset).toBe('86400000');
    expect(remaining).toBeGreaterThan(0);
    expect(second).toMatchObject({ ok: true });
    expect(probe.stats).toMatchObject({ invocations: 2, coldStarts: 1 });
    expect(probe.stats.initMs).toHaveLength(1);
  });

  it('ends a call at its timeout as Sandbox.Timedout and starts cold afterwards', async () => {
    const slow = fn({ timeoutSeconds: 1 });
    const timedOut = await slow.invoke({ kind: 'sleep', ms: 3000 });
    expect(timedOut).toMatchObject({ ok: false, error: { errorType: 'Sandbox.Timedout' } });
    expect(await slow.invoke({ kind: 'sleep', ms: 10 })).toEqual({ ok: true, result: 'woke' });
    expect(slow.stats.coldStarts).toBe(2);
  });

  it('refuses a request or a response over 6 MB', async () => {
    const probe = fn();
    expect(await probe.invoke({ kind: 'env', padding: 'x'.repeat(SYNC_PAYLOAD_LIMIT) })).toMatchObject({ ok: false, error: { errorType: 'RequestEntityTooLargeException' } });
    expect(await probe.invoke({ kind: 'big', bytes: SYNC_PAYLOAD_LIMIT + 1 })).toMatchObject({ ok: false, error: { errorType: 'Function.ResponseSizeTooLarge' } });
    expect(await probe.invoke({ kind: 'big', bytes: 1000 })).toMatchObject({ ok: true });
  });

  it('kills a container that uses more memory than the template gives it', async () => {
    const small = fn({ memoryMb: 128 });
    expect(await small.invoke({ kind: 'hog', mb: 200 })).toMatchObject({ ok: false, error: { errorType: 'Runtime.OutOfMemory' } });
    expect(await small.invoke({ kind: 'hog', mb: 10 })).toEqual({ ok: true, result: 10 });
  });

  it('throttles calls beyond the reserved concurrency at once, and serves the next call after', async () => {
    const reserved = fn({ reservedConcurrency: 1 });
    const [first, second] = await Promise.all([reserved.invoke({ kind: 'sleep', ms: 300 }), reserved.invoke({ kind: 'sleep', ms: 0 })]);
    expect(first).toEqual({ ok: true, result: 'woke' });
    expect(second).toEqual({ ok: false, error: { errorType: 'TooManyRequestsException', errorMessage: 'Rate Exceeded.' } });
    expect(await reserved.invoke({ kind: 'sleep', ms: 0 })).toEqual({ ok: true, result: 'woke' });
    expect(reserved.stats.throttles).toBe(1);
  });

  it('passes a function error on with its name, as Step Functions matches it', async () => {
    expect(await fn().invoke({ kind: 'throw' })).toMatchObject({ ok: false, error: { errorType: 'AssetServiceUnavailable', errorMessage: 'downstream said 503' } });
  });

  it('reports a module that does not load, or a missing handler, as Lambda does', async () => {
    const broken = mkdtempSync(join(tmpdir(), 'steward-runtime-broken-'));
    writeFileSync(join(broken, 'index.mjs'), "import 'not-installed-anywhere';\nexport const handler = async () => 'never';");
    const missing = mkdtempSync(join(tmpdir(), 'steward-runtime-missing-'));
    writeFileSync(join(missing, 'index.js'), 'exports.other = async () => 1;');
    const run = (root: string) => {
      const local = new LocalFunction(
        { functionId: 'Broken', taskRoot: root, handler: 'index.handler', memoryMb: 128, timeoutSeconds: 5, reservedConcurrency: null, environment: { _HANDLER: 'index.handler', LAMBDA_TASK_ROOT: root } },
        { maxContainers: 1, clockOffsetMs: () => 0 },
      );
      started.push(local);
      return local.invoke({});
    };
    expect(await run(broken)).toMatchObject({ ok: false, error: { errorType: 'Runtime.ImportModuleError', errorMessage: expect.stringContaining('not-installed-anywhere') } });
    expect(await run(missing)).toMatchObject({ ok: false, error: { errorType: 'Runtime.HandlerNotFound' } });
    rmSync(broken, { recursive: true, force: true });
    rmSync(missing, { recursive: true, force: true });
  });
});
