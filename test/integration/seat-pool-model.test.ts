import { TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderPaidEvent } from '../fixtures.ts';
import { domainCodeOf, startTemplateTable } from '../support/table.ts';
import { DynamoOrderBook } from '#adapters/dynamodb/order-book';
import { DynamoMemberDirectory } from '#adapters/dynamodb/member-directory';
import { DynamoSeatLedger } from '#adapters/dynamodb/seat-ledger';
import { revocableUntil } from '#core/revocation';
import { formatInstant, type Instant } from '#core/time';
import type { Ports } from '#ports/ports';
import { allocateSeats, listAllocations, revokeSeat } from '#use-cases/allocations';
import { applyScheduledDeparture, cancelDeparture, departMember, upsertMember } from '#use-cases/members';
import { recordPaidOrder, refundOrder } from '#use-cases/orders';
import { currentPool, recountPool } from '#use-cases/pool';

/*
 * Model-based test of the seat pool: random sequences of billing, HR, admin and clock steps run
 * against the use cases on DynamoDB Local and against a plain reference model, and the pool's
 * invariants are checked after every step. Some steps race a 100-member batch allocation (two
 * transactions) against departures, injected before a chosen write of the allocation or run in
 * parallel: the interleavings where bookkeeping used to drift.
 */
const HIRED = 130; // m-0..m-129 are hired up front; m-130..m-139 are never seen unless HR mentions them
const MEMBERS = 140;
const BATCH = 100;
const DAY = 86_400_000;

type Ledger = Pick<Ports, 'orders' | 'members' | 'seats' | 'clock' | 'workflows'>;
type ModelMember = { status: 'active' | 'departed'; seatUntil: Instant | null; scheduledAt: Instant | null };
type Model = {
  nowMs: number;
  orders: { orderId: string; seats: number; start: number; end: number; refunded: boolean }[];
  members: Map<string, ModelMember>;
};
type Real = {
  corpId: string;
  ports: Ledger;
  db: DynamoDBDocumentClient;
  /** Scheduled departure executions the fake starter received, run when the clock passes them. */
  scheduled: { memberId: string; scheduleId: string; departAt: string; ran: boolean }[];
};

let stopDynamo: () => void;
let db: DynamoDBDocumentClient;
let nowMs = 0;
const clock = { now: () => new Date(nowMs) };

beforeAll(async () => {
  ({ db, stop: stopDynamo } = await startTemplateTable());
});
afterAll(() => stopDynamo?.());

const memberId = (i: number) => `m-${i}`;
const nowInstant = () => formatInstant(clock.now());
const purchased = (m: Model) => m.orders.filter((o) => !o.refunded && o.start <= m.nowMs && m.nowMs < o.end).reduce((n, o) => n + o.seats, 0);
const allocated = (m: Model) => [...m.members.values()].filter((x) => x.seatUntil).length;
const available = (m: Model) => purchased(m) - allocated(m);

/** What the use case must answer for an allocation, per the contract, and the seats it grants. */
const expectedAllocation = (m: Model, ids: string[]): { code: string; granted: string[] } => {
  if (ids.some((id) => !m.members.has(id))) return { code: 'MEMBER_NOT_FOUND', granted: [] };
  if (ids.some((id) => m.members.get(id)!.status === 'departed')) return { code: 'MEMBER_DEPARTED', granted: [] };
  const granted = ids.filter((id) => !m.members.get(id)!.seatUntil);
  if (granted.length > 0 && granted.length > available(m)) return { code: 'SEATS_EXHAUSTED', granted: [] };
  return { code: 'OK', granted };
};

/** A departure the model applies: the member leaves, the seat goes back, any schedule is dropped. */
const modelDepart = (m: Model, id: string) => {
  const member = m.members.get(id);
  if (member?.status === 'departed') return;
  m.members.set(id, { status: 'departed', seatUntil: null, scheduledAt: null });
};

/** Every invariant, read back from the table after a step. */
const checkInvariants = async (m: Model, r: Real) => {
  const pool = await currentPool(r.ports, r.corpId);
  const holders = await r.ports.seats.countSeatHolders(r.corpId);
  expect(pool.allocated, '`allocated` = the number of seat holders').toBe(holders);
  expect(pool).toEqual({ purchased: purchased(m), allocated: allocated(m), available: purchased(m) - allocated(m) });
  const members = await r.ports.members.getMembers(r.corpId, Array.from({ length: MEMBERS }, (_, i) => memberId(i)));
  for (let i = 0; i < MEMBERS; i++) {
    const id = memberId(i);
    const want = m.members.get(id);
    const got = members.get(id);
    if (got?.status === 'departed') expect(got.seat, `departed ${id} holds no seat`).toBeNull();
    expect(got ? { status: got.status, seatUntil: got.seat?.revocableUntil ?? null, scheduledAt: got.scheduledDeparture?.departedAt ?? null } : undefined, id).toEqual(want);
  }
  const page = await listAllocations(r.ports, r.corpId, { limit: 200, cursor: null });
  for (const allocation of page.items) {
    expect(allocation.status, `revocable iff now < revocableUntil (${allocation.memberId})`).toBe(
      m.nowMs < Date.parse(allocation.revocableUntil) ? 'revocable' : 'locked',
    );
  }
};

type Command = fc.AsyncCommand<Model, Real>;

class PayOrder implements Command {
  constructor(readonly seats: number, readonly termDays: number) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const orderId = `o-${m.orders.length}`;
    const start = m.nowMs - DAY;
    const end = m.nowMs + this.termDays * DAY;
    await recordPaidOrder(r.ports, orderPaidEvent(r.corpId, orderId, this.seats, { start: formatInstant(new Date(start)), end: formatInstant(new Date(end)) }).data);
    m.orders.push({ orderId, seats: this.seats, start, end, refunded: false });
    await checkInvariants(m, r);
  }
  toString = () => `pay(${this.seats} seats, ${this.termDays} days)`;
}

class RefundOrder implements Command {
  constructor(readonly pick: number) {}
  check = (m: Readonly<Model>) => m.orders.some((o) => !o.refunded);
  async run(m: Model, r: Real) {
    const open = m.orders.filter((o) => !o.refunded);
    const order = open[this.pick % open.length]!;
    await refundOrder(r.ports, { corpId: r.corpId, orderId: order.orderId, refundedAt: nowInstant() });
    order.refunded = true;
    await checkInvariants(m, r);
  }
  toString = () => `refund(#${this.pick})`;
}

class Hire implements Command {
  constructor(readonly member: number) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const id = memberId(this.member);
    await upsertMember(r.ports, { corpId: r.corpId, memberId: id, name: id, managerId: null });
    if (!m.members.has(id)) m.members.set(id, { status: 'active', seatUntil: null, scheduledAt: null });
    await checkInvariants(m, r);
  }
  toString = () => `hire(${memberId(this.member)})`;
}

class Allocate implements Command {
  constructor(readonly members: number[]) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const ids = [...new Set(this.members.map(memberId))];
    const expected = expectedAllocation(m, ids);
    expect(await domainCodeOf(allocateSeats(r.ports, r.corpId, ids))).toBe(expected.code);
    for (const id of expected.granted) m.members.get(id)!.seatUntil = revocableUntil(clock.now());
    await checkInvariants(m, r);
  }
  toString = () => `allocate(${this.members.map(memberId).join(',')})`;
}

/** The first 100 active members without a seat, from a rotating start. */
const seatlessBatch = (m: Readonly<Model>, offset: number): string[] => {
  const ids = Array.from({ length: MEMBERS }, (_, i) => memberId((i + offset) % MEMBERS));
  return ids.filter((id) => m.members.get(id)?.status === 'active' && !m.members.get(id)?.seatUntil).slice(0, BATCH);
};

class AllocateBatch implements Command {
  constructor(readonly offset: number) {}
  check = (m: Readonly<Model>) => seatlessBatch(m, this.offset).length === BATCH;
  async run(m: Model, r: Real) {
    const ids = seatlessBatch(m, this.offset);
    const expected = expectedAllocation(m, ids);
    expect(await domainCodeOf(allocateSeats(r.ports, r.corpId, ids))).toBe(expected.code);
    for (const id of expected.granted) m.members.get(id)!.seatUntil = revocableUntil(clock.now());
    await checkInvariants(m, r);
  }
  toString = () => `allocateBatch(from ${this.offset})`;
}

class Revoke implements Command {
  constructor(readonly member: number) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const id = memberId(this.member);
    const until = m.members.get(id)?.seatUntil ?? null;
    const expected = !until ? 'ALLOCATION_NOT_FOUND' : m.nowMs < Date.parse(until) ? 'OK' : 'REVOCATION_LOCKED';
    expect(await domainCodeOf(revokeSeat(r.ports, r.corpId, id))).toBe(expected);
    if (expected === 'OK') m.members.get(id)!.seatUntil = null;
    await checkInvariants(m, r);
  }
  toString = () => `revoke(${memberId(this.member)})`;
}

class Depart implements Command {
  /** `aheadMs` <= 0 departs at once; a positive one schedules. */
  constructor(readonly member: number, readonly aheadMs: number) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const id = memberId(this.member);
    const departedAt = formatInstant(new Date(m.nowMs + this.aheadMs));
    await departMember(r.ports, { corpId: r.corpId, memberId: id, departedAt });
    if (Date.parse(departedAt) <= m.nowMs) modelDepart(m, id);
    else if (m.members.get(id)?.status !== 'departed') {
      const member = m.members.get(id) ?? { status: 'active' as const, seatUntil: null, scheduledAt: null };
      m.members.set(id, { ...member, scheduledAt: departedAt });
    }
    await checkInvariants(m, r);
  }
  toString = () => `depart(${memberId(this.member)}, ${this.aheadMs >= 0 ? '+' : ''}${this.aheadMs / 3_600_000}h)`;
}

class CancelDeparture implements Command {
  constructor(readonly member: number) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const id = memberId(this.member);
    await cancelDeparture(r.ports, { corpId: r.corpId, memberId: id });
    const member = m.members.get(id);
    if (member?.status === 'active' && member.scheduledAt && Date.parse(member.scheduledAt) > m.nowMs) member.scheduledAt = null;
    await checkInvariants(m, r);
  }
  toString = () => `cancelDeparture(${memberId(this.member)})`;
}

/** Moves the clock; the departure workflows whose wait is over then apply their departure, as Step Functions would. */
class AdvanceClock implements Command {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(m: Model, r: Real) {
    m.nowMs += this.ms;
    nowMs = m.nowMs;
    for (const execution of r.scheduled.filter((e) => !e.ran && Date.parse(e.departAt) <= m.nowMs)) {
      execution.ran = true;
      await applyScheduledDeparture(r.ports, { corpId: r.corpId, memberId: execution.memberId, scheduleId: execution.scheduleId });
    }
    for (const [id, member] of m.members) {
      if (member.status === 'active' && member.scheduledAt && Date.parse(member.scheduledAt) <= m.nowMs) modelDepart(m, id);
    }
    await checkInvariants(m, r);
  }
  toString = () => `advance(${this.ms / 3_600_000}h)`;
}

class Recount implements Command {
  check = () => true;
  async run(m: Model, r: Real) {
    const pool = { purchased: purchased(m), allocated: allocated(m), available: available(m) };
    expect(await recountPool(r.ports, r.corpId)).toEqual({ before: pool, after: pool });
    await checkInvariants(m, r);
  }
  toString = () => 'recount';
}

/** A client whose `injectAt`-th TransactWriteItems waits for `hook` first: one interleaving, chosen. */
const interleaved = (inner: DynamoDBDocumentClient, injectAt: number, hook: () => Promise<void>) => {
  let writes = 0;
  let injected: Promise<void> | null = null;
  const client = {
    send: async (command: unknown, ...rest: unknown[]) => {
      if (command instanceof TransactWriteCommand && writes++ === injectAt) await (injected ??= hook());
      return (inner.send as (...args: unknown[]) => Promise<unknown>)(command, ...rest);
    },
  } as unknown as DynamoDBDocumentClient;
  /** The hook runs once, whether or not the allocation reached that write. */
  const finish = () => (injected ??= hook());
  return { client, finish };
};

/** A 100-member batch allocation (two transactions) racing departures of some of its members. */
class BatchRacingDepartures implements Command {
  constructor(readonly offset: number, readonly positions: number[], readonly injectAt: number | 'parallel') {}
  check = (m: Readonly<Model>) => seatlessBatch(m, this.offset).length === BATCH;
  async run(m: Model, r: Real) {
    const batch = seatlessBatch(m, this.offset);
    const leaving = [...new Set(this.positions.map((p) => batch[p]!))];
    const departures = async () => {
      for (const id of leaving) await departMember(r.ports, { corpId: r.corpId, memberId: id, departedAt: nowInstant() });
    };
    const expected = expectedAllocation(m, batch);
    let outcome: string;
    let unexpected: unknown = null;
    const attempt = async (ports: Ledger) => {
      try {
        return await domainCodeOf(allocateSeats(ports, r.corpId, batch));
      } catch (error) {
        unexpected = error;
        return 'ERROR';
      }
    };
    if (this.injectAt === 'parallel') {
      [outcome] = await Promise.all([attempt(r.ports), departures()]);
    } else {
      const race = interleaved(r.db, this.injectAt, departures);
      outcome = await attempt({ ...r.ports, seats: new DynamoSeatLedger(race.client) });
      await race.finish();
    }
    for (const id of leaving) modelDepart(m, id);
    // All or nothing: either every member still here holds a seat, or no new seat was granted.
    if (outcome === 'OK') {
      for (const id of expected.granted) if (m.members.get(id)!.status === 'active') m.members.get(id)!.seatUntil = revocableUntil(clock.now());
    } else if (expected.code === 'OK') {
      expect(['MEMBER_DEPARTED', 'ERROR']).toContain(outcome);
    }
    await checkInvariants(m, r);
    if (unexpected) throw unexpected;
  }
  toString = () => `batch(from ${this.offset}) racing departures of #${this.positions.join(',#')} ${this.injectAt === 'parallel' ? 'in parallel' : `before write ${this.injectAt}`}`;
}

const member = fc.integer({ min: 0, max: MEMBERS - 1 });
// Batch positions around the split: the first transaction takes 99 members, the second the 100th.
const position = fc.oneof({ arbitrary: fc.constantFrom(0, 98, 99), weight: 2 }, { arbitrary: fc.integer({ min: 0, max: BATCH - 1 }), weight: 1 });
const batchRacingDepartures = fc
  .tuple(fc.nat(MEMBERS - 1), fc.uniqueArray(position, { minLength: 1, maxLength: 3 }), fc.constantFrom<number | 'parallel'>(0, 1, 1, 1, 2, 'parallel'))
  .map(([offset, positions, at]) => new BatchRacingDepartures(offset, positions, at));
const commands = [
  fc.tuple(fc.constantFrom(5, 20, 60, 120), fc.constantFrom(2, 10, 365)).map(([seats, days]) => new PayOrder(seats, days)),
  fc.nat(10).map((pick) => new RefundOrder(pick)),
  member.map((i) => new Hire(i)),
  fc.array(member, { minLength: 1, maxLength: 3 }).map((ids) => new Allocate(ids)),
  fc.nat(MEMBERS - 1).map((offset) => new AllocateBatch(offset)),
  member.map((i) => new Revoke(i)),
  fc.tuple(member, fc.constantFrom(-3_600_000, 0, 3_600_000, 2 * DAY, 9 * DAY)).map(([i, ahead]) => new Depart(i, ahead)),
  member.map((i) => new CancelDeparture(i)),
  fc.constantFrom(60_000, 3_600_000, DAY, 3 * DAY, 8 * DAY).map((ms) => new AdvanceClock(ms)),
  fc.constant(new Recount()),
  // Twice as likely as the other steps: the race is what a sequence must reach with seats to spare.
  batchRacingDepartures,
  batchRacingDepartures,
];

let corps = 0;

describe('seat pool model on DynamoDB Local', () => {
  it('keeps every pool invariant under random steps and interleavings', async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 14 }), async (steps) => {
        nowMs = Date.parse('2026-03-02T09:15:30Z');
        const corpId = `model-${++corps}`;
        const scheduled: Real['scheduled'] = [];
        const ports: Ledger = {
          orders: new DynamoOrderBook(db),
          members: new DynamoMemberDirectory(db),
          seats: new DynamoSeatLedger(db),
          clock,
          workflows: {
            start: async (_workflow, _name, input) => {
              if (typeof input.scheduleId === 'string') {
                scheduled.push({ memberId: String(input.memberId), scheduleId: input.scheduleId, departAt: String(input.departAt), ran: false });
              }
            },
            status: async () => 'running',
          },
        };
        const model: Model = { nowMs, orders: [], members: new Map() };
        const real: Real = { corpId, ports, db, scheduled };
        for (let i = 0; i < HIRED; i += 26) {
          await Promise.all(Array.from({ length: 26 }, (_, j) => upsertMember(ports, { corpId, memberId: memberId(i + j), name: 'x', managerId: null })));
        }
        for (let i = 0; i < HIRED; i++) model.members.set(memberId(i), { status: 'active', seatUntil: null, scheduledAt: null });
        await new PayOrder(120, 365).run(model, real);
        await fc.asyncModelRun(() => ({ model, real }), steps);
      }),
      // Shrinking replays steps against the database for minutes; the failing sequence is short already.
      { numRuns: 25, endOnFailure: true },
    );
  }, 300_000);
});
