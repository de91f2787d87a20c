import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ControllableClock } from '../../local/clock.ts';
import { orderPaidEvent } from '../fixtures.ts';
import { domainCodeOf, startTemplateTable } from '../support/table.ts';
import { DynamoOrderBook } from '#adapters/dynamodb/order-book';
import { DynamoMemberDirectory } from '#adapters/dynamodb/member-directory';
import { DynamoSeatLedger } from '#adapters/dynamodb/seat-ledger';
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Ports } from '#ports/ports';
import { allocateSeats, getAllocation, revokeSeat } from '#use-cases/allocations';
import { applyScheduledDeparture, cancelDeparture, departMember, getMemberView, upsertMember } from '#use-cases/members';
import { recordPaidOrder, refundOrder } from '#use-cases/orders';
import { currentPool, recountPool } from '#use-cases/pool';

/*
 * The seat lifecycle against AWS DynamoDB Local, with the table created from the synthesised
 * template. Drives the use cases directly; HTTP-level tests come with the local stack's router.
 */
let stopDynamo: () => void;
let db: DynamoDBDocumentClient;
// The seat lifecycle needs only these; the departure workflow's start is recorded, not run.
let ports: Pick<Ports, 'orders' | 'members' | 'seats' | 'clock' | 'workflows'>;
let seatLedger: DynamoSeatLedger;
const clock = new ControllableClock();
const started: { workflow: string; name: string; input: Record<string, unknown> }[] = [];

beforeAll(async () => {
  const { db: documentClient, stop } = await startTemplateTable();
  db = documentClient;
  stopDynamo = stop;
  ports = {
    orders: new DynamoOrderBook(db),
    members: new DynamoMemberDirectory(db),
    seats: (seatLedger = new DynamoSeatLedger(db)),
    clock,
    workflows: { start: async (workflow, name, input) => void started.push({ workflow, name, input }), status: async () => 'running' },
  };
});

afterAll(() => stopDynamo?.());

let corp = 0;
let corpId = '';
beforeEach(() => {
  corpId = `corp-${++corp}`;
  clock.set(new Date('2026-03-02T09:15:30Z'));
});

const pay = (orderId: string, seats: number, term = { start: '2026-01-01T00:00:00Z', end: '2027-01-01T00:00:00Z' }) =>
  recordPaidOrder(ports, orderPaidEvent(corpId, orderId, seats, term).data);

const hire = (...memberIds: string[]) =>
  Promise.all(memberIds.map((memberId) => upsertMember(ports, { corpId, memberId, name: memberId, managerId: null })));


describe('seat lifecycle on DynamoDB Local', () => {
  it('counts a paid order once however often it is recorded', async () => {
    for (let i = 0; i < 20; i++) await pay('o-1', 50);
    expect(await currentPool(ports, corpId)).toEqual({ purchased: 50, allocated: 0, available: 50 });
    expect(started.filter((s) => s.workflow === 'purchase').length).toBeGreaterThanOrEqual(1);
  });

  it('never over-allocates: 50 concurrent single-member calls on a 20-seat pool', async () => {
    await pay('o-1', 20);
    const members = Array.from({ length: 50 }, (_, i) => `m-${i}`);
    await hire(...members);
    const outcomes = await Promise.all(members.map((m) => domainCodeOf(allocateSeats(ports, corpId, [m]))));
    expect(outcomes.filter((o) => o === 'OK')).toHaveLength(20);
    expect(outcomes.filter((o) => o === 'SEATS_EXHAUSTED')).toHaveLength(30);
    expect(await currentPool(ports, corpId)).toEqual({ purchased: 20, allocated: 20, available: 0 });
  });

  it('allocates all or nothing, and returns an existing holder unchanged', async () => {
    await pay('o-1', 2);
    await hire('a', 'b', 'c');
    const [first] = await allocateSeats(ports, corpId, ['a']);
    expect(await domainCodeOf(allocateSeats(ports, corpId, ['b', 'c']))).toBe('SEATS_EXHAUSTED');
    expect(await currentPool(ports, corpId)).toMatchObject({ allocated: 1, available: 1 });
    clock.advance(90_000);
    const again = await allocateSeats(ports, corpId, ['a', 'b']);
    expect(again[0]).toEqual(first);
    expect(await currentPool(ports, corpId)).toMatchObject({ allocated: 2, available: 0 });
  });

  it('allocates a full batch of 100 new members', async () => {
    await pay('o-1', 100);
    const members = Array.from({ length: 100 }, (_, i) => `b-${i}`);
    await hire(...members);
    expect(await allocateSeats(ports, corpId, members)).toHaveLength(100);
    expect(await currentPool(ports, corpId)).toEqual({ purchased: 100, allocated: 100, available: 0 });
  });

  it('refuses unknown and departed members and allocates nothing', async () => {
    await pay('o-1', 5);
    await hire('a', 'gone');
    await departMember(ports, { corpId, memberId: 'gone', departedAt: '2026-03-02T09:00:00Z' });
    expect(await domainCodeOf(allocateSeats(ports, corpId, ['a', 'nobody']))).toBe('MEMBER_NOT_FOUND');
    expect(await domainCodeOf(allocateSeats(ports, corpId, ['a', 'gone']))).toBe('MEMBER_DEPARTED');
    expect(await currentPool(ports, corpId)).toMatchObject({ allocated: 0, available: 5 });
    expect(await domainCodeOf(getAllocation(ports, corpId, 'a'))).toBe('ALLOCATION_NOT_FOUND');
  });

  it('revokes until a minute before revocableUntil, then locks; departure still releases', async () => {
    await pay('o-1', 1);
    await hire('a', 'b', 'c');
    const [allocation] = await allocateSeats(ports, corpId, ['a']);
    expect(allocation!.revocableUntil).toBe('2026-03-09T09:15:00Z');

    clock.set(new Date('2026-03-09T09:14:00Z'));
    await revokeSeat(ports, corpId, 'a');
    expect(await currentPool(ports, corpId)).toMatchObject({ allocated: 0, available: 1 });

    clock.set(new Date('2026-03-02T09:15:30Z'));
    const [second] = await allocateSeats(ports, corpId, ['b']);
    clock.set(new Date(second!.revocableUntil));
    expect(await domainCodeOf(revokeSeat(ports, corpId, 'b'))).toBe('REVOCATION_LOCKED');
    expect((await getAllocation(ports, corpId, 'b')).status).toBe('locked');

    await departMember(ports, { corpId, memberId: 'b', departedAt: clock.now().toISOString() });
    expect(await currentPool(ports, corpId)).toMatchObject({ allocated: 0, available: 1 });
    expect((await allocateSeats(ports, corpId, ['c']))[0]!.memberId).toBe('c');
    const repeat = await departMember(ports, { corpId, memberId: 'b', departedAt: clock.now().toISOString() });
    expect(repeat).toEqual({ outcome: 'alreadyDeparted' });
    expect(await currentPool(ports, corpId)).toMatchObject({ allocated: 1, available: 0 });
  });

  it('on refund or expiry keeps allocations and blocks new ones while over-allocated', async () => {
    await pay('o-1', 2);
    await pay('o-2', 2, { start: '2026-01-01T00:00:00Z', end: '2026-04-01T00:00:00Z' });
    await hire('a', 'b', 'c', 'd', 'e');
    await allocateSeats(ports, corpId, ['a', 'b', 'c']);
    await refundOrder(ports, { corpId, orderId: 'o-1', refundedAt: '2026-03-03T00:00:00Z' });
    expect(await currentPool(ports, corpId)).toEqual({ purchased: 2, allocated: 3, available: -1 });
    expect(await domainCodeOf(allocateSeats(ports, corpId, ['d']))).toBe('SEATS_EXHAUSTED');
    expect((await getAllocation(ports, corpId, 'a')).memberId).toBe('a');

    clock.set(new Date('2026-04-01T00:00:00Z'));
    expect(await currentPool(ports, corpId)).toEqual({ purchased: 0, allocated: 3, available: -3 });
    expect(await domainCodeOf(allocateSeats(ports, corpId, ['e']))).toBe('SEATS_EXHAUSTED');
  });

  it('counts an order only from the start of its term', async () => {
    await pay('o-1', 10, { start: '2026-04-01T00:00:00Z', end: '2027-04-01T00:00:00Z' });
    await hire('a');
    expect(await currentPool(ports, corpId)).toEqual({ purchased: 0, allocated: 0, available: 0 });
    expect(await domainCodeOf(allocateSeats(ports, corpId, ['a']))).toBe('SEATS_EXHAUSTED');
    clock.set(new Date('2026-04-01T00:00:00Z'));
    expect(await domainCodeOf(allocateSeats(ports, corpId, ['a']))).toBe('OK');
    expect(await currentPool(ports, corpId)).toEqual({ purchased: 10, allocated: 1, available: 9 });
  });

  /** Bookkeeping drifted the way the two-transaction batch used to leave it: `allocated` counts seats nobody holds. */
  const drift = (by: number) =>
    db.send(
      new UpdateCommand({
        TableName: process.env.TABLE_NAME,
        Key: { PK: `CORP#${corpId}`, SK: 'POOL' },
        UpdateExpression: 'ADD allocated :by, available :minus',
        ExpressionAttributeValues: { ':by': by, ':minus': -by },
      }),
    );

  it('recounts a drifted pool from its seat holders, and a second recount changes nothing', async () => {
    await pay('o-1', 10);
    await hire('a', 'b', 'c');
    await allocateSeats(ports, corpId, ['a', 'b']);
    await drift(3);
    expect(await recountPool(ports, corpId)).toEqual({
      before: { purchased: 10, allocated: 5, available: 5 },
      after: { purchased: 10, allocated: 2, available: 8 },
    });
    expect(await currentPool(ports, corpId)).toEqual({ purchased: 10, allocated: 2, available: 8 });
    const settled = { purchased: 10, allocated: 2, available: 8 };
    expect(await recountPool(ports, corpId)).toEqual({ before: settled, after: settled });
  });

  it('a recount racing an allocation never writes a stale count', async () => {
    await pay('o-1', 10);
    await hire('a', 'b', 'c');
    await allocateSeats(ports, corpId, ['a']);
    await drift(2);
    // The allocation lands between the recount's count and its write.
    let raced = false;
    const racing = Object.assign(Object.create(seatLedger) as DynamoSeatLedger, {
      setAllocated: async (id: string, allocated: number, seen: number) => {
        if (!raced) {
          raced = true;
          await allocateSeats(ports, corpId, ['b', 'c']);
        }
        return seatLedger.setAllocated(id, allocated, seen);
      },
    });
    const { after } = await recountPool({ ...ports, seats: racing }, corpId);
    expect(raced).toBe(true);
    expect(after).toEqual({ purchased: 10, allocated: 3, available: 7 });
    expect(await currentPool(ports, corpId)).toEqual({ purchased: 10, allocated: 3, available: 7 });
    expect(await seatLedger.countSeatHolders(corpId)).toBe(3);
  });

  it('a future departure keeps the seat until its date; cancelled or rescheduled ones apply only as they stand', async () => {
    await pay('o-1', 5);
    await hire('a', 'b', 'c');
    await allocateSeats(ports, corpId, ['a', 'b']);
    const scheduledRuns = () => started.filter((s) => s.workflow === 'departure' && typeof s.input.scheduleId === 'string');
    const before = scheduledRuns().length;

    expect(await departMember(ports, { corpId, memberId: 'a', departedAt: '2026-03-10T00:00:00Z' })).toEqual({
      outcome: 'scheduled',
      departedAt: '2026-03-10T00:00:00Z',
    });
    await departMember(ports, { corpId, memberId: 'a', departedAt: '2026-03-10T00:00:00Z' });
    const [first, again] = scheduledRuns().slice(before);
    expect(again?.name).toBe(first!.name); // a redelivery restarts the same execution: a no-op
    const view = await getMemberView(ports, corpId, 'a');
    expect(view).toMatchObject({ status: 'active', scheduledDeparture: { departedAt: '2026-03-10T00:00:00Z' }, departedAt: null });
    expect(view.seat?.memberId).toBe('a');
    // Still active until then: may even get a seat.
    expect(await domainCodeOf(allocateSeats(ports, corpId, ['a', 'c']))).toBe('OK');

    // Rescheduled: the first execution finds another schedule and applies nothing.
    await departMember(ports, { corpId, memberId: 'a', departedAt: '2026-03-12T00:00:00Z' });
    const rescheduled = scheduledRuns().at(-1)!;
    expect(rescheduled.name).not.toBe(first!.name);
    clock.set(new Date('2026-03-10T00:00:00Z'));
    expect(await applyScheduledDeparture(ports, { corpId, memberId: 'a', scheduleId: String(first!.input.scheduleId) })).toMatchObject({ applied: false });
    expect((await getMemberView(ports, corpId, 'a')).status).toBe('active');

    clock.set(new Date('2026-03-12T00:00:00Z'));
    const applied = await applyScheduledDeparture(ports, { corpId, memberId: 'a', scheduleId: String(rescheduled.input.scheduleId) });
    expect(applied).toMatchObject({ applied: true, corpId, memberId: 'a' });
    expect(applied.handoverId).toMatch(/^ho_/);
    expect(await getMemberView(ports, corpId, 'a')).toMatchObject({ status: 'departed', departedAt: '2026-03-12T00:00:00Z', scheduledDeparture: null, seat: null });
    expect(await currentPool(ports, corpId)).toMatchObject({ allocated: 2, available: 3 });
    // A retried step still says applied; the same departure re-sent later restarts that execution only.
    expect(await applyScheduledDeparture(ports, { corpId, memberId: 'a', scheduleId: String(rescheduled.input.scheduleId) })).toMatchObject({ applied: true });
    await departMember(ports, { corpId, memberId: 'a', departedAt: '2026-03-12T00:00:00Z' });
    expect(started.at(-1)?.name).toBe(rescheduled.name);

    // Cancelled before its date: the departure never applies.
    await departMember(ports, { corpId, memberId: 'b', departedAt: '2026-03-20T00:00:00Z' });
    const forB = scheduledRuns().at(-1)!;
    expect(await cancelDeparture(ports, { corpId, memberId: 'b' })).toBe(true);
    expect(await cancelDeparture(ports, { corpId, memberId: 'b' })).toBe(false);
    clock.set(new Date('2026-03-21T00:00:00Z'));
    expect(await applyScheduledDeparture(ports, { corpId, memberId: 'b', scheduleId: String(forB.input.scheduleId) })).toMatchObject({ applied: false });
    expect(await getMemberView(ports, corpId, 'b')).toMatchObject({ status: 'active', scheduledDeparture: null, seat: { memberId: 'b', status: 'locked' } });

    // More than 364 days ahead cannot be scheduled.
    expect(await domainCodeOf(departMember(ports, { corpId, memberId: 'c', departedAt: '2027-03-21T00:00:01Z' }))).toBe('VALIDATION_FAILED');
  });
});
