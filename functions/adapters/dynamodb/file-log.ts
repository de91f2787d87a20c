import { createHash, randomUUID } from 'node:crypto';
import { BatchWriteCommand, DeleteCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { DomainError } from '#core/errors';
import { FILE_EVENT_FIELDS, HOT_DAYS, queryFor, sortableInstant, type ChainedEvent, type FileEvent, type FileEventFilter, type Segment } from '#core/file-log';
import type { FileLog } from '#ports/file-log';
import type { Page, PageRequest } from '#ports/stores';
import { batchGetAll, conditionally, queryAll } from './table.ts';

/*
 * The file log's own table (key design in docs/data-model.md); every sort key is
 * `<occurredAt, ms UTC>#<eventId>`, so each question is one query of one partition:
 *   PK    MEMBER#<corpId>#<memberId>   a member's time range (and the key redeliveries are checked by)
 *   GSI1  FILE#<corpId>#<fileId>       a file's history
 *   GSI2  ACTION#<corpId>#<action>     a corp's time range for an action
 *   GSI3  CORP#<corpId>                a corp's time range (no filter; the verifier's day)
 *   PK CHAIN#<corpId>#<day>  SK COUNTER | SEAL#<segment, 10 digits>   the day's segment counter and seals
 *   PK DIGEST_DUE#<shard>    SK <day>#<corpId>                      corp-days with a segment no digest binds yet (8 shards by corp)
 * Items expire (TTL `expiresAt`) 180 days after occurredAt; the archive keeps them.
 */
export const fileLogTable = (): string => {
  const name = process.env.FILE_LOG_TABLE;
  if (!name) throw new Error('FILE_LOG_TABLE is not set');
  return name;
};

const INDEXES = {
  member: { index: undefined, pk: 'PK', sk: 'SK', partition: (c: string, f: FileEventFilter) => `MEMBER#${c}#${f.memberId}` },
  file: { index: 'GSI1', pk: 'GSI1PK', sk: 'GSI1SK', partition: (c: string, f: FileEventFilter) => `FILE#${c}#${f.fileId}` },
  action: { index: 'GSI2', pk: 'GSI2PK', sk: 'GSI2SK', partition: (c: string, f: FileEventFilter) => `ACTION#${c}#${f.action}` },
  corp: { index: 'GSI3', pk: 'GSI3PK', sk: 'GSI3SK', partition: (c: string) => `CORP#${c}` },
} as const;

/** Every batch of every corp marks its day: the marks are spread over a few partitions, all read by the digester. */
const DIGEST_DUE_SHARDS = 8;
const digestDuePartition = (corpId: string) => `DIGEST_DUE#${createHash('sha256').update(corpId).digest().readUInt8(0) % DIGEST_DUE_SHARDS}`;
const chainPartition = (corpId: string, day: string) => `CHAIN#${corpId}#${day}`;
const eventKey = (event: Pick<FileEvent, 'corpId' | 'memberId' | 'occurredAt' | 'eventId'>) => ({
  PK: `MEMBER#${event.corpId}#${event.memberId}`,
  SK: `${sortableInstant(event.occurredAt)}#${event.eventId}`,
});
const expiresAt = (instant: string) => Math.floor(Date.parse(instant) / 1000) + HOT_DAYS * 86_400;

const toEvent = (item: Record<string, unknown>): FileEvent =>
  Object.fromEntries(FILE_EVENT_FIELDS.filter((f) => item[f] !== undefined).map((f) => [f, item[f]])) as FileEvent;
const toChained = (item: Record<string, unknown>): ChainedEvent => ({
  ...toEvent(item),
  segment: Number(item.segment),
  position: Number(item.position),
  hash: String(item.hash),
});

const BATCH_WRITE = 25;
/** BatchWrite calls in flight per segment: a 500-event batch is 20 calls, written in about 3 round trips. */
const WRITES_IN_FLIGHT = 8;

const invalidCursor = () =>
  new DomainError('VALIDATION_FAILED', 'The request is not valid.', { errors: [{ path: '/cursor', message: 'Unknown or foreign cursor' }] });

export class DynamoFileLog implements FileLog {
  constructor(private readonly db: DynamoDBDocumentClient) {}

  async storedKeys(events: readonly FileEvent[]): Promise<Set<string>> {
    const stored = new Set<string>();
    for (const item of await batchGetAll(this.db, fileLogTable(), events.map(eventKey), 'corpId, eventId')) stored.add(`${item.corpId}#${item.eventId}`);
    return stored;
  }

  async nextSegment(corpId: string, day: string): Promise<number> {
    const { Attributes } = await this.db.send(
      new UpdateCommand({
        TableName: fileLogTable(),
        Key: { PK: chainPartition(corpId, day), SK: 'COUNTER' },
        UpdateExpression: 'ADD #segments :one SET expiresAt = if_not_exists(expiresAt, :expires)',
        ExpressionAttributeNames: { '#segments': 'segments' },
        ExpressionAttributeValues: { ':one': 1, ':expires': expiresAt(`${day}T23:59:59Z`) },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(Attributes!.segments);
  }

  async saveSegment(corpId: string, day: string, seal: Segment, events: readonly ChainedEvent[]): Promise<void> {
    const items = events.map((event) => {
      const key = eventKey(event);
      return {
        ...key,
        ...event,
        GSI1PK: INDEXES.file.partition(corpId, { fileId: event.fileId } as FileEventFilter),
        GSI1SK: key.SK,
        GSI2PK: INDEXES.action.partition(corpId, { action: event.action } as FileEventFilter),
        GSI2SK: key.SK,
        GSI3PK: INDEXES.corp.partition(corpId),
        GSI3SK: key.SK,
        expiresAt: expiresAt(event.occurredAt),
      };
    });
    const chunks: Record<string, unknown>[][] = [];
    for (let i = 0; i < items.length; i += BATCH_WRITE) chunks.push(items.slice(i, i + BATCH_WRITE));
    const write = async (chunk: Record<string, unknown>[]) => {
      let requests = chunk.map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 0; requests.length > 0; attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(500, 20 * 2 ** attempt)));
        const result = await this.db.send(new BatchWriteCommand({ RequestItems: { [fileLogTable()]: requests } }));
        requests = (result.UnprocessedItems?.[fileLogTable()] ?? []) as typeof requests;
      }
    };
    const queue = [...chunks];
    await Promise.all(Array.from({ length: Math.min(WRITES_IN_FLIGHT, queue.length) }, async () => {
      for (let chunk = queue.shift(); chunk; chunk = queue.shift()) await write(chunk);
    }));
    await this.db.send(
      new PutCommand({
        TableName: fileLogTable(),
        Item: { PK: chainPartition(corpId, day), SK: `SEAL#${String(seal.segment).padStart(10, '0')}`, ...seal, expiresAt: expiresAt(`${day}T23:59:59Z`) },
      }),
    );
  }

  async query(corpId: string, filter: FileEventFilter, page: PageRequest, order: 'newest' | 'oldest' = 'newest'): Promise<Page<FileEvent>> {
    const key = INDEXES[queryFor(filter)];
    const partition = key.partition(corpId, filter);
    const low = filter.from ? sortableInstant(filter.from) : '0';
    const high = filter.to ? `${sortableInstant(filter.to)}#\uffff` : '9';
    // The filter's other fields narrow the one query; its key condition carries the most selective one.
    const conditions: string[] = [];
    const values: Record<string, unknown> = { ':pk': partition, ':low': low, ':high': high };
    for (const field of ['memberId', 'fileId', 'action'] as const) {
      if (filter[field] && !(queryFor(filter) === 'member' && field === 'memberId') && !(queryFor(filter) === 'file' && field === 'fileId') && !(queryFor(filter) === 'action' && field === 'action')) {
        conditions.push(`#${field} = :${field}`);
        values[`:${field}`] = filter[field];
      }
    }
    const names = Object.fromEntries(conditions.map((c) => [c.split(' ')[0]!, c.split(' ')[0]!.slice(1)]));
    const attributes = key.index ? ['PK', 'SK', key.pk, key.sk] : ['PK', 'SK'];
    let start = this.decodeCursor(page.cursor, attributes, key.pk, key.sk, partition, low, high);
    const items: FileEvent[] = [];
    let last: Record<string, unknown> | undefined;
    do {
      const input: QueryCommandInput = {
        TableName: fileLogTable(),
        ...(key.index && { IndexName: key.index }),
        KeyConditionExpression: `${key.pk} = :pk AND ${key.sk} BETWEEN :low AND :high`,
        ...(conditions.length > 0 && { FilterExpression: conditions.join(' AND '), ExpressionAttributeNames: names }),
        ExpressionAttributeValues: values,
        ScanIndexForward: order === 'oldest',
        Limit: page.limit - items.length,
        ExclusiveStartKey: start,
      };
      const result = await this.db.send(new QueryCommand(input));
      for (const item of result.Items ?? []) {
        items.push(toEvent(item));
        last = Object.fromEntries(attributes.map((a) => [a, item[a]]));
      }
      start = result.LastEvaluatedKey;
      // A full page ends at its last item; a short one continues where DynamoDB stopped reading.
      if (!start) last = undefined;
      else if (items.length < page.limit) last = start;
    } while (start && items.length < page.limit);
    return { items, nextCursor: last ? Buffer.from(JSON.stringify(last)).toString('base64url') : null };
  }

  /** A cursor is accepted only as a key this very query could have returned (its partition, its range). */
  private decodeCursor(cursor: string | null, attributes: string[], pk: string, sk: string, partition: string, low: string, high: string) {
    if (!cursor) return undefined;
    let key: Record<string, unknown>;
    try {
      key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>;
    } catch {
      throw invalidCursor();
    }
    const valid =
      key !== null &&
      typeof key === 'object' &&
      Object.keys(key).sort().join() === [...attributes].sort().join() &&
      attributes.every((a) => typeof key[a] === 'string') &&
      key[pk] === partition &&
      (key[sk] as string) >= low &&
      (key[sk] as string) <= high;
    if (!valid) throw invalidCursor();
    return key;
  }

  async seals(corpId: string, day: string): Promise<Segment[]> {
    const items = await queryAll(this.db, {
      TableName: fileLogTable(),
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :seal)',
      ExpressionAttributeValues: { ':pk': chainPartition(corpId, day), ':seal': 'SEAL#' },
      ConsistentRead: true,
    });
    return items.map((item) => ({ segment: Number(item.segment), count: Number(item.count), head: String(item.head) }));
  }

  async dayEvents(corpId: string, day: string): Promise<ChainedEvent[]> {
    const items = await queryAll(this.db, {
      TableName: fileLogTable(),
      IndexName: INDEXES.corp.index,
      KeyConditionExpression: 'GSI3PK = :pk AND GSI3SK BETWEEN :low AND :high',
      ExpressionAttributeValues: { ':pk': INDEXES.corp.partition(corpId), ':low': `${day}T`, ':high': `${day}T\uffff` },
    });
    return items.map(toChained);
  }

  async markDigestDue(corpId: string, day: string): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: fileLogTable(),
        Item: { PK: digestDuePartition(corpId), SK: `${day}#${corpId}`, corpId, day, mark: randomUUID(), expiresAt: expiresAt(`${day}T23:59:59Z`) },
      }),
    );
  }

  async dueDigests(beforeDay: string): Promise<{ corpId: string; day: string; mark: string }[]> {
    const shards = await Promise.all(
      Array.from({ length: DIGEST_DUE_SHARDS }, (_, shard) =>
        queryAll(this.db, {
          TableName: fileLogTable(),
          KeyConditionExpression: 'PK = :pk AND SK < :before',
          ExpressionAttributeValues: { ':pk': `DIGEST_DUE#${shard}`, ':before': beforeDay },
          ConsistentRead: true,
        }),
      ),
    );
    return shards.flat().map((item) => ({ corpId: String(item.corpId), day: String(item.day), mark: String(item.mark) }));
  }

  async clearDigestDue(corpId: string, day: string, mark: string): Promise<void> {
    // A failed condition means the day was marked again meanwhile: the next run digests the new segment too.
    await conditionally(
      this.db.send(
        new DeleteCommand({
          TableName: fileLogTable(),
          Key: { PK: digestDuePartition(corpId), SK: `${day}#${corpId}` },
          ConditionExpression: 'mark = :mark',
          ExpressionAttributeValues: { ':mark': mark },
        }),
      ),
    );
  }
}
