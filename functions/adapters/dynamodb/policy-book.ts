import { BatchGetCommand, GetCommand, QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Policy, PolicyType } from '#core/policies/model';
import type { PolicyBook, PolicyEpoch, PolicyVersion } from '#ports/policies';
import type { Page, PageRequest } from '#ports/stores';
import {
  batchGetAll,
  conditionallyDespiteContention,
  corpKey,
  encodeCursor,
  pageQuery,
  policyEpochBump,
  policyEpochKey,
  policyKey,
  policyVersionKey,
  policyVersionPrefix,
  poolKey,
  tableName,
} from './table.ts';

const toPolicy = (item: Record<string, unknown>): Policy => {
  const { type, enabled, scope, settings, version, changedBy, changedAt } = item as Policy;
  return { type, enabled, scope, settings, version, changedBy, changedAt } as Policy;
};


export class DynamoPolicyBook implements PolicyBook {
  constructor(private readonly db: DynamoDBDocumentClient) {}

  async listPolicies(corpId: string): Promise<Policy[]> {
    const { Items } = await this.db.send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ExpressionAttributeValues: { ':pk': corpKey(corpId), ':prefix': 'POLICY#' },
        ConsistentRead: true,
      }),
    );
    return (Items ?? []).map(toPolicy);
  }

  async getPolicy<T extends PolicyType>(corpId: string, type: T): Promise<Policy<T> | null> {
    const { Item } = await this.db.send(new GetCommand({ TableName: tableName(), Key: policyKey(corpId, type), ConsistentRead: true }));
    return Item ? (toPolicy(Item) as Policy<T>) : null;
  }

  async getPolicyOfCorps<T extends PolicyType>(corpIds: readonly string[], type: T): Promise<Map<string, Policy<T>>> {
    const found = new Map<string, Policy<T>>();
    const keys = [...new Set(corpIds)].map((corpId) => policyKey(corpId, type));
    for (const item of await batchGetAll(this.db, tableName(), keys)) found.set(String(item.corpId), toPolicy(item) as Policy<T>);
    return found;
  }

  async savePolicy(corpId: string, policy: Policy, previousVersion: number): Promise<boolean> {
    return conditionallyDespiteContention(() =>
      this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: tableName(),
                Item: { ...policyKey(corpId, policy.type), corpId, ...policy },
                ConditionExpression: previousVersion === 0 ? 'attribute_not_exists(PK)' : 'version = :previous',
                ...(previousVersion !== 0 && { ExpressionAttributeValues: { ':previous': previousVersion } }),
              },
            },
            {
              Put: {
                TableName: tableName(),
                Item: { ...policyVersionKey(corpId, policy.type, policy.version), corpId, ...policy },
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            },
            policyEpochBump(corpId, 'policies'),
          ],
        }),
      ),
    );
  }

  async listVersions(corpId: string, type: PolicyType, page: PageRequest): Promise<Page<PolicyVersion>> {
    const result = await this.db.send(
      new QueryCommand({
        TableName: tableName(),
        ...pageQuery({ corpId, partition: corpKey(corpId), sortPrefix: policyVersionPrefix(type) }, page),
        ScanIndexForward: false,
      }),
    );
    return {
      items: (result.Items ?? []).map((item) => {
        const policy = toPolicy(item);
        return { version: policy.version, changedBy: policy.changedBy!, changedAt: policy.changedAt!, policy };
      }),
      nextCursor: encodeCursor(result.LastEvaluatedKey),
    };
  }

  async readEpoch(corpId: string): Promise<PolicyEpoch> {
    const result = await this.db.send(
      new BatchGetCommand({
        RequestItems: {
          [tableName()]: {
            Keys: [policyEpochKey(corpId), poolKey(corpId)],
            ProjectionExpression: 'SK, policies, members, devices, seatChanges',
            ConsistentRead: true,
          },
        },
      }),
    );
    const items = result.Responses?.[tableName()] ?? [];
    // Two small items: a throttled read comes back unprocessed, and is read once more alone.
    for (const key of result.UnprocessedKeys?.[tableName()]?.Keys ?? []) {
      const { Item } = await this.db.send(new GetCommand({ TableName: tableName(), Key: key, ConsistentRead: true }));
      if (Item) items.push(Item);
    }
    const epoch = items.find((item) => item.SK === 'POLICY_EPOCH');
    const pool = items.find((item) => item.SK === 'POOL');
    return { policies: epoch?.policies ?? 0, members: epoch?.members ?? 0, devices: epoch?.devices ?? 0, seats: pool?.seatChanges ?? 0 };
  }
}
