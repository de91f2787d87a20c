import { CfnElement, Duration, Validations } from 'aws-cdk-lib';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import { StewardFunction } from './functions.ts';

/** How often corp-days that are over get their digest: a day's digest lands within this after midnight UTC. */
const DIGEST_EVERY = Duration.hours(1);

/**
 * A scheduled task (EventBridge Scheduler) that writes each finished corp-day's digest of the file log
 * into the Object Lock bucket, from the seals there. It reads the marks ingestion leaves in the file log
 * table and clears them; in the bucket it reads seals and adds digests, nothing else.
 */
export class FileLogDigester extends Construct {
  readonly fn: StewardFunction;

  constructor(scope: Construct, id: string, props: { fileLogTable: TableV2; fileLogBucket: IBucket }) {
    super(scope, id);
    this.fn = new StewardFunction(this, 'Function', {
      entry: 'functions/tasks/digest-file-log.ts',
      timeout: Duration.minutes(5),
      environment: { FILE_LOG_TABLE: props.fileLogTable.tableName, FILE_LOG_BUCKET: props.fileLogBucket.bucketName },
    });
    // A failed run is made up by the next one: the marks stay until their digest is written.
    this.fn.configureAsyncInvoke({ retryAttempts: 0 });
    props.fileLogTable.grant(this.fn, 'dynamodb:Query', 'dynamodb:DeleteItem');
    this.fn.addToRolePolicy(new PolicyStatement({ actions: ['s3:ListBucket'], resources: [props.fileLogBucket.bucketArn] }));
    this.fn.addToRolePolicy(new PolicyStatement({ actions: ['s3:GetObject'], resources: [props.fileLogBucket.arnForObjects('seals/*')] }));
    this.fn.addToRolePolicy(new PolicyStatement({ actions: ['s3:PutObject'], resources: [props.fileLogBucket.arnForObjects('digests/*')] }));
    new Schedule(this, 'Schedule', {
      description: "Writes the file log's daily digests of corp-days that are over",
      schedule: ScheduleExpression.rate(DIGEST_EVERY),
      target: new LambdaInvoke(this.fn, { input: ScheduleTargetInput.fromObject({ digest: 'file-log' }), retryAttempts: 0 }),
    });
    Validations.of(this.fn.stack).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${this.fn.stack.getLogicalId(this.fn.node.defaultChild as CfnElement)}.Arn>:*]`,
      reason: "The scheduler's role (made by the LambdaInvoke target) may invoke the digester and its versions or aliases, nothing else.",
    });
  }
}
