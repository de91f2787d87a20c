import { readFileSync } from 'node:fs';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/app.ts';
import { ALARM_DEFAULTS } from '../../infra/operations.ts';

/** Template-only, like every infra test: bundling is skipped. */
const synth = (context: Record<string, unknown> = {}) => {
  const { app, stack } = buildApp({ 'aws:cdk:bundling-stacks': [], ...context });
  return { stack, template: Template.fromJSON(app.synth().getStackByName(stack.stackName).template) };
};
const { stack, template } = synth();
const resources = (type: string) => Object.entries(template.findResources(type));
type AlarmProperties = {
  id: string;
  AlarmDescription: string;
  AlarmActions: unknown[];
  Namespace?: string;
  MetricName?: string;
  Dimensions?: unknown[];
  Threshold: number;
  Period?: number;
  EvaluationPeriods: number;
  DatapointsToAlarm?: number;
  TreatMissingData?: string;
  Metrics?: { MetricStat?: { Metric: Record<string, unknown> } }[];
};
const alarms: AlarmProperties[] = resources('AWS::CloudWatch::Alarm').map(([id, r]) => ({ id, ...r.Properties }));
const alarmsWith = (pattern: RegExp) => alarms.filter((a) => pattern.test(String(a.AlarmDescription)));
const functionIds = resources('AWS::Lambda::Function').map(([id]) => id);
const machineIds = resources('AWS::StepFunctions::StateMachine').map(([id]) => id);
const topicId = resources('AWS::SNS::Topic')[0]![0];
const runbook = readFileSync('docs/runbook.md', 'utf8');

/** The alarm's (single) metric, or its math expression's metrics. */
const metricsOf = (alarm: AlarmProperties) =>
  alarm.MetricName
    ? [{ Namespace: alarm.Namespace, MetricName: alarm.MetricName, Dimensions: alarm.Dimensions }]
    : (alarm.Metrics ?? []).flatMap((m) => (m.MetricStat ? [m.MetricStat.Metric] : []));

describe('operations', () => {
  it('stays clean under cdk-nag', () => {
    expect(Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-'))).toEqual([]);
  });

  it('sends every alarm to one encrypted SNS topic, which is a stack output', () => {
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasOutput('AlarmTopicArn', { Value: { Ref: topicId } });
    expect(alarms.length).toBeGreaterThan(0);
    for (const alarm of alarms) expect(alarm.AlarmActions).toEqual([{ Ref: topicId }]);
  });

  it('alarms on failed, timed-out and aborted executions of every state machine', () => {
    expect(machineIds).toHaveLength(5);
    for (const machine of machineIds) {
      for (const metricName of ['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted']) {
        const matching = alarms.filter(
          (a) => a.Namespace === 'AWS/States' && a.MetricName === metricName && JSON.stringify(a.Dimensions).includes(machine),
        );
        expect(matching, `${metricName} of ${machine}`).toHaveLength(1);
        expect(matching[0]).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', Statistic: 'Sum' });
      }
    }
  });

  it('alarms on errors and throttles of every function', () => {
    expect(functionIds).toHaveLength(24);
    for (const fn of functionIds) {
      for (const [metricName, threshold] of [['Errors', ALARM_DEFAULTS.functionErrors], ['Throttles', ALARM_DEFAULTS.functionThrottles]] as const) {
        const matching = alarms.filter((a) => metricsOf(a).some((m) => m.Namespace === 'AWS/Lambda' && m.MetricName === metricName && JSON.stringify(m.Dimensions).includes(`"${fn}"`)));
        expect(matching, `${metricName} of ${fn}`).toHaveLength(1);
        expect(matching[0]!.Threshold).toBe(threshold);
      }
    }
  });

  it("leaves TransferAssets' retried-by-design failures (asset service unreachable) out of its errors alarm", () => {
    const transfer = functionIds.find((id) => id.startsWith('TransferAssets'))!;
    const [errors] = alarms.filter((a) => metricsOf(a).some((m) => m.MetricName === 'Errors' && JSON.stringify(m.Dimensions).includes(`"${transfer}"`)));
    expect(metricsOf(errors!).map((m) => [m.Namespace, m.MetricName])).toEqual([
      ['AWS/Lambda', 'Errors'],
      ['Steward', 'AssetServiceUnavailable'],
    ]);
    const queries = (errors as unknown as { Metrics: { Expression?: string }[] }).Metrics;
    expect(queries.find((m) => m.Expression)!.Expression).toBe('errors - FILL(expected, 0)');
  });

  it("alarms on the API's 5xx rate and p99 latency", () => {
    const [rate] = alarmsWith(/5xx/);
    expect(rate!.Threshold).toBe(ALARM_DEFAULTS.apiServerErrorPercent);
    expect(metricsOf(rate!).map((m) => [m.Namespace, m.MetricName])).toEqual([
      ['AWS/ApiGateway', '5xx'],
      ['AWS/ApiGateway', 'Count'],
    ]);
    const [latency] = alarmsWith(/p99 latency/);
    expect(latency).toMatchObject({ Namespace: 'AWS/ApiGateway', MetricName: 'Latency', ExtendedStatistic: 'p99', Threshold: ALARM_DEFAULTS.apiLatencyP99Ms });
  });

  it('alarms on overdue invoices, long-running handovers and the sweeper’s repairs, from the business metrics', () => {
    for (const [metricName, threshold] of [
      ['InvoicesOverdue', ALARM_DEFAULTS.invoicesOverdue],
      ['HandoversRunningLong', ALARM_DEFAULTS.handoversRunningLong],
      ['StuckWorkRepaired', ALARM_DEFAULTS.stuckWorkRepaired],
    ] as const) {
      const matching = alarms.filter((a) => a.Namespace === 'Steward' && a.MetricName === metricName);
      expect(matching, metricName).toHaveLength(1);
      expect(matching[0]).toMatchObject({ Threshold: threshold, Dimensions: [{ Name: 'service', Value: 'steward' }] });
    }
  });

  it('alarms when every call to the invoice issuer has failed in 20 of the last 24 hours', () => {
    const [down] = alarmsWith(/invoice issuer/);
    expect(down).toMatchObject({ Threshold: 1, EvaluationPeriods: 24, DatapointsToAlarm: ALARM_DEFAULTS.invoiceIssuerDownHours, TreatMissingData: 'notBreaching' });
    expect(metricsOf(down!)).toEqual(
      ['issued', 'pending', 'failed'].map((result) => ({
        Namespace: 'Steward',
        MetricName: 'InvoiceIssuerCalls',
        Dimensions: expect.arrayContaining([{ Name: 'service', Value: 'steward' }, { Name: 'result', Value: result }]),
      })),
    );
    const queries = (down as unknown as { Metrics: { Expression?: string; MetricStat?: { Period: number } }[] }).Metrics;
    expect(queries.find((m) => m.Expression)!.Expression).toBe('IF(failed > 0 AND FILL(issued, 0) + FILL(pending, 0) == 0, 1, 0)');
    expect(queries.flatMap((m) => (m.MetricStat ? [m.MetricStat.Period] : []))).toEqual([3600, 3600, 3600]);
  });

  it('alarms when a webhook source has been answered 5xx for an hour (four quarter hours in a row)', () => {
    for (const source of ['billing', 'hr', 'assets', 'files']) {
      const matching = alarms.filter((a) => a.MetricName === 'WebhookDeliveries' && JSON.stringify(a.Dimensions).includes(`"${source}"`));
      expect(matching, source).toHaveLength(1);
      expect(matching[0]).toMatchObject({
        Namespace: 'Steward',
        Threshold: ALARM_DEFAULTS.webhookFailuresPerQuarterHour,
        Period: 900,
        EvaluationPeriods: 4,
        Dimensions: expect.arrayContaining([{ Name: 'result', Value: 'failed' }, { Name: 'source', Value: source }]),
      });
    }
  });

  it('alarms on DynamoDB throttles of both tables', () => {
    const throttles = alarmsWith(/DynamoDB throttled/);
    expect(throttles).toHaveLength(2);
    for (const alarm of throttles) {
      expect(metricsOf(alarm).map((m) => m.MetricName)).toEqual(['ReadThrottleEvents', 'WriteThrottleEvents']);
      expect(alarm.Threshold).toBe(ALARM_DEFAULTS.dynamoDbThrottles);
    }
  });

  it('takes thresholds from CDK context', () => {
    const overridden = synth({ apiServerErrorPercent: '5', functionErrors: 3 }).template;
    const thresholds = Object.values(overridden.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties);
    expect(thresholds.find((a) => /5xx/.test(a.AlarmDescription))!.Threshold).toBe(5);
    expect(thresholds.filter((a) => a.MetricName === 'Errors').every((a) => a.Threshold === 3)).toBe(true);
  });

  it('draws one dashboard: the lifecycle first, then alarms, functions and workflows', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    const body = JSON.stringify(Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0]!.Properties.DashboardBody);
    for (const title of ['Seats', 'Handovers', 'Invoices', 'Webhook deliveries', 'Decisions', 'Alarms']) expect(body).toContain(`\\"title\\":\\"${title}\\"`);
    expect(body.indexOf('SeatsAllocated')).toBeLessThan(body.indexOf('AWS/Lambda'));
    for (const fn of functionIds) expect(body).toContain(fn);
  });

  it('gives every function Tracer and Metrics: active tracing, service name and metrics namespace', () => {
    for (const [, fn] of resources('AWS::Lambda::Function')) {
      expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
      expect(fn.Properties.Environment.Variables).toMatchObject({ POWERTOOLS_SERVICE_NAME: 'steward', POWERTOOLS_METRICS_NAMESPACE: 'Steward' });
    }
  });

  it('has a runbook entry for every alarm', () => {
    for (const alarm of alarms) {
      const anchor = String(alarm.AlarmDescription).match(/docs\/runbook\.md#([\w-]+)/)![1]!;
      expect(runbook, anchor).toMatch(new RegExp(`<a id="${anchor}"></a>`));
    }
  });
});
