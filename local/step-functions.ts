import { StateMachine } from 'aws-local-stepfunctions';
import type { WorkflowName, WorkflowStarter } from '#ports/workflows';
import { STATE_MACHINE_ENV } from '#adapters/aws/sfn-workflow-starter';
import { logger } from '#commons/logger';
import { allStates, resourcesOfType, stateMachineDefinition, type CfnTemplate } from './template.ts';

export type LocalExecution = {
  name: string;
  stateMachine: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';
  input: unknown;
  output: unknown;
  error: string | null;
  events: { type: string; state?: string; stateType?: string }[];
};

type Invoke = (functionLogicalId: string, payload: unknown) => Promise<unknown>;

const LOCAL_FUNCTION_ARN = 'arn:aws:lambda:cn-north-1:000000000000:function:';
export const localStateMachineArn = (logicalId: string) => `arn:aws:states:cn-north-1:000000000000:stateMachine:${logicalId}`;

/**
 * Runs the synthesised state machines in-process. Task states call the same handlers as on AWS;
 * Wait states pass at once because the timer task parks on the local clock instead.
 */
export class LocalStepFunctions implements WorkflowStarter {
  readonly executions = new Map<string, LocalExecution>();
  private readonly machines = new Map<string, { machine: StateMachine; overrides: object }>();
  private readonly running = new Set<() => void>();

  constructor(template: CfnTemplate, invoke: Invoke) {
    for (const [logicalId, resource] of resourcesOfType(template, 'AWS::StepFunctions::StateMachine')) {
      // Execution timeouts count real time, which the movable clock makes meaningless; a year also
      // overflows Node's timer limit (about 24.8 days) and would fire at once.
      const { TimeoutSeconds: _realTime, ...definition } = stateMachineDefinition(resource, (id) => `${LOCAL_FUNCTION_ARN}${id}`) as ReturnType<typeof stateMachineDefinition> & { TimeoutSeconds?: number };
      const tasks: Record<string, (input: any) => Promise<any>> = {};
      const waits: Record<string, number> = {};
      const retries: Record<string, number> = {};
      for (const [name, state] of allStates(definition.States)) {
        if (state.Type === 'Task') {
          // Tasks invoke their function directly (LambdaInvoke with payloadResponseOnly); any other
          // integration would hand the handler a different payload, so it is refused here.
          const resource = String(state.Resource);
          if (!resource.startsWith(LOCAL_FUNCTION_ARN)) {
            throw new Error(`${logicalId}.${name}: the local stack runs only direct Lambda tasks, not ${resource}`);
          }
          const fn = resource.slice(LOCAL_FUNCTION_ARN.length);
          tasks[name] = (input) => invoke(fn, input) as Promise<any>;
          retries[name] = 50;
        }
        if (state.Type === 'Wait') waits[name] = 0;
      }
      this.machines.set(localStateMachineArn(logicalId), {
        machine: new StateMachine(definition as any, { validationOptions: { checkArn: false } }),
        overrides: { taskResourceLocalHandlers: tasks, waitTimeOverrides: waits, retryIntervalOverrides: retries },
      });
    }
  }

  async start(workflow: WorkflowName, executionName: string, input: Record<string, unknown>): Promise<void> {
    const arn = process.env[STATE_MACHINE_ENV[workflow]];
    const entry = arn ? this.machines.get(arn) : undefined;
    if (!arn || !entry) throw new Error(`No local state machine for ${workflow}`);
    const key = `${arn}/${executionName}`;
    if (this.executions.has(key)) return;
    const execution: LocalExecution = {
      name: executionName,
      stateMachine: arn.split(':').pop()!,
      status: 'RUNNING',
      input,
      output: null,
      error: null,
      events: [],
    };
    this.executions.set(key, execution);
    const run = entry.machine.run(input as any, { overrides: entry.overrides as any, noThrowOnAbort: true });
    this.running.add(run.abort);
    void (async () => {
      for await (const event of run.eventLogs) {
        execution.events.push({ type: event.type, ...('state' in event && { state: event.state.name, stateType: event.state.type }) });
      }
    })();
    run.result.then(
      (output) => {
        execution.output = output;
        execution.status = output === null && this.stopped ? 'ABORTED' : 'SUCCEEDED';
      },
      (error: Error) => {
        execution.status = 'FAILED';
        execution.error = error.message;
        logger.error('local execution failed', { execution: executionName, error: error.message });
      },
    ).finally(() => this.running.delete(run.abort));
  }

  private stopped = false;

  stop(): void {
    this.stopped = true;
    for (const abort of this.running) abort();
  }
}
