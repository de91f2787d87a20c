import { GetCommand, UpdateCommand, type DynamoDBDocumentClient, paginateQuery } from '@aws-sdk/lib-dynamodb';
import { seatSpans } from '#core/file-log';
import type { Instant } from '#core/time';
import type { Member, MemberDirectory, MemberProfile, ScheduledDeparture } from '#ports/stores';
import { batchGetAll, bumpPolicyEpoch, conditionally, corpKey, memberKey, tableName } from './table.ts';

export type MemberItem = Omit<Member, 'status' | 'seatSpans'> & {
  PK: string;
  SK: string;
  memberStatus: Member['status'];
  seatsFrom?: Instant[];
  seatsUntil?: Instant[];
};

export const toMember = (item: Record<string, unknown>): Member => {
  const { PK: _pk, SK: _sk, GSI1PK: _g1, GSI1SK: _g2, memberStatus, seatsFrom, seatsUntil, ...rest } = item as MemberItem & Record<string, unknown>;
  return {
    corpId: rest.corpId,
    memberId: rest.memberId,
    name: rest.name ?? '',
    managerId: rest.managerId ?? null,
    departmentId: rest.departmentId ?? null,
    status: memberStatus,
    departedAt: rest.departedAt ?? null,
    heldSeatAtDeparture: Boolean(rest.heldSeatAtDeparture),
    seat: rest.seat ? { ...rest.seat, lockedAt: rest.seat.lockedAt ?? null } : null,
    seatSpans: seatSpans(seatsFrom ?? [], seatsUntil ?? [], rest.seat?.allocatedAt ?? null),
    scheduledDeparture: rest.scheduledDeparture ?? null,
    departureScheduleId: rest.departureScheduleId ?? null,
  };
};


export class DynamoMemberDirectory implements MemberDirectory {
  constructor(private readonly db: DynamoDBDocumentClient) {}

  async getMember(corpId: string, memberId: string): Promise<Member | null> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: tableName(), Key: memberKey(corpId, memberId), ConsistentRead: true }),
    );
    return Item ? toMember(Item) : null;
  }

  async getMembers(corpId: string, memberIds: readonly string[]): Promise<Map<string, Member>> {
    const found = new Map<string, Member>();
    for (const item of await batchGetAll(this.db, tableName(), [...new Set(memberIds)].map((id) => memberKey(corpId, id)))) {
      const member = toMember(item);
      found.set(member.memberId, member);
    }
    return found;
  }

  async allMembers(corpId: string): Promise<Member[]> {
    const members: Member[] = [];
    const pages = paginateQuery(
      { client: this.db },
      {
        TableName: tableName(),
        // Whole items: a Member read here is the same as one read by getMember (seat spans included).
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ExpressionAttributeValues: { ':pk': corpKey(corpId), ':prefix': 'MEMBER#' },
        ConsistentRead: true,
      },
    );
    for await (const page of pages) for (const item of page.Items ?? []) members.push(toMember(item));
    return members;
  }

  async upsertMember(profile: MemberProfile): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: memberKey(profile.corpId, profile.memberId),
        UpdateExpression:
          'SET corpId = :corp, memberId = :member, #name = :name, managerId = :manager, ' +
          'departmentId = :department, memberStatus = if_not_exists(memberStatus, :active)',
        ExpressionAttributeNames: { '#name': 'name' },
        ExpressionAttributeValues: {
          ':corp': profile.corpId,
          ':member': profile.memberId,
          ':name': profile.name,
          ':manager': profile.managerId,
          ':department': profile.departmentId,
          ':active': 'active',
        },
      }),
    );
    // A new member, a new name or department changes what policies decide.
    await bumpPolicyEpoch(this.db, profile.corpId, 'members');
  }

  async scheduleDeparture(corpId: string, memberId: string, departedAt: Instant, newScheduleId: string): Promise<ScheduledDeparture | null> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const scheduled = await conditionally(
        this.db.send(
          new UpdateCommand({
            TableName: tableName(),
            Key: memberKey(corpId, memberId),
            UpdateExpression: 'SET corpId = :corp, memberId = :member, memberStatus = if_not_exists(memberStatus, :active), scheduledDeparture = :scheduled',
            // A redelivery with the same date keeps the schedule (and the workflow) already in force.
            ConditionExpression:
              'attribute_not_exists(PK) OR (memberStatus = :active AND (attribute_not_exists(scheduledDeparture) OR scheduledDeparture.departedAt <> :at))',
            ExpressionAttributeValues: {
              ':corp': corpId,
              ':member': memberId,
              ':active': 'active',
              ':at': departedAt,
              ':scheduled': { departedAt, scheduleId: newScheduleId },
            },
          }),
        ),
      );
      if (scheduled) {
        // The schedule may have created the member.
        await bumpPolicyEpoch(this.db, corpId, 'members');
        return { departedAt, scheduleId: newScheduleId };
      }
      const member = await this.getMember(corpId, memberId);
      if (member?.status === 'departed') return null;
      if (member?.scheduledDeparture?.departedAt === departedAt) return member.scheduledDeparture;
    }
    throw new Error(`Scheduling the departure of ${memberId} kept conflicting`);
  }

  cancelScheduledDeparture(corpId: string, memberId: string, now: Instant): Promise<boolean> {
    return conditionally(
      this.db.send(
        new UpdateCommand({
          TableName: tableName(),
          Key: memberKey(corpId, memberId),
          UpdateExpression: 'REMOVE scheduledDeparture',
          // A departure whose date has come is due, whether or not its workflow has applied it yet.
          ConditionExpression: 'memberStatus = :active AND scheduledDeparture.departedAt > :now',
          ExpressionAttributeValues: { ':active': 'active', ':now': now },
        }),
      ),
    );
  }
}
