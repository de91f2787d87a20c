import { StateMachine } from 'aws-local-stepfunctions';
import { logger } from '#commons/logger';
import type { ControllableClock } from './clock.ts';
import type { LocalResources } from './resources.ts';
import { allStates, resourcesOfType, stateMachineDefinition } from './template.ts';

export type LocalExecution = {
  name: string;
  stateMachine: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  /** On the stack's movable clock, as are execution timeouts. */
  startDate: Date;
  stopDate: Date | null;
  input: unknown;
  output: unknown;
  error: string | null;
  events: { type: string; state?: string; stateType?: string }[];
};

/** Where an execution stands in time, for its timeout: the Wait it is parked in, the task it runs. */
type ExecutionTiming = { parkedUntil: Date | null; inTaskSince: Date | null };

/** Invokes a function by logical id; a function error is thrown with `name` = its errorType, as Step Functions sees it. */
export type Invoke = (functionLogicalId: string, payload: unknown) => Promise<unknown>;

/** The AWS/States metrics an execution's start and end publish on AWS (per state machine ARN). */
export type ExecutionMetric = 'ExecutionsStarted' | 'ExecutionsSucceeded' | 'ExecutionsFailed' | 'ExecutionsTimedOut' | 'ExecutionsAborted';
const METRIC_OF = { SUCCEEDED: 'ExecutionsSucceeded', FAILED: 'ExecutionsFailed', TIMED_OUT: 'ExecutionsTimedOut', ABORTED: 'ExecutionsAborted' } as const;

/** Step Functions' cap on the data a state passes on (256 KiB). */
const STATE_DATA_LIMIT = 256 * 1024;
const LAMBDA_ARN = /^arn:[\w-]+:lambda:[\w-]+:\d+:function:(.+)$/;
/** Parked timers wake at least this often, so a stopped stack lets go of them. */
const PARK_SLICE_MS = 30_000;
/**
 * A Task without TimeoutSeconds runs unbounded on AWS (99999999 s); the emulator would end it after
 * 60 s, and a Node timer cannot count past 24.8 days. 21 days stands for "unbounded": a function's
 * own timeout ends its call long before, and a parked Wait hands over to its due check before it.
 */
const UNBOUNDED_TASK_S = 21 * 24 * 3600;

const atPath = (input: unknown, path: string): unknown =>
  path === '$' ? input : path.replace(/^\$\./, '').split('.').reduce<any>((value, key) => value?.[key], input);

/**
 * Runs the synthesised state machines in-process with aws-local-stepfunctions. Task states invoke
 * the functions they name; Wait states park on the stack's movable clock (the emulator's own Wait
 * counts real milliseconds), so a timer fires when `/local/clock` passes its due time.
 */
export class LocalStepFunctions {
  readonly executions = new Map<string, LocalExecution>();
  private readonly machines = new Map<
    string,
    { machine: StateMachine; overrides: (timing: ExecutionTiming) => object; waits: Set<string>; timeoutMs: number | null }
  >();
  private readonly running = new Set<() => void>();
  private stopped = false;

  constructor(
    resources: LocalResources,
    invoke: Invoke,
    private readonly clock: ControllableClock,
    private readonly published: (stateMachineArn: string, metric: ExecutionMetric) => void = () => {},
  ) {
    for (const [logicalId, resource] of resourcesOfType(resources.template, 'AWS::StepFunctions::StateMachine')) {
      // The emulator would count the execution timeout in real time; it is counted on the movable clock instead.
      const { TimeoutSeconds: executionTimeoutS, ...definition } = stateMachineDefinition(resource, (id) => resources.getAtt(id, 'Arn')) as ReturnType<typeof stateMachineDefinition> & { TimeoutSeconds?: number };
      // Handlers are made per execution, so that each keeps its own timing for the execution timeout.
      const tasks: Record<string, (timing: ExecutionTiming) => (input: any) => Promise<any>> = {};
      const retries: Record<string, number> = {};
      const waits = new Set<string>();
      for (const [name, state] of allStates(definition.States)) {
        if (state.Type === 'Task') {
          // Only direct Lambda tasks (LambdaInvoke with payloadResponseOnly): any other integration
          // would hand the function a different payload, so it is refused here.
          const fn = LAMBDA_ARN.exec(String(state.Resource))?.[1];
          if (!fn) throw new Error(`${logicalId}.${name}: the local stack runs only direct Lambda tasks, not ${state.Resource}`);
          tasks[name] = (timing) => async (input) => {
            timing.inTaskSince = this.clock.now();
            try {
              const output = await invoke(fn, input);
              if (Buffer.byteLength(JSON.stringify(output ?? null)) > STATE_DATA_LIMIT) {
                throw Object.assign(new Error(`The state/task '${name}' returned a result with a size exceeding the maximum number of bytes service limit.`), { name: 'States.DataLimitExceeded' });
              }
              return output;
            } finally {
              timing.inTaskSince = null;
            }
          };
          // Retries back off in milliseconds here: the movable clock does not drive retry intervals.
          retries[name] = 50;
          if (state.TimeoutSeconds === undefined && state.TimeoutSecondsPath === undefined) state.TimeoutSeconds = UNBOUNDED_TASK_S;
        }
        if (state.Type === 'Wait') {
          const { Seconds, SecondsPath, Timestamp, TimestampPath, ...rest } = state;
          for (const key of Object.keys(state)) delete state[key];
          Object.assign(state, rest, { Type: 'Task', Resource: `arn:aws:states:::local:wait`, TimeoutSeconds: UNBOUNDED_TASK_S });
          waits.add(name);
          tasks[name] = (timing) => async (input) => {
            const due =
              Timestamp !== undefined || TimestampPath !== undefined
                ? new Date(String(Timestamp ?? atPath(input, TimestampPath)))
                : new Date(this.clock.now().getTime() + Number(Seconds ?? atPath(input, SecondsPath)) * 1000);
            // Past a day short of the task's timeout the Wait lets go; the due check after it loops back.
            const letGoAt = Date.now() + (UNBOUNDED_TASK_S - 24 * 3600) * 1000;
            timing.parkedUntil = due;
            try {
              while (!this.stopped && this.clock.now() < due && Date.now() < letGoAt) await this.clock.sleepUntil(due, PARK_SLICE_MS);
            } finally {
              timing.parkedUntil = null;
            }
            return input;
          };
        }
      }
      this.machines.set(resources.ref(logicalId), {
        machine: new StateMachine(definition as any, { validationOptions: { checkArn: false } }),
        overrides: (timing) => ({
          taskResourceLocalHandlers: Object.fromEntries(Object.entries(tasks).map(([name, handler]) => [name, handler(timing)])),
          retryIntervalOverrides: retries,
        }),
        waits,
        timeoutMs: executionTimeoutS === undefined ? null : executionTimeoutS * 1000,
      });
    }
  }

  /** DescribeExecution: the execution started under this ARN, if any. */
  describe(executionArn: string): (LocalExecution & { stateMachineArn: string }) | undefined {
    const stateMachineArn = executionArn.replace(':execution:', ':stateMachine:').replace(/:[^:]+$/, '');
    const execution = this.executions.get(`${stateMachineArn}/${executionArn.split(':').pop()}`);
    return execution && { ...execution, stateMachineArn };
  }

  /**
   * StartExecution as a Standard workflow answers it: the same name and input as a running
   * execution is that execution; a name already used otherwise is `ExecutionAlreadyExists`.
   */
  startExecution(arn: string, name: string, inputJson: string): { executionArn: string; startDate: Date } | 'exists' {
    const entry = this.machines.get(arn);
    if (!entry) throw new Error(`No local state machine ${arn}`);
    const key = `${arn}/${name}`;
    const executionArn = `${arn.replace(':stateMachine:', ':execution:')}:${name}`;
    const input = JSON.parse(inputJson);
    const existing = this.executions.get(key);
    if (existing) {
      return existing.status === 'RUNNING' && JSON.stringify(existing.input) === JSON.stringify(input) ? { executionArn, startDate: new Date() } : 'exists';
    }
    const startDate = this.clock.now();
    const execution: LocalExecution = { name, stateMachine: arn.split(':').pop()!, status: 'RUNNING', startDate, stopDate: null, input, output: null, error: null, events: [] };
    this.executions.set(key, execution);
    this.published(arn, 'ExecutionsStarted');
    const context = {
      Execution: { Id: executionArn, Name: name, Input: input, StartTime: startDate.toISOString() },
      StateMachine: { Id: arn, Name: execution.stateMachine },
    };
    const timing: ExecutionTiming = { parkedUntil: null, inTaskSince: null };
    const run = entry.machine.run(input, { overrides: entry.overrides(timing) as any, noThrowOnAbort: true, context });
    this.running.add(run.abort);
    if (entry.timeoutMs !== null) void this.timeOut(arn, execution, timing, run.abort, new Date(startDate.getTime() + entry.timeoutMs));
    void (async () => {
      for await (const event of run.eventLogs) {
        const state = 'state' in event ? { state: event.state.name, stateType: entry.waits.has(event.state.name) ? 'Wait' : event.state.type } : {};
        execution.events.push({ type: event.type, ...state });
      }
    })();
    run.result
      .then(
        (output) => {
          if (execution.status !== 'RUNNING') return;
          execution.output = output;
          execution.status = output === null && this.stopped ? 'ABORTED' : 'SUCCEEDED';
          execution.stopDate = this.clock.now();
          this.published(arn, METRIC_OF[execution.status]);
        },
        (error: Error) => {
          if (execution.status !== 'RUNNING') return;
          execution.status = 'FAILED';
          execution.stopDate = this.clock.now();
          execution.error = error.message;
          this.published(arn, 'ExecutionsFailed');
          logger.error('local execution failed', { execution: name, stateMachine: execution.stateMachine, error: error.message });
        },
      )
      .finally(() => this.running.delete(run.abort));
    return { executionArn, startDate: new Date() };
  }

  /**
   * The execution ends TIMED_OUT (no Catch sees it) when the clock passes the state machine's
   * TimeoutSeconds while the execution was still within it: parked in a Wait due at or after the
   * deadline, or in a task entered before it. A move of the clock past the deadline that finds it in
   * a Wait due before the deadline lets that Wait and the states after it run first, as they would
   * have in time.
   */
  private async timeOut(arn: string, execution: LocalExecution, timing: ExecutionTiming, abort: () => void, deadline: Date): Promise<void> {
    while (!this.stopped && execution.status === 'RUNNING') {
      if (this.clock.now() < deadline) {
        await this.clock.sleepUntil(deadline, PARK_SLICE_MS);
        continue;
      }
      const parked = timing.parkedUntil;
      const overdue = parked !== null ? parked >= deadline : timing.inTaskSince !== null && timing.inTaskSince < deadline;
      if (overdue) break;
      await this.clock.nextMove(PARK_SLICE_MS);
    }
    if (this.stopped || execution.status !== 'RUNNING') return;
    execution.status = 'TIMED_OUT';
    execution.error = 'States.Timeout';
    execution.stopDate = this.clock.now();
    this.published(arn, 'ExecutionsTimedOut');
    abort();
  }

  stop(): void {
    this.stopped = true;
    for (const abort of this.running) abort();
  }
}
