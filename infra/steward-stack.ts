import { CfnElement, CfnOutput, CfnParameter, Duration, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { Api } from './api.ts';
import { StewardFunction } from './functions.ts';
import { Storage } from './storage.ts';
import { Workflows } from './workflows.ts';

/** Composes storage, functions, workflows and the API; IAM grants are per function and per resource. */
export class StewardStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const issuer = new CfnParameter(this, 'AdminJwtIssuer', {
      description: 'Issuer (iss) of admin JWTs; its /.well-known/openid-configuration must be reachable.',
    });
    const audience = new CfnParameter(this, 'AdminJwtAudience', { description: 'Audience (aud) of admin JWTs.' });

    const { table } = new Storage(this, 'Storage');
    const data = { TABLE_NAME: table.tableName };

    const checkDue = new StewardFunction(this, 'CheckDue', { entry: 'functions/tasks/check-due.ts', timeout: Duration.seconds(25) });
    const syncOrder = new StewardFunction(this, 'SyncOrder', { entry: 'functions/tasks/sync-order.ts', environment: data });
    const lockSeat = new StewardFunction(this, 'LockSeat', { entry: 'functions/tasks/lock-seat.ts', environment: data });
    table.grantReadWriteData(syncOrder);
    table.grantReadWriteData(lockSeat);

    const workflows = new Workflows(this, 'Workflows', { checkDue, syncOrder, lockSeat });
    const flows = {
      PURCHASE_STATE_MACHINE_ARN: workflows.purchase.stateMachineArn,
      SEAT_LOCK_STATE_MACHINE_ARN: workflows.seatLock.stateMachineArn,
    };

    const webhook = (name: 'billing' | 'hr', fnId: string) => {
      const secret = new Secret(this, `${fnId}Secret`, {
        description: `Standard Webhooks secret (whsec_...) shared with the ${name} sender`,
      });
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason: 'The secret is shared with an external sender; rotation is coordinated with it (both secrets are accepted during a change).',
      });
      const fn = new StewardFunction(this, fnId, {
        entry: `functions/http/${name}-webhook.ts`,
        environment: { ...data, ...flows, [`STEWARD_${name.toUpperCase()}_WEBHOOK_SECRET_ARN`]: secret.secretArn },
      });
      secret.grantRead(fn);
      table.grantReadWriteData(fn);
      return fn;
    };
    const billing = webhook('billing', 'BillingWebhook');
    const hr = webhook('hr', 'HrWebhook');
    workflows.purchase.grantStartExecution(billing);

    const seats = new StewardFunction(this, 'Seats', { entry: 'functions/http/seats.ts', environment: { ...data, ...flows } });
    table.grantReadWriteData(seats);
    workflows.seatLock.grantStartExecution(seats);
    const health = new StewardFunction(this, 'Health', { entry: 'functions/http/health.ts' });

    const api = new Api(this, 'Api', {
      issuer: issuer.valueAsString,
      audience: audience.valueAsString,
      routes: [
        { method: HttpMethod.GET, path: '/health', fn: health, admin: false },
        { method: HttpMethod.POST, path: '/webhooks/billing', fn: billing, admin: false },
        { method: HttpMethod.POST, path: '/webhooks/hr', fn: hr, admin: false },
        { method: HttpMethod.GET, path: '/corps/{corpId}/seats', fn: seats, admin: true },
        { method: HttpMethod.GET, path: '/corps/{corpId}/orders', fn: seats, admin: true },
        { method: HttpMethod.POST, path: '/corps/{corpId}/seats/allocations', fn: seats, admin: true },
        { method: HttpMethod.GET, path: '/corps/{corpId}/seats/allocations', fn: seats, admin: true },
        { method: HttpMethod.GET, path: '/corps/{corpId}/seats/allocations/{memberId}', fn: seats, admin: true },
        { method: HttpMethod.DELETE, path: '/corps/{corpId}/seats/allocations/{memberId}', fn: seats, admin: true },
      ],
    });

    this.acknowledgeManagedFindings(table, [checkDue, syncOrder, lockSeat]);
    new CfnOutput(this, 'ApiUrl', { value: api.httpApi.apiEndpoint });
  }

  /** Findings that come from AWS-managed building blocks, each with its reason. */
  private acknowledgeManagedFindings(table: TableV2, taskFunctions: StewardFunction[]): void {
    const stack = Validations.of(this);
    const arnOf = (resource: Construct) => `<${this.getLogicalId(resource.node.defaultChild as CfnElement)}.Arn>`;
    stack.acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray PutTraceSegments/PutTelemetryRecords accept no resource other than *.',
    });
    stack.acknowledge({
      id: `AwsSolutions-IAM5[Resource::${arnOf(table)}/index/*]`,
      reason: "Grants cover the table's own indexes (GSI1, the seat-holder index), nothing else.",
    });
    for (const fn of taskFunctions) {
      stack.acknowledge({
        id: `AwsSolutions-IAM5[Resource::${arnOf(fn)}:*]`,
        reason: 'State machines may invoke any version or alias of their own task function, as LambdaInvoke requires.',
      });
    }
    stack.acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'The AWS-managed basic execution policy only lets a function write its own CloudWatch logs.',
    });
    stack.acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'Node.js 22 is the runtime the service is built and tested on (Powertools, middy 6); upgrades are deliberate.',
    });
  }
}
