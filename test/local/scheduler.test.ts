import { describe, expect, it, vi } from 'vitest';
import { ControllableClock } from '../../local/clock.ts';
import { LocalIam } from '../../local/iam.ts';
import { LocalResources } from '../../local/resources.ts';
import { LocalScheduler } from '../../local/scheduler.ts';

const templateWith = (grant: boolean) => ({
  Resources: {
    Sweep: { Type: 'AWS::Lambda::Function', Properties: {} },
    SchedulerRole: { Type: 'AWS::IAM::Role', Properties: {} },
    SchedulerRolePolicy: {
      Type: 'AWS::IAM::Policy',
      Properties: {
        Roles: [{ Ref: 'SchedulerRole' }],
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: grant ? { 'Fn::GetAtt': ['Sweep', 'Arn'] } : 'arn:aws-cn:lambda:cn-north-1:000000000000:function:Other' }],
        },
      },
    },
    SweepSchedule: {
      Type: 'AWS::Scheduler::Schedule',
      Properties: {
        ScheduleExpression: 'rate(15 minutes)',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: { Arn: { 'Fn::GetAtt': ['Sweep', 'Arn'] }, RoleArn: { 'Fn::GetAtt': ['SchedulerRole', 'Arn'] }, Input: '{"sweep":"stuck-work"}' },
      },
    },
  },
});

const schedulerFor = (grant: boolean) => {
  const clock = new ControllableClock();
  const resources = new LocalResources(templateWith(grant));
  const calls: unknown[] = [];
  const scheduler = new LocalScheduler(resources, new LocalIam(resources), async (functionId, event) => (calls.push({ functionId, event }), { ok: true, result: 'swept' }), clock);
  return { clock, calls, scheduler };
};

/** EventBridge Scheduler as the template declares it: rate schedules on the movable clock, their role checked. */
describe('local scheduler', () => {
  it('fires a rate schedule when the clock passes its next run, once per move, with its input', async () => {
    const { clock, calls, scheduler } = schedulerFor(true);
    clock.advance(10 * 60_000);
    expect(calls).toHaveLength(0);
    clock.advance(6 * 60_000);
    await vi.waitFor(() => expect(calls).toEqual([{ functionId: 'Sweep', event: { sweep: 'stuck-work' } }]));
    clock.advance(3 * 3600_000);
    await vi.waitFor(() => expect(calls).toHaveLength(2));
    expect(await scheduler.fire('SweepSchedule')).toEqual({ ok: true, result: 'swept' });
    expect(calls).toHaveLength(3);
    scheduler.stop();
    clock.release();
  });

  it('does not invoke a target its role may not invoke', async () => {
    const { clock, calls, scheduler } = schedulerFor(false);
    expect(await scheduler.fire('SweepSchedule')).toMatchObject({ ok: false, error: { errorType: 'AccessDeniedException' } });
    expect(calls).toHaveLength(0);
    scheduler.stop();
    clock.release();
  });
});
