import pLimit from 'p-limit';
import {
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
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
import type {
  AuditEntry,
  Creation,
  Handover,
  HandoverBook,
  HandoverExecution,
  OpenHandover,
  RunningHandover,
  TransferMove,
  TransferRecord,
  UndoCreation,
} from '#ports/handovers';
import type { Page, PageRequest } from '#ports/stores';
import {
  INDEX_GSI1,
  assetKey,
  cancellationReasons,
  conditionally,
  auditKey,
  corpKey,
  pageQuery,
  encodeCursor,
  handoverKey,
  handoversOfPartition,
  isContention,
  openHandoverKey,
  RUNNING_HANDOVERS_PARTITION,
  outcomePartition,
  ownerPartition,
  retryOnContention,
  settingsKey,
  tableName,
} from './table.ts';

/**
 * Moves and outcome lines written per transaction (2 and 1 actions each; DynamoDB takes 100): a
 * batch of moves costs one request per 50 assets instead of one per asset. A transaction that meets
 * any refusal is written again move by move, which sorts out which one and why.
 */
const MOVES_PER_TRANSACTION = 50;
const LINES_PER_TRANSACTION = 100;
const ONE_BY_ONE_CONCURRENCY = 16;

const chunks = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

/** Outcome lines outlive the report's link by far; the report in S3 is the lasting record. */
const OUTCOME_TTL_S = 180 * 24 * 60 * 60;

const outcomeSortKey = (asset: Pick<Asset, 'assetType' | 'assetId'>) => `${asset.assetType}#${asset.assetId}`;

const toOutcome = ({ assetType, assetId, title, from, to, result, error }: Record<string, unknown>) =>
  ({ assetType, assetId, title, from, to, result, error: error ?? null }) as AssetOutcome;

const toHandover = (item: Record<string, unknown>): Handover => {
  const { PK: _pk, SK: _sk, GSI1PK: _g1, GSI1SK: _g2, ...rest } = item;
  const handover = rest as Handover;
  return {
    ...handover,
    toMemberId: handover.toMemberId ?? null,
    finishedAt: handover.finishedAt ?? null,
    reportKey: handover.reportKey ?? null,
    reason: handover.reason ?? null,
    plan: handover.plan ?? null,
    undoes: handover.undoes ?? null,
    undoneBy: handover.undoneBy ?? null,
  };
};

/**
 * Index entry of a running handover's open slot, across corps: the sweeper's query. Sorted by the
 * time it started running; the slot's deletion when the handover closes removes it.
 */
const runningIndex = (corpId: string, memberId: string, since: Instant) => ({
  GSI1PK: RUNNING_HANDOVERS_PARTITION,
  GSI1SK: `${since}#${corpId}#${memberId}`,
});

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

  async create(handover: Handover, options: { execution?: HandoverExecution; audit?: AuditEntry } = {}): Promise<Creation> {
    const { corpId, handoverId, fromMemberId } = handover;
    const opens = handover.status === 'running' || handover.status === 'awaiting_admin';
    const running = handover.status === 'running' && options.execution;
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
                      Item: {
                        ...openHandoverKey(corpId, fromMemberId),
                        handoverId,
                        status: handover.status,
                        ...(running && {
                          ...runningIndex(corpId, fromMemberId, handover.createdAt),
                          execution: options.execution,
                          runningSince: handover.createdAt,
                        }),
                      },
                      ConditionExpression: 'attribute_not_exists(PK)',
                      ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
                    },
                  },
                ]
              : []),
            ...(options.audit
              ? [{ Put: { TableName: tableName(), Item: { ...auditKey(corpId, options.audit.at, handoverId), ...options.audit } } }]
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

  async createUndo(
    undo: Handover,
    { originalId, otherMemberId, execution, replacing }: { originalId: string; otherMemberId: string; execution: HandoverExecution; replacing: string | null },
  ): Promise<UndoCreation> {
    const { corpId, handoverId, fromMemberId } = undo;
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: tableName(),
                Key: handoverKey(corpId, originalId),
                UpdateExpression: 'SET undoneBy = :undo',
                // Handovers are written with `undoneBy: null`; a retry replaces exactly the failed undo it saw.
                ...(replacing
                  ? { ConditionExpression: 'attribute_exists(PK) AND undoneBy = :previous', ExpressionAttributeValues: { ':undo': handoverId, ':previous': replacing } }
                  : {
                      ConditionExpression: 'attribute_exists(PK) AND (attribute_not_exists(undoneBy) OR attribute_type(undoneBy, :null))',
                      ExpressionAttributeValues: { ':undo': handoverId, ':null': 'NULL' },
                    }),
              },
            },
            {
              Put: {
                TableName: tableName(),
                Item: { ...handoverKey(corpId, handoverId), GSI1PK: handoversOfPartition(corpId, fromMemberId), GSI1SK: handoverKey(corpId, handoverId).SK, ...undo },
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            },
            {
              Put: {
                TableName: tableName(),
                Item: {
                  ...openHandoverKey(corpId, fromMemberId),
                  handoverId,
                  status: 'running',
                  ...runningIndex(corpId, fromMemberId, undo.createdAt),
                  execution,
                  runningSince: undo.createdAt,
                },
                ConditionExpression: 'attribute_not_exists(PK)',
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
              },
            },
            {
              // The member the assets go back to must not be in a handover of their own meanwhile.
              ConditionCheck: {
                TableName: tableName(),
                Key: openHandoverKey(corpId, otherMemberId),
                ConditionExpression: 'attribute_not_exists(PK) OR #status <> :running',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: { ':running': 'running' },
              },
            },
          ],
        }),
      );
      return { outcome: 'created' };
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (!reasons) throw error;
      if (reasons[0]?.code === 'ConditionalCheckFailed') return { outcome: 'undone' };
      const open = reasons[2]?.code === 'ConditionalCheckFailed' ? reasons[2].item : undefined;
      if (open) return { outcome: 'memberBusy', open: { handoverId: String(open.handoverId), status: open.status as OpenHandover['status'] } };
      if (reasons[3]?.code === 'ConditionalCheckFailed') return { outcome: 'otherBusy' };
      throw error;
    }
  }

  takeOver(
    corpId: string,
    fromMemberId: string,
    handoverId: string,
    { toMemberId, assetTypes, execution, at }: { toMemberId: string; assetTypes: AssetType[]; execution: HandoverExecution; at: Instant },
  ): Promise<boolean> {
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
                UpdateExpression: 'SET #status = :running, execution = :execution, runningSince = :at, GSI1PK = :gsi1pk, GSI1SK = :gsi1sk',
                ConditionExpression: 'handoverId = :id',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: {
                  ':running': 'running',
                  ':id': handoverId,
                  ':execution': execution,
                  ':at': at,
                  ':gsi1pk': runningIndex(corpId, fromMemberId, at).GSI1PK,
                  ':gsi1sk': runningIndex(corpId, fromMemberId, at).GSI1SK,
                },
              },
            },
          ],
        }),
      ),
    );
  }

  async runningSince(before: Instant): Promise<RunningHandover[]> {
    const items = await queryAll(this.db, {
      TableName: tableName(),
      IndexName: INDEX_GSI1,
      KeyConditionExpression: 'GSI1PK = :pk AND GSI1SK < :before',
      ExpressionAttributeValues: { ':pk': RUNNING_HANDOVERS_PARTITION, ':before': before },
    });
    return items.map((item) => ({
      corpId: String(item.PK).slice('CORP#'.length),
      memberId: String(item.SK).slice('OPEN_HANDOVER#'.length),
      handoverId: String(item.handoverId),
      runningSince: String(item.runningSince),
      execution: item.execution as HandoverExecution,
    }));
  }

  async audit(corpId: string, page: PageRequest): Promise<Page<AuditEntry>> {
    const result = await this.db.send(
      new QueryCommand({
        TableName: tableName(),
        ...pageQuery({ corpId, partition: corpKey(corpId), sortPrefix: 'AUDIT#' }, page),
        ScanIndexForward: false,
      }),
    );
    return {
      // Handovers, traces and investigations share the list: each entry as it was written, keys aside.
      items: (result.Items ?? []).map(({ PK: _pk, SK: _sk, ...entry }) => entry as AuditEntry),
      nextCursor: encodeCursor(result.LastEvaluatedKey),
    };
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

  private moveItem(corpId: string, handoverId: string, { outcome, version, movedBy }: TransferMove, at: Instant) {
    return {
      TableName: tableName(),
      Key: assetKey(corpId, outcome.assetType, outcome.assetId),
      UpdateExpression: `SET ownerId = :to, GSI1PK = :index, updatedAt = :at, handedOverBy = :handover${version === null ? '' : ', version = :version'}`,
      // The service's version of the move supersedes what it reported before; never go back. An undo
      // moves only what the handover it reverses moved last.
      ConditionExpression: [
        'ownerId = :from',
        ...(version === null ? [] : ['(attribute_not_exists(version) OR version < :version)']),
        ...(movedBy ? ['handedOverBy = :movedBy'] : []),
      ].join(' AND '),
      ExpressionAttributeValues: {
        ':to': outcome.to,
        ':from': outcome.from,
        ':index': ownerPartition(corpId, outcome.to),
        ':at': at,
        ':handover': handoverId,
        ...(version !== null && { ':version': version }),
        ...(movedBy && { ':movedBy': movedBy }),
      },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
    };
  }

  /** One move and its outcome line, when its page's transaction met a conflict. */
  private async recordTransfer(corpId: string, handoverId: string, move: TransferMove, at: Instant): Promise<TransferRecord> {
    const { outcome } = move;
    const result = await retryOnContention(async (): Promise<TransferRecord | 'contention'> => {
      try {
        await this.db.send(
          new TransactWriteCommand({ TransactItems: [{ Update: this.moveItem(corpId, handoverId, move, at) }, { Put: this.outcomeLine(corpId, handoverId, outcome) }] }),
        );
        return 'transferred';
      } catch (error) {
        const reasons = cancellationReasons(error);
        if (!reasons) throw error;
        if (reasons[1]?.code === 'ConditionalCheckFailed') return 'alreadyRecorded';
        if (reasons[0]?.code === 'ConditionalCheckFailed') {
          const stored = reasons[0].item;
          if (!stored || stored.deleted) return 'gone';
          // The service's report of this very move got here first: the catalog already agrees. The
          // report's write carried no handedOverBy, so it is stamped now, or an undo would take the asset for changed.
          if (stored.ownerId === outcome.to) {
            await this.stampHandedOver(corpId, handoverId, move, at);
            return (await this.writeOutcomeLine(corpId, handoverId, outcome)) ? 'transferred' : 'alreadyRecorded';
          }
          if (stored.ownerId === outcome.from && move.movedBy && stored.handedOverBy !== move.movedBy) return 'changed';
          return 'ownerChanged';
        }
        if (isContention(reasons)) return 'contention';
        throw error;
      }
    });
    if (result === 'contention') throw new Error(`Transfer of ${outcome.assetId} kept conflicting`);
    return result;
  }

  /** Marks the asset moved by this handover if it still is where this move put it, at this move's version. */
  private stampHandedOver(corpId: string, handoverId: string, { outcome, version }: TransferMove, at: Instant): Promise<boolean> {
    return conditionally(
      this.db.send(
        new UpdateCommand({
          TableName: tableName(),
          Key: assetKey(corpId, outcome.assetType, outcome.assetId),
          UpdateExpression: 'SET handedOverBy = :handover, updatedAt = :at',
          ConditionExpression: `ownerId = :to${version === null ? '' : ' AND version = :version'}`,
          ExpressionAttributeValues: { ':handover': handoverId, ':at': at, ':to': outcome.to, ...(version !== null && { ':version': version }) },
        }),
      ),
    );
  }

  async recordTransfers(corpId: string, handoverId: string, moves: readonly TransferMove[], at: Instant): Promise<TransferRecord[]> {
    const limit = pLimit(ONE_BY_ONE_CONCURRENCY);
    const results = await Promise.all(
      chunks(moves, MOVES_PER_TRANSACTION).map(async (chunk): Promise<TransferRecord[]> => {
        try {
          await this.db.send(
            new TransactWriteCommand({
              TransactItems: chunk.flatMap((move) => [
                { Update: this.moveItem(corpId, handoverId, move, at) },
                { Put: this.outcomeLine(corpId, handoverId, move.outcome) },
              ]),
            }),
          );
          return chunk.map(() => 'transferred');
        } catch (error) {
          if (!cancellationReasons(error)) throw error;
          return Promise.all(chunk.map((move) => limit(() => this.recordTransfer(corpId, handoverId, move, at))));
        }
      }),
    );
    return results.flat();
  }

  private outcomeLine(corpId: string, handoverId: string, outcome: AssetOutcome) {
    return { TableName: tableName(), Item: this.outcomeItem(corpId, handoverId, outcome), ConditionExpression: 'attribute_not_exists(PK)' };
  }

  private writeOutcomeLine(corpId: string, handoverId: string, outcome: AssetOutcome): Promise<boolean> {
    return conditionally(this.db.send(new PutCommand(this.outcomeLine(corpId, handoverId, outcome))));
  }

  private async recordOutcome(corpId: string, handoverId: string, outcome: AssetOutcome): Promise<void> {
    await this.writeOutcomeLine(corpId, handoverId, outcome);
  }

  async recordOutcomes(corpId: string, handoverId: string, outcomes: readonly AssetOutcome[]): Promise<void> {
    const limit = pLimit(ONE_BY_ONE_CONCURRENCY);
    await Promise.all(
      chunks(outcomes, LINES_PER_TRANSACTION).map(async (chunk) => {
        try {
          await this.db.send(new TransactWriteCommand({ TransactItems: chunk.map((outcome) => ({ Put: this.outcomeLine(corpId, handoverId, outcome) })) }));
        } catch (error) {
          if (!cancellationReasons(error)) throw error;
          await Promise.all(chunk.map((outcome) => limit(() => this.recordOutcome(corpId, handoverId, outcome))));
        }
      }),
    );
  }

  async moved(corpId: string, handoverId: string, assetType: AssetType, page: PageRequest): Promise<Page<AssetOutcome>> {
    const PK = outcomePartition(corpId, handoverId);
    // The cursor only travels between the workflow's steps: the last sort key read.
    const result = await this.db.send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        FilterExpression: '#result = :transferred',
        ExpressionAttributeNames: { '#result': 'result' },
        ExpressionAttributeValues: { ':pk': PK, ':prefix': `${assetType}#`, ':transferred': 'transferred' },
        Limit: page.limit,
        ExclusiveStartKey: page.cursor ? { PK, SK: page.cursor } : undefined,
        ConsistentRead: true,
      }),
    );
    return { items: (result.Items ?? []).map(toOutcome), nextCursor: result.LastEvaluatedKey ? String(result.LastEvaluatedKey.SK) : null };
  }

  async outcomes(corpId: string, handoverId: string): Promise<AssetOutcome[]> {
    const fields = ['assetType', 'assetId', 'title', 'from', 'to', 'result', 'error'];
    const items = await queryAll(this.db, {
      TableName: tableName(),
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': outcomePartition(corpId, handoverId) },
      // The report's fields only (several are reserved words).
      ProjectionExpression: fields.map((_, i) => `#f${i}`).join(', '),
      ExpressionAttributeNames: Object.fromEntries(fields.map((field, i) => [`#f${i}`, field])),
      ConsistentRead: true,
    });
    return items.map(toOutcome);
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
