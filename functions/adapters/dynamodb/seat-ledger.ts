import { GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient, paginateQuery } from '@aws-sdk/lib-dynamodb';
import { formatInstant, type Instant } from '#core/time';
import type {
  AllocationAttempt,
  Departure,
  Member,
  Page,
  PageRequest,
  PoolRecord,
  RevocationAttempt,
  Seat,
  SeatGrant,
  SeatLedger,
} from '#ports/stores';
import { toMember } from './member-directory.ts';
import {
  MAX_TRANSACTION_ITEMS,
  bumpPolicyEpoch,
  INDEX_GSI1,
  cancellationReasons,
  conditionally,
  pageQuery,
  encodeCursor,
  isContention,
  memberKey,
  poolKey,
  retryOnContention,
  seatIndexKey,
  seatIndexPartition,
  tableName,
} from './table.ts';

type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];

/**
 * Moves `allocatedDelta` seats between `available` and `allocated` and counts the change in
 * `seatChanges`, so a recount can tell that seat holders changed while it counted.
 */
const poolDelta = (corpId: string, allocatedDelta: number, condition?: { now: Date; need: number }): TransactItem => ({
  Update: {
    TableName: tableName(),
    Key: poolKey(corpId),
    UpdateExpression: 'ADD allocated :delta, available :credit, seatChanges :one',
    ...(condition && {
      // The pool must cover the grant and must not have an order boundary (start, end) behind it.
      ConditionExpression: 'available >= :need AND nextBoundaryAt > :now',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    }),
    ExpressionAttributeValues: {
      ':delta': allocatedDelta,
      ':credit': -allocatedDelta,
      ':one': 1,
      ...(condition && { ':need': condition.need, ':now': formatInstant(condition.now) }),
    },
  },
});

/*
 * Seat history, for "held a seat at t" (the file operation log's scope): every grant appends its
 * instant to `seatsFrom`, every release (revocation, departure, undo) appends its instant to
 * `seatsUntil`. A member holds at most one seat at a time, so the i-th release closes the i-th grant.
 */
const SEAT_HELD_FROM = 'seatsFrom = list_append(if_not_exists(seatsFrom, :none), :from)';
const SEAT_HELD_UNTIL = 'seatsUntil = list_append(if_not_exists(seatsUntil, :none), :until)';

const grantSeat = (corpId: string, grant: SeatGrant): TransactItem => {
  const { lockedAt: _unset, ...seat } = grant.seat;
  return {
    Update: {
      TableName: tableName(),
      Key: memberKey(corpId, grant.memberId),
      UpdateExpression: `SET seat = :seat, GSI1PK = :gpk, GSI1SK = :gsk, ${SEAT_HELD_FROM}`,
      ConditionExpression: 'attribute_exists(PK) AND memberStatus = :active AND attribute_not_exists(seat)',
      ExpressionAttributeValues: {
        ':seat': seat,
        ':from': [seat.allocatedAt],
        ':none': [],
        ':active': 'active',
        ':gpk': seatIndexKey(corpId, grant.memberId).GSI1PK,
        ':gsk': seatIndexKey(corpId, grant.memberId).GSI1SK,
      },
    },
  };
};

/** An undone grant closes its span where it opened: an empty span, held at no instant. */
const takeSeatBack = (corpId: string, grant: SeatGrant): TransactItem => ({
  Update: {
    TableName: tableName(),
    Key: memberKey(corpId, grant.memberId),
    UpdateExpression: `SET ${SEAT_HELD_UNTIL} REMOVE seat, GSI1PK, GSI1SK`,
    ConditionExpression: 'seat.allocationId = :id',
    ExpressionAttributeValues: { ':id': grant.seat.allocationId, ':until': [grant.seat.allocatedAt], ':none': [] },
  },
});

export class DynamoSeatLedger implements SeatLedger {
  constructor(private readonly db: DynamoDBDocumentClient) {}

  async getPool(corpId: string): Promise<PoolRecord | null> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: tableName(), Key: poolKey(corpId), ConsistentRead: true }),
    );
    if (!Item) return null;
    return {
      purchased: Item.purchased ?? 0,
      allocated: Item.allocated ?? 0,
      available: Item.available ?? 0,
      nextBoundaryAt: Item.nextBoundaryAt,
      staleMarks: Item.staleMarks ?? 0,
      seatChanges: Item.seatChanges ?? 0,
    };
  }

  async allocate(corpId: string, grants: readonly SeatGrant[], now: Date): Promise<AllocationAttempt> {
    // The pool charge plus one action per member must fit in one transaction; a full batch of 100
    // new members takes a second transaction for the remainder. Each transaction charges the pool
    // for exactly the seats it grants, so `allocated` equals the seat holders between the two.
    const firstBatch = grants.slice(0, MAX_TRANSACTION_ITEMS - 1);
    const remainder = grants.slice(MAX_TRANSACTION_ITEMS - 1);
    const first = await retryOnContention(() =>
      this.transact(
        [poolDelta(corpId, firstBatch.length, { now, need: grants.length }), ...firstBatch.map((g) => grantSeat(corpId, g))],
        firstBatch,
        now,
      ),
    );
    if (first === 'contention') return { outcome: 'contention' };
    if (first.outcome !== 'allocated' || remainder.length === 0) return first;
    const rest = await retryOnContention(() =>
      this.transact(
        [poolDelta(corpId, remainder.length, { now, need: remainder.length }), ...remainder.map((g) => grantSeat(corpId, g))],
        remainder,
        now,
      ),
    );
    if (rest === 'contention' || rest.outcome !== 'allocated') {
      await this.takeBack(corpId, firstBatch);
      return rest === 'contention' ? { outcome: 'contention' } : rest;
    }
    return rest;
  }

  /**
   * Undoes the first transaction of a batch: each seat still held under its grant goes back with
   * a credit of one. A seat already gone (departure, revocation) was credited by whoever took it,
   * so it is dropped from the undo rather than blocking it.
   */
  private async takeBack(corpId: string, granted: readonly SeatGrant[]): Promise<void> {
    let pending = [...granted];
    for (let attempt = 0; pending.length > 0 && attempt < 20; attempt++) {
      try {
        await this.db.send(
          new TransactWriteCommand({
            TransactItems: [poolDelta(corpId, -pending.length), ...pending.map((g) => takeSeatBack(corpId, g))],
          }),
        );
        return;
      } catch (error) {
        const reasons = cancellationReasons(error);
        if (!reasons) throw error;
        const gone = new Set(pending.filter((_, i) => reasons[i + 1]?.code === 'ConditionalCheckFailed'));
        pending = pending.filter((g) => !gone.has(g));
        if (gone.size === 0) await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(200, 10 * 2 ** attempt)));
      }
    }
    if (pending.length > 0) throw new Error('Could not undo a partial allocation');
  }

  private async transact(
    items: TransactItem[],
    grants: readonly SeatGrant[],
    now: Date,
  ): Promise<AllocationAttempt | 'contention'> {
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: items }));
      return { outcome: 'allocated' };
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (!reasons) throw error;
      if (isContention(reasons)) return 'contention';
      const changed = grants.filter((_, i) => reasons[i + 1]?.code === 'ConditionalCheckFailed');
      if (changed.length > 0) return { outcome: 'memberChanged', memberIds: changed.map((g) => g.memberId) };
      const pool = reasons[0]?.code === 'ConditionalCheckFailed' ? reasons[0].item : undefined;
      if (pool && String(pool.nextBoundaryAt) <= formatInstant(now)) return { outcome: 'poolStale' };
      return { outcome: 'exhausted', available: Number(pool?.available ?? 0) };
    }
  }

  async revoke(corpId: string, memberId: string, now: Date): Promise<RevocationAttempt> {
    const result = await retryOnContention(async (): Promise<RevocationAttempt | 'contention'> => {
      try {
        await this.db.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  TableName: tableName(),
                  Key: memberKey(corpId, memberId),
                  UpdateExpression: `SET ${SEAT_HELD_UNTIL} REMOVE seat, GSI1PK, GSI1SK`,
                  ConditionExpression: 'seat.revocableUntil > :now',
                  ExpressionAttributeValues: { ':now': formatInstant(now), ':until': [formatInstant(now)], ':none': [] },
                  ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
                },
              },
              poolDelta(corpId, -1),
            ],
          }),
        );
        return { outcome: 'revoked' };
      } catch (error) {
        const reasons = cancellationReasons(error);
        if (!reasons) throw error;
        if (isContention(reasons)) return 'contention';
        const seat = (reasons[0]?.item?.seat as Seat | undefined) ?? null;
        return seat ? { outcome: 'locked', revocableUntil: seat.revocableUntil } : { outcome: 'notFound' };
      }
    });
    if (result === 'contention') throw new Error('Revocation kept conflicting');
    return result;
  }

  depart(corpId: string, memberId: string, departedAt: Instant): Promise<Departure> {
    return this.release(corpId, memberId, { departedAt }) as Promise<Departure>;
  }

  departAsScheduled(corpId: string, memberId: string, scheduleId: string): Promise<Departure | null> {
    return this.release(corpId, memberId, { scheduleId });
  }

  /**
   * Marks the member departed and credits the seat they held, in one transaction guarded by what
   * was read. A scheduled departure applies only while its schedule is still the member's (null
   * otherwise); an immediate one also drops any schedule.
   */
  private async release(
    corpId: string,
    memberId: string,
    departure: { departedAt: Instant } | { scheduleId: string },
  ): Promise<Departure | null> {
    const scheduleId = 'scheduleId' in departure ? departure.scheduleId : null;
    for (let attempt = 0; attempt < 10; attempt++) {
      const { Item } = await this.db.send(
        new GetCommand({ TableName: tableName(), Key: memberKey(corpId, memberId), ConsistentRead: true }),
      );
      const member = Item ? toMember(Item) : null;
      if (member?.status === 'departed') {
        // A redelivery, perhaps of a departure whose bump was lost: engines must not go on deciding for an active member.
        await bumpPolicyEpoch(this.db, corpId, 'members');
        return { alreadyDeparted: true, releasedSeat: null, scheduleId: member.departureScheduleId };
      }
      if (scheduleId && member?.scheduledDeparture?.scheduleId !== scheduleId) return null;
      const departedAt = 'departedAt' in departure ? departure.departedAt : member!.scheduledDeparture!.departedAt;
      const markDeparted: TransactItem = {
        Update: {
          TableName: tableName(),
          Key: memberKey(corpId, memberId),
          UpdateExpression:
            'SET corpId = :corp, memberId = :member, memberStatus = :departed, departedAt = :at, heldSeatAtDeparture = :held' +
            (scheduleId ? ', departureScheduleId = :schedule' : '') +
            (member?.seat ? `, ${SEAT_HELD_UNTIL} ` : ' ') +
            'REMOVE seat, GSI1PK, GSI1SK, scheduledDeparture',
          // Guard against a concurrent allocation, revocation, departure or rescheduling since the read.
          ConditionExpression:
            (member?.seat
              ? 'memberStatus = :active AND seat.allocationId = :id'
              : member
                ? 'memberStatus = :active AND attribute_not_exists(seat)'
                : 'attribute_not_exists(PK)') + (scheduleId ? ' AND scheduledDeparture.scheduleId = :schedule' : ''),
          ExpressionAttributeValues: {
            ':corp': corpId,
            ':member': memberId,
            ':departed': 'departed',
            ':at': departedAt,
            ':held': Boolean(member?.seat),
            ...(member && { ':active': 'active' }),
            ...(member?.seat && { ':id': member.seat.allocationId, ':until': [departedAt], ':none': [] }),
            ...(scheduleId && { ':schedule': scheduleId }),
          },
        },
      };
      try {
        await this.db.send(
          new TransactWriteCommand({
            TransactItems: member?.seat ? [markDeparted, poolDelta(corpId, -1)] : [markDeparted],
          }),
        );
        // A released seat is seen at once through the pool's seatChanges; the departure itself through the epoch.
        await bumpPolicyEpoch(this.db, corpId, 'members');
        return { alreadyDeparted: false, releasedSeat: member?.seat ?? null, scheduleId };
      } catch (error) {
        if (!cancellationReasons(error)) throw error;
      }
    }
    throw new Error(`Departure of ${memberId} kept conflicting`);
  }

  async countSeatHolders(corpId: string): Promise<number> {
    // The table, not the seat index: only a consistent read sees every allocation that committed.
    let count = 0;
    const pages = paginateQuery(
      { client: this.db },
      {
        TableName: tableName(),
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        FilterExpression: 'attribute_exists(seat)',
        ExpressionAttributeValues: { ':pk': poolKey(corpId).PK, ':prefix': 'MEMBER#' },
        Select: 'COUNT',
        ConsistentRead: true,
      },
    );
    for await (const page of pages) count += page.Count ?? 0;
    return count;
  }

  setAllocated(corpId: string, allocated: number, seenSeatChanges: number): Promise<boolean> {
    return conditionally(
      this.db.send(
        new UpdateCommand({
          TableName: tableName(),
          Key: poolKey(corpId),
          UpdateExpression: 'SET allocated = :allocated, available = purchased - :allocated',
          // Any allocation, revocation or departure since the count bumps seatChanges: count again.
          ConditionExpression: seenSeatChanges === 0 ? 'attribute_exists(PK) AND attribute_not_exists(seatChanges)' : 'seatChanges = :seen',
          ExpressionAttributeValues: { ':allocated': allocated, ...(seenSeatChanges !== 0 && { ':seen': seenSeatChanges }) },
        }),
      ),
    );
  }

  async listAllocations(corpId: string, page: PageRequest): Promise<Page<Member & { seat: Seat }>> {
    const result = await this.db.send(
      new QueryCommand({
        TableName: tableName(),
        ...pageQuery({ corpId, index: INDEX_GSI1, partition: seatIndexPartition(corpId), sortPrefix: 'MEMBER#' }, page),
      }),
    );
    return {
      items: (result.Items ?? []).map(toMember).filter((m): m is Member & { seat: Seat } => m.seat !== null),
      nextCursor: encodeCursor(result.LastEvaluatedKey),
    };
  }

  markLocked(corpId: string, memberId: string, allocationId: string, lockedAt: Instant): Promise<boolean> {
    return conditionally(
      this.db.send(
        new UpdateCommand({
          TableName: tableName(),
          Key: memberKey(corpId, memberId),
          UpdateExpression: 'SET seat.lockedAt = :at',
          ConditionExpression: 'seat.allocationId = :id',
          ExpressionAttributeValues: { ':at': lockedAt, ':id': allocationId },
        }),
      ),
    );
  }
}

