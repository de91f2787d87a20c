import { BatchGetCommand, type BatchGetCommandOutput, GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Member, MemberDirectory, MemberProfile } from '#ports/stores';
import { memberKey, tableName } from './table.ts';

export type MemberItem = Omit<Member, 'status'> & { PK: string; SK: string; memberStatus: Member['status'] };

export const toMember = (item: Record<string, unknown>): Member => {
  const { PK: _pk, SK: _sk, GSI1PK: _g1, GSI1SK: _g2, memberStatus, ...rest } = item as MemberItem & Record<string, unknown>;
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
  };
};

const BATCH_GET_LIMIT = 100;

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
    const unique = [...new Set(memberIds)];
    for (let i = 0; i < unique.length; i += BATCH_GET_LIMIT) {
      let keys: Record<string, unknown>[] | undefined = unique
        .slice(i, i + BATCH_GET_LIMIT)
        .map((id) => memberKey(corpId, id));
      while (keys?.length) {
        const result: BatchGetCommandOutput = await this.db.send(
          new BatchGetCommand({ RequestItems: { [tableName()]: { Keys: keys, ConsistentRead: true } } }),
        );
        for (const item of result.Responses?.[tableName()] ?? []) {
          const member = toMember(item);
          found.set(member.memberId, member);
        }
        keys = result.UnprocessedKeys?.[tableName()]?.Keys;
      }
    }
    return found;
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
  }
}
