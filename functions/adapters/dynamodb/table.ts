import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, UpdateCommand, paginateQuery, type BatchGetCommandOutput, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { DomainError } from '#core/errors';

/*
 * Single-table key design (see docs/data-model.md):
 *   PK CORP#<corpId>  SK POOL                 seat pool counters for the corp
 *   PK CORP#<corpId>  SK ORDER#<orderId>      a paid order and whether it counts in the pool
 *   PK CORP#<corpId>  SK MEMBER#<memberId>    directory entry; holds `seat` while allocated
 *   GSI1 (sparse) GSI1PK CORP#<corpId>#SEATS, GSI1SK MEMBER#<memberId>: current seat holders
 *   PK CORP#<corpId>  SK ASSET#<type>#<assetId>  an asset and its owner
 *   GSI1 GSI1PK CORP#<corpId>#OWNER#<ownerId>, GSI1SK ASSET#<type>#<assetId>: what a member owns
 *   PK CORP#<corpId>  SK SETTINGS#HANDOVER     the corp's handover settings
 *   PK CORP#<corpId>  SK HANDOVER#<handoverId> a handover (ids sort by creation time)
 *   GSI1 GSI1PK CORP#<corpId>#HANDOVERS#<fromMemberId>, GSI1SK HANDOVER#<handoverId>
 *   PK CORP#<corpId>  SK OPEN_HANDOVER#<memberId>  the member's one running or awaiting handover
 *   GSI1 (sparse) GSI1PK RUNNING_HANDOVERS, GSI1SK <runningSince>#<corpId>#<memberId>: running ones, every corp
 *   PK CORP#<corpId>  SK AUDIT#<at>#<handoverId>  the admin audit list
 *   PK CORP#<corpId>#HANDOVER#<handoverId>  SK <type>#<assetId>  one asset's outcome, written once
 *   PK CORP#<corpId>  SK INVOICE#<invoiceId>  an invoice (ids sort by creation time)
 *   GSI1 (sparse) GSI1PK OPEN_INVOICE, GSI1SK <requestedAt>#<corpId>#<invoiceId>: open invoices of every corp
 *   PK SELLER#<taxId> SK INVOICE_SEQUENCE      the seller's last invoice number
 *   PK SELLER#<taxId> SK NUMBER#<number>       one drawn number: its invoice, or void
 *   PK CALENDAR#CN    SK YEAR#<year>           a holiday schedule loaded by an operator
 *   PK IDEMPOTENCY    SK <webhook key>        Powertools idempotency records, expired by TTL
 *   PK CORP#<corpId>  SK POLICY#<type>          a security policy in force (its latest version)
 *   PK CORP#<corpId>  SK POLICY_VERSION#<type>#<version, 10 digits>  every version of it, kept
 *   PK CORP#<corpId>  SK POLICY_EPOCH           counters bumped by every change a compiled engine depends on
 *   PK CORP#<corpId>  SK DEVICE#<deviceId>      a desktop device seen at login: trust, kind, members
 *   PK DEVICE#<deviceId> SK ENTERPRISE          the corps that marked the device enterprise (the rule spans corps)
 *   PK CORP#<corpId>  SK INVESTIGATION#<investigationId>  a leak investigation (ids sort by creation time)
 * File events live in their own table (functions/adapters/dynamodb/file-log.ts).
 */
export const tableName = (): string => {
  const name = process.env.TABLE_NAME;
  if (!name) throw new Error('TABLE_NAME is not set');
  return name;
};

/** The overloaded index: seat holders, a member's assets, a member's handovers (see the key design). */
export const INDEX_GSI1 = 'GSI1';
/** A transaction holds at most 100 actions. */
export const MAX_TRANSACTION_ITEMS = 100;
/** Sorts before any instant: makes the next pool read re-check orders. */
export const STALE_BOUNDARY = '0000-01-01T00:00:00Z';

export const corpKey = (corpId: string) => `CORP#${corpId}`;
export const poolKey = (corpId: string) => ({ PK: corpKey(corpId), SK: 'POOL' });
export const orderKey = (corpId: string, orderId: string) => ({ PK: corpKey(corpId), SK: `ORDER#${orderId}` });
export const memberKey = (corpId: string, memberId: string) => ({ PK: corpKey(corpId), SK: `MEMBER#${memberId}` });
export const seatIndexPartition = (corpId: string) => `${corpKey(corpId)}#SEATS`;
export const seatIndexKey = (corpId: string, memberId: string) => ({
  GSI1PK: seatIndexPartition(corpId),
  GSI1SK: `MEMBER#${memberId}`,
});

export const assetKey = (corpId: string, assetType: string, assetId: string) => ({
  PK: corpKey(corpId),
  SK: `ASSET#${assetType}#${assetId}`,
});
export const ownerPartition = (corpId: string, ownerId: string) => `${corpKey(corpId)}#OWNER#${ownerId}`;
export const settingsKey = (corpId: string) => ({ PK: corpKey(corpId), SK: 'SETTINGS#HANDOVER' });
export const handoverKey = (corpId: string, handoverId: string) => ({ PK: corpKey(corpId), SK: `HANDOVER#${handoverId}` });
export const handoversOfPartition = (corpId: string, memberId: string) => `${corpKey(corpId)}#HANDOVERS#${memberId}`;
export const openHandoverKey = (corpId: string, memberId: string) => ({ PK: corpKey(corpId), SK: `OPEN_HANDOVER#${memberId}` });
export const RUNNING_HANDOVERS_PARTITION = 'RUNNING_HANDOVERS';
export const auditKey = (corpId: string, at: string, handoverId: string) => ({ PK: corpKey(corpId), SK: `AUDIT#${at}#${handoverId}` });
export const outcomePartition = (corpId: string, handoverId: string) => `${corpKey(corpId)}#HANDOVER#${handoverId}`;

export const invoiceKey = (corpId: string, invoiceId: string) => ({ PK: corpKey(corpId), SK: `INVOICE#${invoiceId}` });
export const OPEN_INVOICES_PARTITION = 'OPEN_INVOICE';
export const openInvoiceIndexKey = (corpId: string, invoiceId: string, requestedAt: string) => ({
  GSI1PK: OPEN_INVOICES_PARTITION,
  GSI1SK: `${requestedAt}#${corpId}#${invoiceId}`,
});
const sellerKey = (sellerTaxId: string) => `SELLER#${sellerTaxId}`;
export const invoiceSequenceKey = (sellerTaxId: string) => ({ PK: sellerKey(sellerTaxId), SK: 'INVOICE_SEQUENCE' });
export const NUMBER_PREFIX = 'NUMBER#';
export const numberLineKey = (sellerTaxId: string, invoiceNumber: string) => ({ PK: sellerKey(sellerTaxId), SK: `${NUMBER_PREFIX}${invoiceNumber}` });
export const CALENDAR_PARTITION = 'CALENDAR#CN';

export const policyKey = (corpId: string, type: string) => ({ PK: corpKey(corpId), SK: `POLICY#${type}` });
export const policyVersionPrefix = (type: string) => `POLICY_VERSION#${type}#`;
export const policyVersionKey = (corpId: string, type: string, version: number) => ({
  PK: corpKey(corpId),
  SK: `${policyVersionPrefix(type)}${String(version).padStart(10, '0')}`,
});
export const policyEpochKey = (corpId: string) => ({ PK: corpKey(corpId), SK: 'POLICY_EPOCH' });
export const deviceKey = (corpId: string, deviceId: string) => ({ PK: corpKey(corpId), SK: `DEVICE#${deviceId}` });
export const enterpriseMarkKey = (deviceId: string) => ({ PK: `DEVICE#${deviceId}`, SK: 'ENTERPRISE' });

export const INVESTIGATION_PREFIX = 'INVESTIGATION#';
export const investigationKey = (corpId: string, investigationId: string) => ({ PK: corpKey(corpId), SK: `${INVESTIGATION_PREFIX}${investigationId}` });

export type EpochPart = 'policies' | 'members' | 'devices';

/**
 * Tells compiled policy engines that what they were made from changed: a decision that reads the new
 * epoch reads the change too. Rare admin changes (policies, devices) bump inside their own transaction;
 * member changes, which HR sends in bursts, bump with a plain update after the change (in a
 * transaction the bursts would conflict on this one item), and again on a redelivery.
 */
export const policyEpochBump = (corpId: string, part: EpochPart) => ({
  Update: {
    TableName: tableName(),
    Key: policyEpochKey(corpId),
    UpdateExpression: 'ADD #part :one',
    ExpressionAttributeNames: { '#part': part },
    ExpressionAttributeValues: { ':one': 1 },
  },
});

export const bumpPolicyEpoch = (db: DynamoDBDocumentClient, corpId: string, part: EpochPart) => db.send(new UpdateCommand(policyEpochBump(corpId, part).Update));

/** Cursors are the opaque LastEvaluatedKey of the list's query. */
export const encodeCursor = (key: Record<string, unknown> | undefined): string | null =>
  key ? Buffer.from(JSON.stringify(key)).toString('base64url') : null;

/** The key condition of a list's query: its partition, the prefix of its sort keys, on the table or GSI1. */
export type CursorQuery = { corpId: string; partition: string; sortPrefix: string; index?: typeof INDEX_GSI1 };

/**
 * A cursor is accepted only as a key the list's own query could have returned: exactly the key
 * attributes of its table or index, all strings, in the corp's partition (and the index
 * partition queried), with a sort key in the queried range. Anything else (another corp's or
 * another list's key, a key missing its sort key, a value that is not a string) is a 400.
 */
const decodeCursor = (cursor: string | null, query: CursorQuery): Record<string, unknown> | undefined => {
  if (!cursor) return undefined;
  const [partitionKey, sortKey] = query.index ? ['GSI1PK', 'GSI1SK'] : ['PK', 'SK'];
  const attributes = query.index ? ['GSI1PK', 'GSI1SK', 'PK', 'SK'] : ['PK', 'SK'];
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = null;
  }
  const record = key && typeof key === 'object' && !Array.isArray(key) ? (key as Record<string, unknown>) : null;
  const valid =
    record !== null &&
    Object.keys(record).sort().join() === [...attributes].sort().join() &&
    attributes.every((name) => typeof record[name] === 'string') &&
    record.PK === corpKey(query.corpId) &&
    record[partitionKey] === query.partition &&
    (record[sortKey] as string).startsWith(query.sortPrefix);
  if (valid) return record;
  throw new DomainError('VALIDATION_FAILED', 'The request is not valid.', { errors: [{ path: '/cursor', message: 'Unknown or foreign cursor' }] });
};

/** One page of a list: the query's key condition, stated once, and the cursor checked against it. */
export const pageQuery = (query: CursorQuery, page: { limit: number; cursor: string | null }) => {
  const [partitionKey, sortKey] = query.index ? ['GSI1PK', 'GSI1SK'] : ['PK', 'SK'];
  return {
    ...(query.index && { IndexName: query.index }),
    KeyConditionExpression: `${partitionKey} = :pk AND begins_with(${sortKey}, :prefix)`,
    ExpressionAttributeValues: { ':pk': query.partition, ':prefix': query.sortPrefix },
    Limit: page.limit,
    ExclusiveStartKey: decodeCursor(page.cursor, query),
  };
};

export type CancellationReason = { code: string; item: Record<string, unknown> | undefined };

/** Reasons of a cancelled transaction, in action order, with items unmarshalled. */
export const cancellationReasons = (error: unknown): CancellationReason[] | null => {
  if (!(error instanceof TransactionCanceledException)) return null;
  return (error.CancellationReasons ?? []).map((reason) => ({
    code: reason.Code ?? 'None',
    item: reason.Item ? unmarshall(reason.Item as Record<string, AttributeValue>) : undefined,
  }));
};

/**
 * Runs a conditional write: true when it landed, false when its condition (or, in a transaction,
 * the first action's condition) failed. Anything else is thrown.
 */
export const conditionally = async (write: Promise<unknown>): Promise<boolean> => {
  try {
    await write;
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    if (cancellationReasons(error)?.[0]?.code === 'ConditionalCheckFailed') return false;
    throw error;
  }
};

export const isContention = (reasons: CancellationReason[]): boolean =>
  reasons.some((r) => r.code === 'TransactionConflict' || r.code === 'ThrottlingError');

/** Runs `attempt` again while it reports contention, with jittered backoff. */
export const retryOnContention = async <T>(
  attempt: () => Promise<T | 'contention'>,
  tries = 12,
): Promise<T | 'contention'> => {
  for (let i = 0; i < tries; i++) {
    const result = await attempt();
    if (result !== 'contention') return result;
    await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(200, 10 * 2 ** i)));
  }
  return 'contention';
};

/**
 * `conditionally` for a transaction that also bumps a shared counter (the policy epoch): run again
 * while it meets another writer there, never reported as a failed condition.
 */
export const conditionallyDespiteContention = async (write: () => Promise<unknown>): Promise<boolean> => {
  const result = await retryOnContention(async () => {
    try {
      return await conditionally(write());
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (reasons && isContention(reasons)) return 'contention' as const;
      throw error;
    }
  });
  if (result === 'contention') throw new Error('The write kept meeting other writers');
  return result;
};

/** Every item a query matches, page after page. */
export const queryAll = async (db: DynamoDBDocumentClient, input: QueryCommandInput): Promise<Record<string, any>[]> => {
  const items: Record<string, any>[] = [];
  for await (const page of paginateQuery({ client: db }, input)) items.push(...(page.Items ?? []));
  return items;
};

/** BatchGetItem's limit of keys per call. */
const BATCH_GET_KEYS = 100;
/** About 25 s of backing off before a throttled read fails its call (and its caller's retry takes over). */
const BATCH_GET_ATTEMPTS = 9;

/**
 * The items at `keys` that exist (strongly consistent), each key asked once, in calls of 100 keys
 * made together. Keys DynamoDB leaves unprocessed (throttling) are asked again, backing off from
 * 100 ms to 6.4 s, 9 attempts in all.
 */
export const batchGetAll = async (
  db: DynamoDBDocumentClient,
  table: string,
  keys: readonly Record<string, unknown>[],
  projection?: string,
): Promise<Record<string, any>[]> => {
  const items: Record<string, any>[] = [];
  // BatchGetItem refuses a call that names one key twice.
  const unique = [...new Map(keys.map((key) => [JSON.stringify(key), key])).values()];
  const batches: Record<string, unknown>[][] = [];
  for (let i = 0; i < unique.length; i += BATCH_GET_KEYS) batches.push(unique.slice(i, i + BATCH_GET_KEYS));
  await Promise.all(
    batches.map(async (batch) => {
      let pending: Record<string, unknown>[] | undefined = batch;
      for (let attempt = 0; pending?.length; attempt++) {
        if (attempt >= BATCH_GET_ATTEMPTS) throw new Error(`${pending.length} keys of ${table} stayed unprocessed after ${BATCH_GET_ATTEMPTS} attempts`);
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** Math.min(attempt, 7)));
        const result: BatchGetCommandOutput = await db.send(
          new BatchGetCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: true, ...(projection && { ProjectionExpression: projection }) } } }),
        );
        items.push(...(result.Responses?.[table] ?? []));
        pending = result.UnprocessedKeys?.[table]?.Keys;
      }
    }),
  );
  return items;
};
