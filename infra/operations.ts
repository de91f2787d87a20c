import { CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { BUSINESS_METRICS, METRICS_NAMESPACE, SERVICE_NAME, type BusinessMetric } from '../functions/commons/metric-names.ts';

/**
 * Alarm thresholds; each can be overridden through CDK context under its own name
 * (`cdk deploy -c apiServerErrorPercent=2`).
 */
export const ALARM_DEFAULTS = {
  /** Lambda errors per function in 5 minutes; an error is a failed invocation, not a 4xx answer. */
  functionErrors: 1,
  /** Throttled invocations per function in 5 minutes. */
  functionThrottles: 1,
  /** Share of API requests answered 5xx over 5 minutes, in percent (three periods in a row). */
  apiServerErrorPercent: 1,
  /** p99 of the API's latency over 5 minutes, in milliseconds (three periods in a row). */
  apiLatencyP99Ms: 3000,
  /** Invoices that passed their due date without being issued, in an hour. */
  invoicesOverdue: 1,
  /** Hours, of the last 24, in which every call to the invoice issuer failed: the issuer down for a day (a few hours without a call are tolerated). */
  invoiceIssuerDownHours: 20,
  /** Handovers still running past the stuck threshold, at any sweep. */
  handoversRunningLong: 1,
  /** Handovers and invoices the sweeper had to restart or close, in an hour. */
  stuckWorkRepaired: 1,
  /** Throttled DynamoDB requests per table in 5 minutes. */
  dynamoDbThrottles: 1,
  /** Deliveries of one webhook source answered 5xx in each quarter hour, four in a row: a sender failing for an hour. */
  webhookFailuresPerQuarterHour: 1,
} as const;

export type AlarmThresholds = { [K in keyof typeof ALARM_DEFAULTS]: number };

/** The defaults, with any context override (a number, or a string holding one). */
export const alarmThresholds = (scope: Construct): AlarmThresholds =>
  Object.fromEntries(
    Object.entries(ALARM_DEFAULTS).map(([name, fallback]) => {
      const override = scope.node.tryGetContext(name) as string | number | undefined;
      const value = override === undefined ? fallback : Number(override);
      if (!Number.isFinite(value)) throw new Error(`Context ${name} must be a number, got ${String(override)}`);
      return [name, value];
    }),
  ) as AlarmThresholds;

/** A business metric as CloudWatch stores it: Powertools adds the service dimension to every metric. */
export const businessMetric = (name: BusinessMetric, dimensions: Record<string, string> = {}, period = Duration.minutes(5)): Metric =>
  new Metric({
    namespace: METRICS_NAMESPACE,
    metricName: name,
    dimensionsMap: { service: SERVICE_NAME, ...dimensions },
    statistic: 'Sum',
    period,
  });

/** Every combination of a business metric's dimension values, one metric each (what the dashboard draws). */
const metricsByDimensions = (name: BusinessMetric): Metric[] => {
  const combinations = Object.entries(BUSINESS_METRICS[name] as Record<string, readonly string[]>).reduce<Record<string, string>[]>(
    (sets, [dimension, values]) => sets.flatMap((set) => values.map((value) => ({ ...set, [dimension]: value }))),
    [{}],
  );
  return combinations.map((dimensions) =>
    businessMetric(name, dimensions).with({ label: Object.values(dimensions).join(' ') || name }),
  );
};

export type OperationsProps = {
  functions: Record<string, LambdaFunction>;
  /**
   * Functions that fail on purpose, by the business metric counting those failures: a transfer call
   * the asset service could not be reached for fails so the workflow retries it after a wait. Their
   * errors alarm counts only the failures beyond those.
   */
  expectedFailures: Record<string, BusinessMetric>;
  stateMachines: Record<string, StateMachine>;
  httpApi: HttpApi;
  tables: Record<string, TableV2>;
};

/**
 * What an operator is told: one alarm per failure to act on, all to one SNS topic (a stack output),
 * and a dashboard drawn from the same metrics. Each alarm's description names its entry in
 * docs/runbook.md (test/infra/operations.test.ts checks the entry exists).
 */
export class Operations extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    const thresholds = alarmThresholds(this);
    // CloudWatch publishes to an encrypted topic only with a customer managed key it may use.
    const key = new Key(this, 'AlarmTopicKey', { description: 'Encrypts the alarm topic', enableKeyRotation: true });
    key.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.topic = new Topic(this, 'AlarmTopic', { displayName: 'Steward alarms', masterKey: key, enforceSSL: true });
    const notify = new SnsAction(this.topic);

    /** `entry`: the alarm's entry in docs/runbook.md (one per kind of alarm: every function's errors share one). */
    const alarm = (alarmId: string, entry: string, metric: IMetric, threshold: number, description: string, evaluationPeriods = 1, datapointsToAlarm = evaluationPeriods) => {
      const created = new Alarm(this, alarmId, {
        metric,
        threshold,
        evaluationPeriods,
        datapointsToAlarm,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        // No data is no failure: most of these metrics are written only when something happens.
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: `${description} Runbook: docs/runbook.md#${entry}`,
      });
      created.addAlarmAction(notify);
      this.alarms.push(created);
      return created;
    };

    for (const [name, machine] of Object.entries(props.stateMachines)) {
      alarm(`${name}ExecutionsFailed`, 'execution-failed', machine.metricFailed({ period: Duration.minutes(5) }), 1, `A ${name} workflow execution failed.`);
      alarm(`${name}ExecutionsTimedOut`, 'execution-timed-out', machine.metricTimedOut({ period: Duration.minutes(5) }), 1, `A ${name} workflow execution timed out.`);
      alarm(`${name}ExecutionsAborted`, 'execution-aborted', machine.metricAborted({ period: Duration.minutes(5) }), 1, `A ${name} workflow execution was aborted.`);
    }
    for (const name of Object.keys(props.expectedFailures)) {
      if (!props.functions[name]) throw new Error(`expectedFailures names ${name}, which is not a function of the stack`);
    }
    for (const [name, fn] of Object.entries(props.functions)) {
      const expected = props.expectedFailures[name];
      const errors = expected
        ? new MathExpression({
            expression: 'errors - FILL(expected, 0)',
            usingMetrics: { errors: fn.metricErrors({ period: Duration.minutes(5) }), expected: businessMetric(expected) },
            label: `${name} errors beyond ${expected}`,
            period: Duration.minutes(5),
          })
        : fn.metricErrors({ period: Duration.minutes(5) });
      alarm(`${name}Errors`, 'function-errors', errors, thresholds.functionErrors, `The ${name} function failed invocations.`);
      alarm(`${name}Throttles`, 'function-throttles', fn.metricThrottles({ period: Duration.minutes(5) }), thresholds.functionThrottles, `The ${name} function was throttled.`);
    }
    const apiServerErrorPercent = new MathExpression({
      expression: 'IF(requests > 0, 100 * errors / requests, 0)',
      usingMetrics: {
        errors: props.httpApi.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }),
        requests: props.httpApi.metricCount({ period: Duration.minutes(5), statistic: 'Sum' }),
      },
      label: 'API 5xx %',
      period: Duration.minutes(5),
    });
    alarm('ApiServerErrorRate', 'api-5xx-rate', apiServerErrorPercent, thresholds.apiServerErrorPercent, 'The API answers 5xx to more requests than it should.', 3);
    const apiLatencyP99 = props.httpApi.metricLatency({ period: Duration.minutes(5), statistic: 'p99' });
    alarm('ApiLatencyP99', 'api-latency-p99', apiLatencyP99, thresholds.apiLatencyP99Ms, "The API's p99 latency is above its budget.", 3);
    alarm('InvoicesOverdue', 'invoices-overdue', businessMetric('InvoicesOverdue', {}, Duration.hours(1)), thresholds.invoicesOverdue, 'An invoice passed its due date unissued.');
    // An hour counts when calls were made and none reached the issuer; an hour without a call is no data.
    const invoiceIssuerDown = new MathExpression({
      expression: 'IF(failed > 0 AND FILL(issued, 0) + FILL(pending, 0) == 0, 1, 0)',
      usingMetrics: Object.fromEntries(
        BUSINESS_METRICS.InvoiceIssuerCalls.result.map((result) => [result, businessMetric('InvoiceIssuerCalls', { result }, Duration.hours(1))]),
      ),
      label: 'Invoice issuer unreachable (hours)',
      period: Duration.hours(1),
    });
    alarm('InvoiceIssuerDown', 'invoice-issuer-down', invoiceIssuerDown, 1, 'Every call to the invoice issuer has failed for about a day.', 24, thresholds.invoiceIssuerDownHours);
    alarm(
      'HandoversRunningLong',
      'handovers-running-long',
      businessMetric('HandoversRunningLong', {}, Duration.minutes(15)).with({ statistic: 'Maximum' }),
      thresholds.handoversRunningLong,
      'A handover runs longer than its expected duration.',
    );
    for (const source of BUSINESS_METRICS.WebhookDeliveries.source) {
      const title = `${source[0]!.toUpperCase()}${source.slice(1)}`;
      alarm(
        `${title}WebhookFailing`,
        'webhook-failing',
        businessMetric('WebhookDeliveries', { source, result: 'failed' }, Duration.minutes(15)),
        thresholds.webhookFailuresPerQuarterHour,
        `The ${source} webhook's sender has been answered 5xx for an hour.`,
        4,
      );
    }
    alarm('StuckWorkRepaired', 'stuck-work-repaired', businessMetric('StuckWorkRepaired', {}, Duration.hours(1)), thresholds.stuckWorkRepaired, 'The sweeper restarted or closed stuck work.');
    for (const [name, table] of Object.entries(props.tables)) {
      const throttles = new MathExpression({
        expression: 'reads + writes',
        usingMetrics: {
          reads: table.metric('ReadThrottleEvents', { period: Duration.minutes(5), statistic: 'Sum' }),
          writes: table.metric('WriteThrottleEvents', { period: Duration.minutes(5), statistic: 'Sum' }),
        },
        label: `${name} throttle events`,
        period: Duration.minutes(5),
      });
      alarm(`${name}TableThrottles`, 'dynamodb-throttles', throttles, thresholds.dynamoDbThrottles, `DynamoDB throttled requests to the ${name} table.`);
    }

    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName: `${Stack.of(this).stackName}-operations`, defaultInterval: Duration.days(1) });
    const graph = (title: string, metrics: IMetric[], width = 8) => new GraphWidget({ title, left: metrics, width, height: 6 });
    this.dashboard.addWidgets(new TextWidget({ markdown: '# Lifecycle\nSeats, handovers and invoices; alarms below. Runbook: docs/runbook.md', width: 24, height: 2 }));
    this.dashboard.addWidgets(
      graph('Seats', [...metricsByDimensions('SeatsAllocated'), ...metricsByDimensions('SeatsRevoked'), ...metricsByDimensions('RevocationsLocked')]),
      graph('Handovers', [...metricsByDimensions('HandoversClosed'), ...metricsByDimensions('AssetsMoved'), ...metricsByDimensions('AssetServiceUnavailable'), ...metricsByDimensions('HandoversRunningLong')]),
      graph('Invoices', [...metricsByDimensions('InvoicesIssued'), ...metricsByDimensions('InvoicesOverdue'), ...metricsByDimensions('InvoiceIssuerCalls'), ...metricsByDimensions('StuckWorkRepaired')]),
    );
    this.dashboard.addWidgets(
      graph('Webhook deliveries', metricsByDimensions('WebhookDeliveries'), 12),
      graph('Decisions', metricsByDimensions('Decisions'), 12),
    );
    this.dashboard.addWidgets(new AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24, height: 6 }));
    this.dashboard.addWidgets(
      graph('API requests and 5xx %', [props.httpApi.metricCount({ period: Duration.minutes(5), statistic: 'Sum' }), apiServerErrorPercent], 12),
      graph('API latency p50 / p99', [props.httpApi.metricLatency({ statistic: 'p50' }), apiLatencyP99], 12),
    );
    this.dashboard.addWidgets(new TextWidget({ markdown: '## Workflows', width: 24, height: 1 }));
    this.dashboard.addWidgets(
      ...Object.entries(props.stateMachines).map(([name, machine]) =>
        graph(name, [machine.metricStarted(), machine.metricSucceeded(), machine.metricFailed(), machine.metricTimedOut(), machine.metricAborted()], 6),
      ),
    );
    this.dashboard.addWidgets(new TextWidget({ markdown: '## Functions', width: 24, height: 1 }));
    this.dashboard.addWidgets(
      ...Object.entries(props.functions).map(([name, fn]) =>
        new GraphWidget({
          title: name,
          left: [fn.metricInvocations(), fn.metricErrors(), fn.metricThrottles()],
          right: [fn.metricDuration({ statistic: 'p99' })],
          width: 6,
          height: 6,
        }),
      ),
    );
    this.dashboard.addWidgets(new TextWidget({ markdown: '## Tables', width: 24, height: 1 }));
    this.dashboard.addWidgets(
      ...Object.entries(props.tables).map(([name, table]) =>
        graph(name, [table.metric('ReadThrottleEvents', { statistic: 'Sum' }), table.metric('WriteThrottleEvents', { statistic: 'Sum' }), table.metricSuccessfulRequestLatency({ dimensionsMap: { TableName: table.tableName, Operation: 'Query' } })], 12),
      ),
    );

    new CfnOutput(Stack.of(this), 'AlarmTopicArn', { value: this.topic.topicArn, description: 'SNS topic every alarm notifies; subscribe the on-call here.' });
  }
}
