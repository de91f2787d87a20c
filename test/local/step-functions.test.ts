import { afterEach, describe, expect, it, vi } from 'vitest';
import { ControllableClock } from '../../local/clock.ts';
import { LocalResources } from '../../local/resources.ts';
import { LocalStepFunctions } from '../../local/step-functions.ts';

(Promise as any).withResolvers ??= function withResolvers<T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason?: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
};

const FUNCTION_ARN = 'arn:aws-cn:lambda:cn-north-1:000000000000:function:Slow';
const definition = {
  StartAt: 'WaitUntilDue',
  States: {
    WaitUntilDue: { Type: 'Wait', TimestampPath: '$.dueAt', Next: 'Work' },
    Work: { Type: 'Task', Resource: FUNCTION_ARN, End: true },
  },
};
const template = { Resources: { Timer: { Type: 'AWS::StepFunctions::StateMachine', Properties: { DefinitionString: JSON.stringify(definition) } } } };

/** Timers follow the stack's movable clock, and neither a parked Wait nor a long task times out as the emulator's 60 s default would. */
describe('local Step Functions', () => {
  afterEach(() => vi.useRealTimers());

  it('parks a Wait on the movable clock for as long as it takes, and lets a task run past 60 s', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const clock = new ControllableClock();
    const resources = new LocalResources(template);
    const invoked: unknown[] = [];
    const stepFunctions = new LocalStepFunctions(
      resources,
      async (_fn, payload) => {
        invoked.push(payload);
        await new Promise((resolve) => setTimeout(resolve, 90_000));
        return { done: true };
      },
      clock,
    );
    const arn = resources.ref('Timer');
    const dueAt = new Date(clock.now().getTime() + 30 * 24 * 3600 * 1000).toISOString();
    stepFunctions.startExecution(arn, 'timer-1', JSON.stringify({ dueAt }));
    const execution = () => stepFunctions.executions.get(`${arn}/timer-1`)!;

    await vi.advanceTimersByTimeAsync(5 * 60_000);
    expect(execution().status).toBe('RUNNING');
    expect(invoked).toHaveLength(0);

    clock.advance(31 * 24 * 3600 * 1000);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(invoked).toEqual([{ dueAt }]);
    expect(execution()).toMatchObject({ status: 'SUCCEEDED', output: { done: true } });
    stepFunctions.stop();
    clock.release();
  });

  it('times an execution out on the movable clock at its TimeoutSeconds, and DescribeExecution says so', async () => {
    const clock = new ControllableClock();
    const stuck = { Resources: { Stuck: { Type: 'AWS::StepFunctions::StateMachine', Properties: { DefinitionString: JSON.stringify({ ...definition, TimeoutSeconds: 3600 }) } } } };
    const resources = new LocalResources(stuck);
    let invoked = 0;
    const stepFunctions = new LocalStepFunctions(resources, async () => void invoked++, clock);
    const arn = resources.ref('Stuck');
    const dueAt = new Date(clock.now().getTime() + 2 * 3600 * 1000).toISOString();
    const { executionArn } = stepFunctions.startExecution(arn, 'stuck-1', JSON.stringify({ dueAt })) as { executionArn: string };
    expect(stepFunctions.describe(executionArn)).toMatchObject({ status: 'RUNNING', stateMachineArn: arn });

    clock.advance(3601 * 1000);
    await vi.waitFor(() => expect(stepFunctions.describe(executionArn)?.status).toBe('TIMED_OUT'));
    expect(stepFunctions.describe(executionArn)).toMatchObject({ error: 'States.Timeout', stopDate: expect.any(Date) });
    expect(invoked).toBe(0);
    expect(stepFunctions.describe(`${arn.replace(':stateMachine:', ':execution:')}:never-started`)).toBeUndefined();
    stepFunctions.stop();
    clock.release();
  });

  it('lets a Wait due before the timeout run first when the clock jumps past both, as it would have in time', async () => {
    const clock = new ControllableClock();
    const timed = { Resources: { Timed: { Type: 'AWS::StepFunctions::StateMachine', Properties: { DefinitionString: JSON.stringify({ ...definition, TimeoutSeconds: 3600 }) } } } };
    const resources = new LocalResources(timed);
    const stepFunctions = new LocalStepFunctions(resources, async () => ({ done: true }), clock);
    const dueAt = new Date(clock.now().getTime() + 30 * 60 * 1000).toISOString();
    const { executionArn } = stepFunctions.startExecution(resources.ref('Timed'), 'timed-1', JSON.stringify({ dueAt })) as { executionArn: string };

    clock.advance(2 * 3600 * 1000);
    await vi.waitFor(() => expect(stepFunctions.describe(executionArn)?.status).toBe('SUCCEEDED'));
    expect(stepFunctions.describe(executionArn)).toMatchObject({ output: { done: true }, error: null });
    stepFunctions.stop();
    clock.release();
  });
});
