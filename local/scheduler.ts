import { logger } from '#commons/logger';
import type { ControllableClock } from './clock.ts';
import type { LocalIam } from './iam.ts';
import type { InvokeResult } from './lambda-runtime.ts';
import type { LocalResources } from './resources.ts';
import { referencedId, resourcesOfType } from './template.ts';

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const UNIT_MS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;
/** A parked schedule wakes at least this often, so a stopped stack lets go of it. */
const PARK_SLICE_MS = 30_000;

export type LocalSchedule = {
  name: string;
  expression: string;
  functionId: string;
  roleId: string;
  input: unknown;
  everyMs: number;
  nextRunAt: Date;
  runs: number;
  lastResult: InvokeResult | null;
};

/**
 * EventBridge Scheduler for the template's `AWS::Scheduler::Schedule`s that invoke a function at
 * a `rate(...)`: each fires on the stack's movable clock (a move past several periods fires once,
 * as a late scheduler would, so the targets must be idempotent), with its role checked for
 * `lambda:InvokeFunction` on the target. `POST /local/schedules/{name}` fires one now.
 */
export class LocalScheduler {
  readonly schedules = new Map<string, LocalSchedule>();
  private stopped = false;

  constructor(
    private readonly resources: LocalResources,
    private readonly iam: LocalIam,
    private readonly invoke: (functionId: string, event: unknown) => Promise<InvokeResult>,
    private readonly clock: ControllableClock,
  ) {
    for (const [name, resource] of resourcesOfType(resources.template, 'AWS::Scheduler::Schedule')) {
      const { ScheduleExpression, Target, State } = resource.Properties;
      if (State === 'DISABLED') continue;
      const rate = RATE.exec(String(ScheduleExpression));
      const functionId = referencedId(Target.Arn);
      const roleId = referencedId(Target.RoleArn);
      if (!rate || !functionId || resources.typeOf(functionId) !== 'AWS::Lambda::Function' || !roleId) {
        throw new Error(`${name}: the local stack runs only rate(...) schedules that invoke a function of the template`);
      }
      const everyMs = Number(rate[1]) * UNIT_MS[rate[2]!.replace(/s$/, '') as keyof typeof UNIT_MS];
      this.schedules.set(name, {
        name,
        expression: String(ScheduleExpression),
        functionId,
        roleId,
        input: Target.Input === undefined ? {} : JSON.parse(String(resources.resolve(Target.Input))),
        everyMs,
        nextRunAt: new Date(clock.now().getTime() + everyMs),
        runs: 0,
        lastResult: null,
      });
    }
    for (const schedule of this.schedules.values()) void this.keep(schedule);
  }

  /** Fires a schedule now, as its due time would: the target is invoked with the schedule's role. */
  async fire(name: string): Promise<InvokeResult> {
    const schedule = this.schedules.get(name);
    if (!schedule) throw new Error(`No schedule ${name}`);
    const targetArn = this.resources.getAtt(schedule.functionId, 'Arn');
    schedule.runs++;
    if (!(await this.iam.roleAllows(schedule.roleId, 'scheduler', 'lambda:InvokeFunction', targetArn))) {
      schedule.lastResult = { ok: false, error: { errorType: 'AccessDeniedException', errorMessage: `${schedule.roleId} may not invoke ${schedule.functionId}` } };
    } else {
      schedule.lastResult = await this.invoke(schedule.functionId, schedule.input);
    }
    if (!schedule.lastResult.ok) logger.error('local schedule failed', { schedule: name, error: schedule.lastResult.error });
    return schedule.lastResult;
  }

  stop(): void {
    this.stopped = true;
  }

  private async keep(schedule: LocalSchedule): Promise<void> {
    while (!this.stopped) {
      await this.clock.sleepUntil(schedule.nextRunAt, PARK_SLICE_MS);
      if (this.stopped || this.clock.now() < schedule.nextRunAt) continue;
      schedule.nextRunAt = new Date(this.clock.now().getTime() + schedule.everyMs);
      await this.fire(schedule.name);
    }
  }
}
