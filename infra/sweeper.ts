import { CfnElement, Duration, Validations } from 'aws-cdk-lib';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { StewardFunction } from './functions.ts';
import { grantDescribeExecutions } from './workflows.ts';

/** How often stuck handovers and invoices are looked for; a record counts as stuck only well after this. */
export const SWEEP_EVERY = Duration.minutes(15);

/**
 * A scheduled task (EventBridge Scheduler) that finds handovers and invoices whose workflow is not
 * running (never started, failed, timed out) and restarts them or closes them `failed` with an alert.
 * It may start and describe executions of the workflows it watches, and nothing else in Step Functions.
 */
export class StuckWorkSweeper extends Construct {
  readonly fn: StewardFunction;

  constructor(
    scope: Construct,
    id: string,
    props: {
      table: TableV2;
      bucket: IBucket;
      reportsPrefix: string;
      environment: Record<string, string>;
      watched: StateMachine[];
    },
  ) {
    super(scope, id);
    this.fn = new StewardFunction(this, 'Function', {
      entry: 'functions/tasks/sweep-stuck-work.ts',
      timeout: Duration.minutes(5),
      environment: props.environment,
    });
    // The scheduler invokes asynchronously; a failed sweep is made up by the next run, not retried.
    this.fn.configureAsyncInvoke({ retryAttempts: 0 });
    props.table.grantReadWriteData(this.fn);
    // A handover closed by the sweeper gets its report, like one closed by its own workflow.
    this.fn.addToRolePolicy(new PolicyStatement({ actions: ['s3:PutObject'], resources: [props.bucket.arnForObjects(`${props.reportsPrefix}*`)] }));
    this.fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['events:PutEvents'],
        resources: [this.fn.stack.formatArn({ service: 'events', resource: 'event-bus', resourceName: 'default' })],
      }),
    );
    for (const machine of props.watched) {
      machine.grantStartExecution(this.fn);
      grantDescribeExecutions(this.fn, machine);
    }
    new Schedule(this, 'Schedule', {
      description: 'Restarts or closes handovers and invoices whose workflow is not running',
      schedule: ScheduleExpression.rate(SWEEP_EVERY),
      // A missed run is made up by the next one; the sweep is idempotent.
      target: new LambdaInvoke(this.fn, { input: ScheduleTargetInput.fromObject({ sweep: 'stuck-work' }), retryAttempts: 0 }),
    });
    Validations.of(this.fn.stack).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${this.fn.stack.getLogicalId(this.fn.node.defaultChild as CfnElement)}.Arn>:*]`,
      reason: "The scheduler's role (made by the LambdaInvoke target) may invoke the sweeper and its versions or aliases, nothing else.",
    });
  }
}
