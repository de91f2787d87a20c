import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import type { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { LOCAL_ACCOUNT, LOCAL_PARTITION, LOCAL_REGION } from './resources.ts';

/** Lambda's cap on a synchronous invocation's request and response (6 MB). */
export const SYNC_PAYLOAD_LIMIT = 6 * 1024 * 1024;

const BOOTSTRAP = join(dirname(fileURLToPath(import.meta.url)), 'runtime', 'bootstrap.mjs');

export type FunctionSpec = {
  functionId: string;
  /** The function's sandbox: its bundle in `var/task`, the runtime's packages beside it. */
  taskRoot: string;
  /** The function's environment: its template variables and the ones Lambda itself sets. */
  environment: Record<string, string>;
  handler: string;
  memoryMb: number;
  timeoutSeconds: number;
  /** ReservedConcurrentExecutions: calls beyond it are throttled at once, as Lambda throttles them. */
  reservedConcurrency: number | null;
};

/** Lambda's error shape; `Runtime.*` types are the runtime's own (the module did not load, the process died...). */
export type InvokeError = { errorType: string; errorMessage: string; stack?: string[] };
export type InvokeResult = { ok: true; result: unknown } | { ok: false; error: InvokeError };

type FunctionStats = {
  functionId: string;
  invocations: number;
  throttles: number;
  coldStarts: number;
  initMs: number[];
  timeouts: number;
  errors: number;
};

type Container = { child: ChildProcess; busy: boolean; ready: Promise<number> };

/** A call or an init that failed, with Lambda's error. */
export class LambdaError extends Error {
  constructor(readonly error: InvokeError) {
    super(error.errorMessage);
  }
}

/**
 * One local function: containers (child processes) started on demand, each serving one
 * invocation at a time and kept warm, up to `maxContainers`; further calls wait for one, except
 * beyond the function's reserved concurrency, where they are throttled.
 * Memory (heap limit, and the peak RSS checked after each call), timeout and payload limits
 * are the template's and Lambda's.
 */
export class LocalFunction {
  private readonly containers: Container[] = [];
  private readonly waiting: (() => void)[] = [];
  /** Calls running or waiting for a container. */
  private inFlight = 0;
  readonly stats: FunctionStats;
  private stopped = false;

  constructor(
    readonly spec: FunctionSpec,
    /** `output` receives the containers' stdout and stderr (default: this process's). */
    private readonly options: { maxContainers: number; clockOffsetMs: () => number; output?: Writable },
  ) {
    this.stats = { functionId: spec.functionId, invocations: 0, throttles: 0, coldStarts: 0, initMs: [], timeouts: 0, errors: 0 };
  }

  /** Containers running now, busy or warm. */
  get containerCount(): number {
    return this.containers.length;
  }

  /** Starts one more container and waits for its init: the import time of the bundle, in ms. */
  async coldStart(): Promise<number> {
    const container = this.start();
    try {
      return await container.ready;
    } catch (error) {
      this.retire(container);
      throw error;
    }
  }

  async invoke(event: unknown): Promise<InvokeResult> {
    const payload = JSON.stringify(event ?? null);
    if (Buffer.byteLength(payload) > SYNC_PAYLOAD_LIMIT) {
      return this.failed({ errorType: 'RequestEntityTooLargeException', errorMessage: `Request must be smaller than ${SYNC_PAYLOAD_LIMIT} bytes for the InvokeFunction operation` });
    }
    if (this.stopped) return this.failed({ errorType: 'ServiceException', errorMessage: `${this.spec.functionId} is stopped` });
    if (this.spec.reservedConcurrency !== null && this.inFlight >= this.spec.reservedConcurrency) {
      this.stats.throttles++;
      return { ok: false, error: { errorType: 'TooManyRequestsException', errorMessage: 'Rate Exceeded.' } };
    }
    this.inFlight++;
    try {
      return await this.invokeInContainer(payload);
    } finally {
      this.inFlight--;
    }
  }

  private async invokeInContainer(payload: string): Promise<InvokeResult> {
    this.stats.invocations++;
    let container: Container | undefined;
    try {
      container = await this.acquire();
      await container.ready;
    } catch (error) {
      if (container) this.retire(container);
      return this.failed((error as LambdaError).error ?? { errorType: 'Runtime.Unknown', errorMessage: String(error) });
    }
    try {
      const resultJson = await this.run(container, payload);
      if (Buffer.byteLength(resultJson) > SYNC_PAYLOAD_LIMIT) {
        return this.failed({ errorType: 'Function.ResponseSizeTooLarge', errorMessage: `Response payload size exceeded maximum allowed payload size (${SYNC_PAYLOAD_LIMIT} bytes).` });
      }
      return { ok: true, result: JSON.parse(resultJson) };
    } catch (error) {
      return this.failed((error as LambdaError).error ?? { errorType: 'Runtime.Unknown', errorMessage: String(error) });
    } finally {
      this.release(container);
    }
  }

  /** Ends every container once its output is read; calls waiting for one, and later calls, fail. */
  async stop(): Promise<void> {
    this.stopped = true;
    const closed = this.containers.map(({ child }) =>
      child.exitCode === null && child.signalCode === null ? new Promise((done) => child.once('close', done)) : null,
    );
    for (const container of [...this.containers]) this.retire(container);
    for (const wake of this.waiting.splice(0)) wake();
    await Promise.all(closed);
  }


  /** Tells warm containers that the stack's clock moved, so a call in flight reads the new time. */
  clockMoved(offsetMs: number): void {
    for (const { child } of this.containers) if (child.connected) child.send({ type: 'clock', offsetMs });
  }

  private failed(error: InvokeError): InvokeResult {
    this.stats.errors++;
    return { ok: false, error };
  }

  private async acquire(): Promise<Container> {
    for (;;) {
      if (this.stopped) throw new LambdaError({ errorType: 'ServiceException', errorMessage: `${this.spec.functionId} is stopped` });
      const idle = this.containers.find((c) => !c.busy && c.child.connected);
      if (idle) {
        idle.busy = true;
        return idle;
      }
      if (this.containers.length < this.options.maxContainers) {
        const container = this.start();
        container.busy = true;
        return container;
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  private release(container: Container): void {
    container.busy = false;
    this.waiting.shift()?.();
  }

  private retire(container: Container): void {
    const index = this.containers.indexOf(container);
    if (index >= 0) this.containers.splice(index, 1);
    if (container.child.exitCode === null) container.child.kill('SIGKILL');
    this.waiting.shift()?.();
  }

  private start(): Container {
    const { spec } = this;
    const child = fork(BOOTSTRAP, [], {
      cwd: spec.taskRoot,
      env: spec.environment,
      execArgv: [`--max-old-space-size=${Math.max(64, Math.floor(spec.memoryMb * 0.9))}`],
      stdio: this.options.output ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    if (this.options.output) {
      child.stdout?.pipe(this.options.output, { end: false });
      child.stderr?.pipe(this.options.output, { end: false });
    }
    // A send to a container that has just died fails the call through its exit, not as an uncaught error.
    child.on('error', () => {});
    this.stats.coldStarts++;
    const ready = new Promise<number>((resolve, reject) => {
      const onMessage = (message: { type: string; initMs?: number; error?: InvokeError }) => {
        if (message.type === 'ready') {
          const initMs = Math.round(message.initMs! * 10) / 10;
          this.stats.initMs.push(initMs);
          child.off('message', onMessage);
          resolve(initMs);
        } else if (message.type === 'init-error') {
          child.off('message', onMessage);
          reject(new LambdaError(message.error!));
        }
      };
      child.on('message', onMessage);
      child.once('exit', (code) => reject(new LambdaError({ errorType: 'Runtime.ExitError', errorMessage: `RequestId: init Error: Runtime exited with error: exit status ${code}` })));
    });
    ready.catch(() => {});
    const container: Container = { child, busy: false, ready };
    child.once('exit', () => {
      if (!container.busy) this.retire(container);
    });
    this.containers.push(container);
    return container;
  }

  /** Runs one invocation: the event's JSON in, the result's JSON out. */
  private run(container: Container, payload: string): Promise<string> {
    const { spec } = this;
    const requestId = randomUUID();
    const deadline = Date.now() + spec.timeoutSeconds * 1000;
    return new Promise((resolve, reject) => {
      const settle = (error: InvokeError | null, result?: string) => {
        clearTimeout(timer);
        container.child.off('message', onMessage);
        container.child.off('exit', onExit);
        if (error) reject(new LambdaError(error));
        else resolve(result ?? "null");
      };
      const timer = setTimeout(() => {
        this.stats.timeouts++;
        this.retire(container);
        settle({ errorType: 'Sandbox.Timedout', errorMessage: `${new Date().toISOString()} ${requestId} Task timed out after ${spec.timeoutSeconds.toFixed(2)} seconds` });
      }, spec.timeoutSeconds * 1000);
      const onExit = (code: number | null) => {
        this.retire(container);
        settle({ errorType: 'Runtime.ExitError', errorMessage: `RequestId: ${requestId} Error: Runtime exited with error: exit status ${code}` });
      };
      const onMessage = (message: { type: string; requestId?: string; resultJson?: string; error?: InvokeError; maxRssKb?: number }) => {
        if (message.requestId !== requestId) return;
        if ((message.maxRssKb ?? 0) > spec.memoryMb * 1024) {
          this.retire(container);
          return settle({ errorType: 'Runtime.OutOfMemory', errorMessage: `RequestId: ${requestId} Error: Runtime exited with error: signal: killed (peak ${Math.round(message.maxRssKb! / 1024)} MB of ${spec.memoryMb} MB)` });
        }
        if (message.type === 'result') settle(null, message.resultJson);
        else settle(message.error ?? { errorType: 'Runtime.Unknown', errorMessage: 'unknown' });
      };
      container.child.on('message', onMessage);
      container.child.once('exit', onExit);
      container.child.send({
        type: 'invoke',
        requestId,
        payload,
        deadline,
        clockOffsetMs: this.options.clockOffsetMs(),
        context: {
          awsRequestId: requestId,
          functionName: spec.functionId,
          functionVersion: '$LATEST',
          invokedFunctionArn: `arn:${LOCAL_PARTITION}:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${spec.functionId}`,
          memoryLimitInMB: String(spec.memoryMb),
          logGroupName: `/aws/lambda/${spec.functionId}`,
          logStreamName: 'local',
        },
      });
    });
  }
}
