import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CloudAssembly } from '../../local/assembly.ts';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { testAssembly } from '../support/assembly.ts';
import { corpScenario } from '../support/offboarding.ts';
import { client, eventually } from './client.ts';

/*
 * Operations (issue 18) on the local stack running the synthesised bundles: a workflow made to fail
 * by an injected fault publishes the metric its alarm watches, and the handlers' business metrics
 * arrive as EMF lines in their output, as CloudWatch Logs would extract them.
 */
let stack: LocalStack;
let assembly: CloudAssembly;
let api: ReturnType<typeof client>;

beforeAll(async () => {
  assembly = await testAssembly();
  stack = await startLocalStack({ from: assembly.dir, logs: 'file' });
  api = client(stack.url);
  await api.local('POST', '/local/clock', { now: '2026-06-01T08:00:00Z' });
});
afterAll(() => stack?.stop());
afterEach(() => fetch(`${stack.url}/local/faults`, { method: 'DELETE' }));

type AlarmProperties = { MetricName?: string; Namespace?: string; Threshold: number; Dimensions?: { Name: string; Value: unknown }[] };
const alarms = () =>
  Object.values(assembly.template.Resources)
    .filter((r) => r.Type === 'AWS::CloudWatch::Alarm')
    .map((r) => r.Properties as AlarmProperties);

describe('operations on the local stack', () => {
  it("publishes the execution-failed metric of a workflow that failed, on the dimension its alarm watches", async () => {
    const corp = corpScenario(api, 'ops-seat-lock');
    await corp.hire('ann');
    await corp.buySeats(2);
    // Every LockSeat call fails: its retries run out, the Catch goes to SeatLockFailed, the execution fails.
    await api.local('POST', '/local/faults', { target: 'function:LockSeat' });
    const given = await corp.giveSeats('ann');
    expect(given.status).toBeLessThan(300);

    const alarm = alarms().find(
      (a) => a.Namespace === 'AWS/States' && a.MetricName === 'ExecutionsFailed' && JSON.stringify(a.Dimensions).includes('WorkflowsSeatLock'),
    )!;
    expect(alarm.Dimensions).toEqual([{ Name: 'StateMachineArn', Value: { Ref: expect.stringMatching(/^WorkflowsSeatLock/) } }]);
    // The state machine's ARN, as the alarm's dimension resolves on the local stack.
    const seatLock = stack.resourceName((alarm.Dimensions![0]!.Value as { Ref: string }).Ref);
    expect(seatLock).toMatch(/:stateMachine:/);
    expect(stack.metrics.find('AWS/States', 'ExecutionsFailed', { StateMachineArn: seatLock })).toEqual([]);

    // The revocation window (7 days) closes; the lock step runs and fails.
    await api.local('POST', '/local/clock', { advanceBy: 'P7DT1M' });
    const failed = await eventually(
      async () => stack.metrics.find('AWS/States', 'ExecutionsFailed', { StateMachineArn: seatLock }),
      (records) => records.length > 0,
    );
    expect(failed).toEqual([expect.objectContaining({ value: 1, source: 'states', dimensions: { StateMachineArn: seatLock } })]);
    expect(stack.metrics.sum('AWS/States', 'ExecutionsFailed', { StateMachineArn: seatLock })).toBeGreaterThanOrEqual(alarm.Threshold);
    expect(stack.metrics.sum('AWS/States', 'ExecutionsStarted', { StateMachineArn: seatLock })).toBe(1);
    // The same points over HTTP, as `npm start` serves them.
    const served = (await api.local('GET', '/local/metrics?namespace=AWS/States&name=ExecutionsFailed')).items as { dimensions: Record<string, string> }[];
    expect(served.filter((r) => r.dimensions.StateMachineArn === seatLock)).toHaveLength(failed.length);
  });

  it('reads the business metrics from the functions’ EMF output, with the service dimension and no corp', async () => {
    const corp = corpScenario(api, 'ops-business');
    await corp.hire('bo');
    await corp.buySeats(1);
    expect((await corp.giveSeats('bo')).status).toBeLessThan(300);

    const allocated = await eventually(async () => stack.metrics.find('Steward', 'SeatsAllocated'), (records) => records.length > 0);
    expect(allocated[0]).toMatchObject({ dimensions: { service: 'steward' }, unit: 'Count', source: expect.stringMatching(/^Seats/) });
    const deliveries = await eventually(
      async () => stack.metrics.find('Steward', 'WebhookDeliveries', { source: 'billing', result: 'accepted' }),
      (records) => records.length > 0,
    );
    expect(deliveries[0]!.dimensions).toEqual({ service: 'steward', source: 'billing', result: 'accepted' });
    for (const record of stack.metrics.records.filter((r) => r.namespace === 'Steward')) {
      expect(Object.keys(record.dimensions)).not.toContain('corpId');
    }
  });
});
