import { GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
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

const poolDelta = (corpId: string, allocatedDelta: number, condition?: { now: Date }): TransactItem => ({
  Update: {
    TableName: tableName(),
    Key: poolKey(corpId),
    UpdateExpression: 'ADD allocated :delta, available :credit',
    ...(condition && {
      // The pool must cover the grant and must not have an order boundary (start, end) behind it.
      ConditionExpression: 'available >= :need AND nextBoundaryAt > :now',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    }),
    ExpressionAttributeValues: {
      ':delta': allocatedDelta,
      ':credit': -allocatedDelta,
      ...(condition && { ':need': allocatedDelta, ':now': formatInstant(condition.now) }),
    },
  },
});

const grantSeat = (corpId: string, grant: SeatGrant): TransactItem => {
  const { lockedAt: _unset, ...seat } = grant.seat;
  return {
    Update: {
      TableName: tableName(),
      Key: memberKey(corpId, grant.memberId),
      UpdateExpression: 'SET seat = :seat, GSI1PK = :gpk, GSI1SK = :gsk',
      ConditionExpression: 'attribute_exists(PK) AND memberStatus = :active AND attribute_not_exists(seat)',
      ExpressionAttributeValues: {
        ':seat': seat,
        ':active': 'active',
        ':gpk': seatIndexKey(corpId, grant.memberId).GSI1PK,
        ':gsk': seatIndexKey(corpId, grant.memberId).GSI1SK,
      },
    },
  };
};

const takeSeatBack = (corpId: string, grant: SeatGrant): TransactItem => ({
  Update: {
    TableName: tableName(),
    Key: memberKey(corpId, grant.memberId),
    UpdateExpression: 'REMOVE seat, GSI1PK, GSI1SK',
    ConditionExpression: 'seat.allocationId = :id',
    ExpressionAttributeValues: { ':id': grant.seat.allocationId },
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
    };
  }

  async allocate(corpId: string, grants: readonly SeatGrant[], now: Date): Promise<AllocationAttempt> {
    // The pool charge plus one action per member must fit in one transaction; a full batch of 100
    // new members takes a second transaction for the remainder, undone if that one fails.
    const firstBatch = grants.slice(0, MAX_TRANSACTION_ITEMS - 1);
    const remainder = grants.slice(MAX_TRANSACTION_ITEMS - 1);
    const first = await retryOnContention(() =>
      this.transact(
        [poolDelta(corpId, grants.length, { now }), ...firstBatch.map((g) => grantSeat(corpId, g))],
        firstBatch,
        now,
      ),
    );
    if (first === 'contention') return { outcome: 'contention' };
    if (first.outcome !== 'allocated' || remainder.length === 0) return first;
    const rest = await retryOnContention(() =>
      this.transact(remainder.map((g) => grantSeat(corpId, g)), remainder, now, false),
    );
    if (rest === 'contention' || rest.outcome !== 'allocated') {
      await this.undo(corpId, firstBatch, grants.length);
      return rest === 'contention' ? { outcome: 'contention' } : rest;
    }
    return rest;
  }

  private async undo(corpId: string, granted: readonly SeatGrant[], charged: number): Promise<void> {
    const result = await retryOnContention(async () => {
      try {
        await this.db.send(
          new TransactWriteCommand({
            TransactItems: [poolDelta(corpId, -charged), ...granted.map((g) => takeSeatBack(corpId, g))],
          }),
        );
        return 'done' as const;
      } catch (error) {
        if (cancellationReasons(error)) return 'contention' as const;
        throw error;
      }
    });
    if (result !== 'done') throw new Error('Could not undo a partial allocation');
  }

  private async transact(
    items: TransactItem[],
    grants: readonly SeatGrant[],
    now: Date,
    withPool = true,
  ): Promise<AllocationAttempt | 'contention'> {
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: items }));
      return { outcome: 'allocated' };
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (!reasons) throw error;
      if (isContention(reasons)) return 'contention';
      const memberReasons = withPool ? reasons.slice(1) : reasons;
      const changed = grants.filter((_, i) => memberReasons[i]?.code === 'ConditionalCheckFailed');
      if (changed.length > 0) return { outcome: 'memberChanged', memberIds: changed.map((g) => g.memberId) };
      const pool = withPool && reasons[0]?.code === 'ConditionalCheckFailed' ? reasons[0].item : undefined;
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
                  UpdateExpression: 'REMOVE seat, GSI1PK, GSI1SK',
                  ConditionExpression: 'seat.revocableUntil > :now',
                  ExpressionAttributeValues: { ':now': formatInstant(now) },
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

  async depart(corpId: string, memberId: string, departedAt: Instant): Promise<Departure> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const { Item } = await this.db.send(
        new GetCommand({ TableName: tableName(), Key: memberKey(corpId, memberId), ConsistentRead: true }),
      );
      const member = Item ? toMember(Item) : null;
      if (member?.status === 'departed') return { alreadyDeparted: true, releasedSeat: null };
      const markDeparted: TransactItem = {
        Update: {
          TableName: tableName(),
          Key: memberKey(corpId, memberId),
          UpdateExpression:
            'SET corpId = :corp, memberId = :member, memberStatus = :departed, departedAt = :at, heldSeatAtDeparture = :held ' +
            'REMOVE seat, GSI1PK, GSI1SK',
          // Guard against a concurrent allocation, revocation or departure since the read.
          ConditionExpression: member?.seat
            ? 'memberStatus = :active AND seat.allocationId = :id'
            : member
              ? 'memberStatus = :active AND attribute_not_exists(seat)'
              : 'attribute_not_exists(PK)',
          ExpressionAttributeValues: {
            ':corp': corpId,
            ':member': memberId,
            ':departed': 'departed',
            ':at': departedAt,
            ':held': Boolean(member?.seat),
            ...(member && { ':active': 'active' }),
            ...(member?.seat && { ':id': member.seat.allocationId }),
          },
        },
      };
      try {
        await this.db.send(
          new TransactWriteCommand({
            TransactItems: member?.seat ? [markDeparted, poolDelta(corpId, -1)] : [markDeparted],
          }),
        );
        return { alreadyDeparted: false, releasedSeat: member?.seat ?? null };
      } catch (error) {
        if (!cancellationReasons(error)) throw error;
      }
    }
    throw new Error(`Departure of ${memberId} kept conflicting`);
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

