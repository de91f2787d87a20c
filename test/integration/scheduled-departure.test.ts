import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { client, eventually } from './client.ts';
import { corpScenario } from '../support/offboarding.ts';

/*
 * HR announces a departure ahead of its date: the member keeps the seat until then, the departure
 * workflow waits on the stack's movable clock, and a cancellation before the date keeps everything.
 */
let stack: LocalStack;
let api: ReturnType<typeof client>;

beforeAll(async () => {
  stack = await startLocalStack();
  api = client(stack.url);
  await api.local('POST', '/local/clock', { now: '2026-06-01T08:00:00Z' });
});
afterAll(() => stack?.stop());

const departure = (corpId: string, memberId: string, departedAt: string) => ({ type: 'employee.departed', data: { corpId, memberId, departedAt } });
const memberOf = async (corpId: string, memberId: string) => (await api.admin(corpId, 'GET', `/corps/${corpId}/members/${memberId}`)).body;
const poolOf = async (corpId: string) => (await api.admin(corpId, 'GET', `/corps/${corpId}/seats`)).body;
/** The member's departure executions once none is running (the emulator's own listing). */
const parsed = (value: unknown) => (typeof value === 'string' ? JSON.parse(value) : (value ?? {}));
const settledExecutions = (memberId: string) =>
  eventually(
    async () =>
      ((await api.local('GET', '/local/executions?stateMachine=Departure')).items as any[]).filter((e) => parsed(e.input).memberId === memberId),
    (list) => list.length > 0 && list.every((e) => e.status !== 'RUNNING'),
    600,
  );

describe('scheduled departure', () => {
  it('keeps the seat until a future departedAt, then releases it and offboards', { timeout: 180_000 }, async () => {
    const corpId = 'sched-later';
    const corp = corpScenario(api, corpId);
    await corp.hire('boss');
    await corp.hire('li', 'boss');
    await corp.buySeats(5);
    expect((await corp.giveSeats('li')).status).toBe(201);
    await corp.asset('doc', 'doc-of-li', 'li');

    expect((await api.webhook('hr', departure(corpId, 'li', '2026-06-15T09:00:00Z'))).status).toBe(202);
    expect((await api.webhook('hr', departure(corpId, 'li', '2026-06-15T09:00:00Z'))).status).toBe(202);
    expect(await api.admin(corpId, 'GET', `/corps/${corpId}/members/li`)).toMatchObject({
      status: 200,
      body: {
        memberId: 'li',
        name: 'Member li',
        managerId: 'boss',
        departmentId: null,
        status: 'active',
        departedAt: null,
        scheduledDeparture: { departedAt: '2026-06-15T09:00:00Z' },
        seat: { memberId: 'li', status: 'revocable' },
      },
    });
    expect(await poolOf(corpId)).toEqual({ purchased: 5, allocated: 1, available: 4 });
    expect(await corp.handoversOf('li')).toEqual([]);

    await api.local('POST', '/local/clock', { advanceBy: 'P15D' });
    expect(await corp.settledHandover('li')).toMatchObject({ fromMemberId: 'li', toMemberId: 'boss', mode: 'auto', status: 'succeeded' });
    expect(await memberOf(corpId, 'li')).toMatchObject({ status: 'departed', departedAt: '2026-06-15T09:00:00Z', scheduledDeparture: null, seat: null });
    expect(await poolOf(corpId)).toEqual({ purchased: 5, allocated: 0, available: 5 });
    expect((await corp.owned('boss')).map((a) => a.assetId)).toEqual(['doc-of-li']);
    // Both deliveries started one execution, which waited and applied the departure once.
    const executions = await settledExecutions('li');
    expect(executions.map((e) => e.status)).toEqual(['SUCCEEDED']);
    expect(await corp.handoversOf('li')).toHaveLength(1);
  });

  it('a cancellation before the date keeps the member and the seat after it', { timeout: 120_000 }, async () => {
    const corpId = 'sched-cancel';
    const corp = corpScenario(api, corpId);
    await corp.hire('boss');
    await corp.hire('wang', 'boss');
    await corp.buySeats(5);
    expect((await corp.giveSeats('wang')).status).toBe(201);
    const now = (await api.local('GET', '/local/clock')).now as string;
    const departedAt = new Date(Date.parse(now) + 10 * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');

    expect((await api.webhook('hr', departure(corpId, 'wang', departedAt))).status).toBe(202);
    expect((await memberOf(corpId, 'wang')).scheduledDeparture).toEqual({ departedAt });
    expect((await api.webhook('hr', { type: 'employee.departure_cancelled', data: { corpId, memberId: 'wang' } })).status).toBe(202);
    expect((await memberOf(corpId, 'wang')).scheduledDeparture).toBeNull();

    await api.local('POST', '/local/clock', { advanceBy: 'P11D' });
    const executions = await settledExecutions('wang');
    expect(executions.map((e) => [e.status, parsed(e.output).departure?.applied])).toEqual([['SUCCEEDED', false]]);
    expect(await memberOf(corpId, 'wang')).toMatchObject({ status: 'active', departedAt: null, scheduledDeparture: null, seat: { memberId: 'wang', status: 'locked' } });
    expect(await poolOf(corpId)).toEqual({ purchased: 5, allocated: 1, available: 4 });
    expect(await corp.handoversOf('wang')).toEqual([]);
    expect((await api.admin(corpId, 'GET', `/corps/${corpId}/members/nobody`)).status).toBe(404);
  });

  it('an employee.upserted that clears departedAt cancels the scheduled departure; one that does not say keeps it', { timeout: 120_000 }, async () => {
    const corpId = 'sched-upsert';
    const corp = corpScenario(api, corpId);
    await corp.hire('zhao');
    const now = (await api.local('GET', '/local/clock')).now as string;
    const departedAt = new Date(Date.parse(now) + 5 * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    expect((await api.webhook('hr', departure(corpId, 'zhao', departedAt))).status).toBe(202);
    const upsert = (extra: object) => api.webhook('hr', { type: 'employee.upserted', data: { corpId, memberId: 'zhao', name: 'Zhao Wei', managerId: null, ...extra } });
    expect((await upsert({})).status).toBe(202);
    expect((await memberOf(corpId, 'zhao')).scheduledDeparture).toEqual({ departedAt });
    expect((await upsert({ departedAt: null })).status).toBe(202);
    expect(await memberOf(corpId, 'zhao')).toMatchObject({ name: 'Zhao Wei', status: 'active', scheduledDeparture: null });
  });
});
