import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { client, eventually } from './client.ts';
import { orderPaidEvent } from '../fixtures.ts';
import { adminToken } from '../../scripts/token.ts';
import { testAssembly } from '../support/assembly.ts';

let stack: LocalStack;
let api: ReturnType<typeof client>;

// The whole contract suite runs on the synthesised bundles, each function in its own containers.
beforeAll(async () => {
  stack = await startLocalStack({ from: (await testAssembly()).dir, logs: 'file' });
  api = client(stack.url);
});
afterAll(() => stack?.stop());

const order = (corpId: string, orderId: string, seats: number, end = '2027-01-01T00:00:00Z') =>
  orderPaidEvent(corpId, orderId, seats, { start: '2026-01-01T00:00:00Z', end });
const hire = (corpId: string, memberId: string) =>
  api.webhook('hr', { type: 'employee.upserted', data: { corpId, memberId, name: memberId, managerId: null, departmentId: 'd-1' } });

describe('HTTP contract on the local stack', () => {
  it('counts a redelivered order.paid once and rejects bad deliveries without writing', async () => {
    await api.local('POST', '/local/clock', { now: '2026-06-01T08:00:00Z' });
    const first = await api.webhook('billing', order('acme', 'o-1001', 50), 'msg_paid_1');
    expect(first).toEqual({ status: 202, body: { accepted: true, eventId: 'msg_paid_1' } });
    const again = await Promise.all(Array.from({ length: 20 }, () => api.webhook('billing', order('acme', 'o-1001', 50), 'msg_paid_1')));
    expect(again.every((r) => r.status === 202 && r.body.eventId === 'msg_paid_1')).toBe(true);
    expect((await api.admin('acme', 'GET', '/corps/acme/seats')).body).toEqual({ purchased: 50, allocated: 0, available: 50 });

    const wrongKey = await api.webhook('billing', order('acme', 'o-2', 10), undefined, { key: Buffer.from('nope') });
    const stale = await api.webhook('billing', order('acme', 'o-3', 10), undefined, { at: Date.now() - 3_600_000 });
    const unknownType = await api.webhook('billing', { type: 'order.lost', data: {} });
    expect([wrongKey.status, stale.status, unknownType.status]).toEqual([401, 401, 400]);
    expect(wrongKey.body.code).toBe('INVALID_SIGNATURE');
    expect(unknownType.body.code).toBe('VALIDATION_FAILED');
    expect((await api.admin('acme', 'GET', '/corps/acme/seats')).body).toEqual({ purchased: 50, allocated: 0, available: 50 });
    expect((await api.admin('acme', 'GET', '/corps/acme/orders')).body.items).toHaveLength(1);
  });

  it('grants exactly 20 of 50 concurrent allocations on a 20-seat pool', async () => {
    await api.webhook('billing', order('busy', 'o-1', 20));
    await Promise.all(Array.from({ length: 50 }, (_, i) => hire('busy', `m-${i}`)));
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => api.admin('busy', 'POST', '/corps/busy/seats/allocations', { memberIds: [`m-${i}`] })),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(20);
    const refused = results.filter((r) => r.status === 409);
    expect(refused).toHaveLength(30);
    expect(refused.every((r) => r.body.code === 'SEATS_EXHAUSTED' && r.type === 'application/problem+json')).toBe(true);
    expect((await api.admin('busy', 'GET', '/corps/busy/seats')).body).toMatchObject({ allocated: 20, available: 0 });
  });

  it('locks a seat through the seat-lock workflow when the clock passes revocableUntil', async () => {
    await api.local('POST', '/local/clock', { now: '2026-06-01T08:00:30Z' });
    await api.webhook('billing', order('lock', 'o-1', 2));
    await hire('lock', 'a');
    await hire('lock', 'b');
    const created = await api.admin('lock', 'POST', '/corps/lock/seats/allocations', { memberIds: ['a'] });
    expect(created.status).toBe(201);
    expect(created.body.allocations[0]).toMatchObject({ memberId: 'a', revocableUntil: '2026-06-08T08:00:00Z', status: 'revocable' });

    await api.local('POST', '/local/clock', { now: '2026-06-08T07:59:00Z' });
    const early = await api.admin('lock', 'POST', '/corps/lock/seats/allocations', { memberIds: ['b'] });
    expect((await api.admin('lock', 'DELETE', '/corps/lock/seats/allocations/b')).status).toBe(204);
    expect(early.status).toBe(201);

    await api.local('POST', '/local/clock', { advanceBy: 'PT1M' });
    const locked = await api.admin('lock', 'DELETE', '/corps/lock/seats/allocations/a');
    expect(locked.status).toBe(409);
    expect(locked.body).toMatchObject({ code: 'REVOCATION_LOCKED', revocableUntil: '2026-06-08T08:00:00Z' });
    expect((await api.admin('lock', 'GET', '/corps/lock/seats/allocations/a')).body.status).toBe('locked');

    const executions = await eventually(
      () => api.local('GET', '/local/executions?stateMachine=SeatLock'),
      (list) => list.items.some((e: any) => e.input.memberId === 'a' && e.input.corpId === 'lock' && e.status === 'SUCCEEDED'),
    );
    const lockOfA = executions.items.find((e: any) => e.input.memberId === 'a' && e.input.corpId === 'lock');
    expect(lockOfA.status).toBe('SUCCEEDED');
    expect(lockOfA.output.lock).toEqual({ locked: true });

    const departed = await api.webhook('hr', { type: 'employee.departed', data: { corpId: 'lock', memberId: 'a', departedAt: '2026-06-08T08:00:00Z' } });
    expect(departed.status).toBe(202);
    expect((await api.admin('lock', 'GET', '/corps/lock/seats')).body).toMatchObject({ allocated: 0, available: 2 });
    expect((await api.admin('lock', 'POST', '/corps/lock/seats/allocations', { memberIds: ['b'] })).status).toBe(201);
  });

  it('ends a seat-lock workflow harmlessly when the seat was revoked first', async () => {
    await api.local('POST', '/local/clock', { now: '2026-09-01T10:00:00Z' });
    await api.webhook('billing', order('early', 'o-1', 1));
    await hire('early', 'x');
    await api.admin('early', 'POST', '/corps/early/seats/allocations', { memberIds: ['x'] });
    expect((await api.admin('early', 'DELETE', '/corps/early/seats/allocations/x')).status).toBe(204);
    await api.local('POST', '/local/clock', { advanceBy: 'P8D' });
    const done = await eventually(
      () => api.local('GET', '/local/executions?stateMachine=SeatLock'),
      (list) => list.items.some((e: any) => e.input.corpId === 'early' && e.status === 'SUCCEEDED'),
    );
    const execution = done.items.find((e: any) => e.input.corpId === 'early');
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.output.lock).toEqual({ locked: false });
    expect((await api.admin('early', 'GET', '/corps/early/seats/allocations/x')).status).toBe(404);
  });

  it('runs the purchase workflow to completion when the term ends', async () => {
    await api.local('POST', '/local/clock', { now: '2026-06-01T08:00:00Z' });
    await api.webhook('billing', order('term', 'o-short', 5, '2026-07-01T00:00:00Z'));
    expect((await api.admin('term', 'GET', '/corps/term/seats')).body.purchased).toBe(5);
    await api.local('POST', '/local/clock', { now: '2026-07-01T00:00:01Z' });
    const done = await eventually(
      () => api.local('GET', '/local/executions?stateMachine=Purchase'),
      (list) => list.items.some((e: any) => e.input.corpId === 'term' && e.status === 'SUCCEEDED'),
    );
    expect(done.items.find((e: any) => e.input.corpId === 'term').status).toBe('SUCCEEDED');
    expect((await api.admin('term', 'GET', '/corps/term/seats')).body.purchased).toBe(0);
    expect((await api.admin('term', 'GET', '/corps/term/orders')).body.items[0].status).toBe('expired');
  });

  it('refuses unknown and departed members and malformed bodies, allocating nothing', async () => {
    await api.webhook('billing', order('strict', 'o-1', 3));
    await hire('strict', 'a');
    await hire('strict', 'gone');
    await api.webhook('hr', { type: 'employee.departed', data: { corpId: 'strict', memberId: 'gone', departedAt: '2026-06-01T07:00:00Z' } });
    const unknown = await api.admin('strict', 'POST', '/corps/strict/seats/allocations', { memberIds: ['a', 'nobody'] });
    const departed = await api.admin('strict', 'POST', '/corps/strict/seats/allocations', { memberIds: ['a', 'gone'] });
    const malformed = await fetch(`${stack.url}/corps/strict/seats/allocations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await adminToken('strict')}` },
      body: '{"memberIds":',
    });
    expect([unknown.status, unknown.body.code]).toEqual([404, 'MEMBER_NOT_FOUND']);
    expect([departed.status, departed.body.code]).toEqual([409, 'MEMBER_DEPARTED']);
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get('content-type')).toBe('application/problem+json');
    expect((await api.admin('strict', 'GET', '/corps/strict/seats')).body).toEqual({ purchased: 3, allocated: 0, available: 3 });
    expect((await api.admin('strict', 'GET', '/corps/strict/seats/allocations')).body).toEqual({ items: [], nextCursor: null });
  });

  it('answers 403 to a corp-A admin on every corp-B admin route', async () => {
    const paths: [string, string, unknown?][] = [
      ['GET', '/corps/acme/seats'],
      ['GET', '/corps/acme/orders'],
      ['POST', '/corps/acme/seats/allocations', { memberIds: ['m-1'] }],
      ['GET', '/corps/acme/seats/allocations'],
      ['GET', '/corps/acme/seats/allocations/m-1'],
      ['DELETE', '/corps/acme/seats/allocations/m-1'],
    ];
    for (const [method, path, body] of paths) {
      const response = await api.admin('acme', method, path, body, 'intruder');
      expect(response.status, `${method} ${path}`).toBe(403);
      expect(response.body.code).toBe('FORBIDDEN');
    }
  });

  it('answers 400 to a path that is not valid percent-encoding, not a 500', async () => {
    const response = await api.admin('acme', 'GET', '/corps/%E0/seats');
    expect(response.status).toBe(400);
    expect(response.type).toBe('application/problem+json');
    expect(response.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: '/corpId' }] });
  });

  it('pages with the cursors it hands out and refuses any other cursor with 400 VALIDATION_FAILED', async () => {
    await api.webhook('billing', order('pages', 'o-1', 1));
    await api.webhook('billing', order('pages', 'o-2', 1));
    const first = await api.admin('pages', 'GET', '/corps/pages/orders?limit=1');
    expect(first.body.items).toHaveLength(1);
    const second = await api.admin('pages', 'GET', `/corps/pages/orders?limit=1&cursor=${first.body.nextCursor}`);
    expect(second.status).toBe(200);
    expect(second.body.items[0].orderId).not.toBe(first.body.items[0].orderId);

    const cursor = (key: unknown) => Buffer.from(JSON.stringify(key)).toString('base64url');
    const refused = [
      ['/corps/pages/orders', { PK: 'CORP#pages' }],
      ['/corps/pages/orders', { PK: 'CORP#pages', SK: 'POOL' }],
      ['/corps/pages/orders', { PK: 'CORP#pages', SK: { S: 'ORDER#o-1' } }],
      ['/corps/pages/members/m-1/assets', { GSI1PK: 'CORP#other#OWNER#m-1', GSI1SK: 'ASSET#doc#d-1', PK: 'CORP#other', SK: 'ASSET#doc#d-1' }],
      ['/corps/pages/orders', 'not-a-cursor'],
    ] as const;
    for (const [path, key] of refused) {
      const answer = await api.admin('pages', 'GET', `${path}?cursor=${typeof key === 'string' ? key : cursor(key)}`);
      expect(answer.status, JSON.stringify(key)).toBe(400);
      expect(answer.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: '/cursor' }] });
    }
  });
});
