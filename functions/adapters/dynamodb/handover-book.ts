import {
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import {
  DEFAULT_HANDOVER_SETTINGS,
  type Asset,
  type AssetOutcome,
  type AssetType,
  type HandoverSettings,
} from '#core/handover';
import type { Instant } from '#core/time';
import type { Creation, Handover, HandoverBook, OpenHandover, TransferRecord } from '#ports/handovers';
import type { Page, PageRequest } from '#ports/stores';
import {
  INDEX_GSI1,
  assetKey,
  cancellationReasons,
  conditionally,
  corpKey,
  pageQuery,
  encodeCursor,
  handoverKey,
  handoversOfPartition,
  isContention,
  openHandoverKey,
  outcomePartition,
  ownerPartition,
  retryOnContention,
  settingsKey,
  tableName,
} from './table.ts';

/** Outcome lines outlive the report's link by far; the report in S3 is the lasting record. */
const OUTCOME_TTL_S = 180 * 24 * 60 * 60;

const outcomeSortKey = (asset: Pick<Asset, 'assetType' | 'assetId'>) => `${asset.assetType}#${asset.assetId}`;

const toHandover = (item: Record<string, unknown>): Handover => {
  const { PK: _pk, SK: _sk, GSI1PK: _g1, GSI1SK: _g2, ...rest } = item;
  const handover = rest as Handover;
  return { ...handover, toMemberId: handover.toMemberId ?? null, finishedAt: handover.finishedAt ?? null, reportKey: handover.reportKey ?? null, reason: handover.reason ?? null };
};

const queryAll = async (db: DynamoDBDocumentClient, input: QueryCommandInput): Promise<Record<string, unknown>[]> => {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const result = await db.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
    items.push(...(result.Items ?? []));
    start = result.LastEvaluatedKey;
  } while (start);
  return items;
};

export class DynamoHandoverBook implements HandoverBook {
  constructor(private readonly db: DynamoDBDocumentClient) {}

  async getSettings(corpId: string): Promise<HandoverSettings> {
    const { Item } = await this.db.send(new GetCommand({ TableName: tableName(), Key: settingsKey(corpId) }));
    return Item ? { auto: Boolean(Item.auto), fallbackRecipientId: (Item.fallbackRecipientId as string | null) ?? null } : DEFAULT_HANDOVER_SETTINGS;
  }

  async putSettings(corpId: string, settings: HandoverSettings): Promise<void> {
    await this.db.send(new PutCommand({ TableName: tableName(), Item: { ...settingsKey(corpId), ...settings } }));
  }

  async get(corpId: string, handoverId: string): Promise<Handover | null> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: tableName(), Key: handoverKey(corpId, handoverId), ConsistentRead: true }),
    );
    return Item ? toHandover(Item) : null;
  }

  async list(corpId: string, fromMemberId: string | null, page: PageRequest): Promise<Page<Handover>> {
    const result = await this.db.send(
      new QueryCommand({
        TableName: tableName(),
        ...pageQuery(
          fromMemberId
            ? { corpId, index: INDEX_GSI1, partition: handoversOfPartition(corpId, fromMemberId), sortPrefix: 'HANDOVER#' }
            : { corpId, partition: corpKey(corpId), sortPrefix: 'HANDOVER#' },
          page,
        ),
        ScanIndexForward: false,
      }),
    );
    return { items: (result.Items ?? []).map(toHandover), nextCursor: encodeCursor(result.LastEvaluatedKey) };
  }

  async openHandover(corpId: string, memberId: string): Promise<OpenHandover | null> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: tableName(), Key: openHandoverKey(corpId, memberId), ConsistentRead: true }),
    );
    return Item ? { handoverId: String(Item.handoverId), status: Item.status as OpenHandover['status'] } : null;
  }

  async create(handover: Handover): Promise<Creation> {
    const { corpId, handoverId, fromMemberId } = handover;
    const opens = handover.status === 'running' || handover.status === 'awaiting_admin';
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: tableName(),
                Item: {
                  ...handoverKey(corpId, handoverId),
                  GSI1PK: handoversOfPartition(corpId, fromMemberId),
                  GSI1SK: handoverKey(corpId, handoverId).SK,
                  ...handover,
                },
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            },
            ...(opens
              ? [
                  {
                    Put: {
                      TableName: tableName(),
                      Item: { ...openHandoverKey(corpId, fromMemberId), handoverId, status: handover.status },
                      ConditionExpression: 'attribute_not_exists(PK)',
                      ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
                    },
                  },
                ]
              : []),
          ],
        }),
      );
      return { outcome: 'created' };
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (!reasons) throw error;
      if (reasons[0]?.code === 'ConditionalCheckFailed') return { outcome: 'exists' };
      const open = reasons[1]?.code === 'ConditionalCheckFailed' ? reasons[1].item : undefined;
      if (open) return { outcome: 'memberBusy', open: { handoverId: String(open.handoverId), status: open.status as OpenHandover['status'] } };
      throw error;
    }
  }

  takeOver(corpId: string, fromMemberId: string, handoverId: string, toMemberId: string, assetTypes: AssetType[]): Promise<boolean> {
    return conditionally(
      this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: tableName(),
                Key: handoverKey(corpId, handoverId),
                UpdateExpression: 'SET #status = :running, #mode = :manual, toMemberId = :to, assetTypes = :types REMOVE reason',
                ConditionExpression: '#status = :awaiting',
                ExpressionAttributeNames: { '#status': 'status', '#mode': 'mode' },
                ExpressionAttributeValues: {
                  ':running': 'running',
                  ':manual': 'manual',
                  ':to': toMemberId,
                  ':types': assetTypes,
                  ':awaiting': 'awaiting_admin',
                },
              },
            },
            {
              Update: {
                TableName: tableName(),
                Key: openHandoverKey(corpId, fromMemberId),
                UpdateExpression: 'SET #status = :running',
                ConditionExpression: 'handoverId = :id',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: { ':running': 'running', ':id': handoverId },
              },
            },
          ],
        }),
      ),
    );
  }

  async decided(corpId: string, handoverId: string, assets: readonly Pick<Asset, 'assetType' | 'assetId'>[]): Promise<Set<string>> {
    if (assets.length === 0) return new Set();
    const keys = assets.map(outcomeSortKey).sort();
    // Assets arrive in key order, so one range query over the outcome lines covers them all.
    const items = await queryAll(this.db, {
      TableName: tableName(),
      KeyConditionExpression: 'PK = :pk AND SK BETWEEN :first AND :last',
      ExpressionAttributeValues: { ':pk': outcomePartition(corpId, handoverId), ':first': keys[0], ':last': keys.at(-1) },
      ProjectionExpression: 'SK',
      ConsistentRead: true,
    });
    const wanted = new Set(keys);
    return new Set(items.map((item) => String(item.SK)).filter((key) => wanted.has(key)));
  }

  private outcomeItem(corpId: string, handoverId: string, outcome: AssetOutcome) {
    return {
      PK: outcomePartition(corpId, handoverId),
      SK: outcomeSortKey(outcome),
      ...outcome,
      expiresAt: Math.floor(Date.now() / 1000) + OUTCOME_TTL_S,
    };
  }

  async recordTransfer(corpId: string, handoverId: string, outcome: AssetOutcome, at: Instant): Promise<TransferRecord> {
    const result = await retryOnContention(async (): Promise<TransferRecord | 'contention'> => {
      try {
        await this.db.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  TableName: tableName(),
                  Key: assetKey(corpId, outcome.assetType, outcome.assetId),
                  UpdateExpression: 'SET ownerId = :to, GSI1PK = :index, updatedAt = :at, handedOverBy = :handover',
                  ConditionExpression: 'ownerId = :from',
                  ExpressionAttributeValues: {
                    ':to': outcome.to,
                    ':from': outcome.from,
                    ':index': ownerPartition(corpId, outcome.to),
                    ':at': at,
                    ':handover': handoverId,
                  },
                  ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
                },
              },
              {
                Put: {
                  TableName: tableName(),
                  Item: this.outcomeItem(corpId, handoverId, outcome),
                  ConditionExpression: 'attribute_not_exists(PK)',
                },
              },
            ],
          }),
        );
        return 'transferred';
      } catch (error) {
        const reasons = cancellationReasons(error);
        if (!reasons) throw error;
        if (reasons[1]?.code === 'ConditionalCheckFailed') return 'alreadyRecorded';
        if (reasons[0]?.code === 'ConditionalCheckFailed') return reasons[0].item ? 'ownerChanged' : 'gone';
        if (isContention(reasons)) return 'contention';
        throw error;
      }
    });
    if (result === 'contention') throw new Error(`Transfer of ${outcome.assetId} kept conflicting`);
    return result;
  }

  async recordOutcome(corpId: string, handoverId: string, outcome: AssetOutcome): Promise<void> {
    await conditionally(
      this.db.send(
        new PutCommand({
          TableName: tableName(),
          Item: this.outcomeItem(corpId, handoverId, outcome),
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      ),
    );
  }

  async outcomes(corpId: string, handoverId: string): Promise<AssetOutcome[]> {
    const items = await queryAll(this.db, {
      TableName: tableName(),
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': outcomePartition(corpId, handoverId) },
      ConsistentRead: true,
    });
    return items.map(({ assetType, assetId, title, from, to, result, error }) => ({
      assetType, assetId, title, from, to, result, error: error ?? null,
    }) as AssetOutcome);
  }

  finish(
    { corpId, handoverId, fromMemberId }: Pick<Handover, 'corpId' | 'handoverId' | 'fromMemberId'>,
    result: Pick<Handover, 'status' | 'counts' | 'finishedAt' | 'reportKey' | 'reason'>,
  ): Promise<boolean> {
    return conditionally(
      this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: tableName(),
                Key: handoverKey(corpId, handoverId),
                UpdateExpression: 'SET #status = :status, counts = :counts, finishedAt = :at, reportKey = :report, reason = :reason',
                ConditionExpression: '#status = :running',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: {
                  ':status': result.status,
                  ':counts': result.counts,
                  ':at': result.finishedAt,
                  ':report': result.reportKey,
                  ':reason': result.reason,
                  ':running': 'running',
                },
              },
            },
            {
              Delete: {
                TableName: tableName(),
                Key: openHandoverKey(corpId, fromMemberId),
                ConditionExpression: 'handoverId = :id',
                ExpressionAttributeValues: { ':id': handoverId },
              },
            },
          ],
        }),
      ),
    );
  }
}
