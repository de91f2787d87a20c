import { randomBytes } from 'node:crypto';
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Page, PageRequest } from '#ports/stores';
import type { SecretSealer, TraceRecord, WatermarkBook, WatermarkKey } from '#ports/watermarks';
import { conditionally, corpKey, pageQuery, encodeCursor, tableName } from './table.ts';

const keyItem = (corpId: string, version: number) => ({ PK: corpKey(corpId), SK: `WATERMARK_KEY#${String(version).padStart(3, '0')}` });
const serialItem = (corpId: string, memberId: string) => ({ PK: corpKey(corpId), SK: `WATERMARK_SERIAL#${memberId}` });
const memberItem = (corpId: string, serial: number) => ({ PK: corpKey(corpId), SK: `WATERMARK_MEMBER#${serial}` });
const sequenceItem = (corpId: string) => ({ PK: corpKey(corpId), SK: 'WATERMARK_SEQUENCE' });

export class DynamoWatermarkBook implements WatermarkBook {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly sealer: SecretSealer,
  ) {}

  /** Newest first; `limit` 1 reads (and unseals) only the current key. */
  private async readKeys(corpId: string, limit?: number): Promise<WatermarkKey[]> {
    const { Items } = await this.db.send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ExpressionAttributeValues: { ':pk': corpKey(corpId), ':prefix': 'WATERMARK_KEY#' },
        ScanIndexForward: false,
        ConsistentRead: true,
        Limit: limit,
      }),
    );
    return Promise.all((Items ?? []).map(async (item) => ({ version: Number(item.version), secret: await this.sealer.open(corpId, String(item.sealed)) })));
  }

  keys(corpId: string): Promise<WatermarkKey[]> {
    return this.readKeys(corpId);
  }

  async currentKey(corpId: string): Promise<WatermarkKey> {
    const [current] = await this.readKeys(corpId, 1);
    if (current) return current;
    const secret = new Uint8Array(randomBytes(32));
    // Two first uses at once: one key wins and both use it.
    await conditionally(
      this.db.send(
        new PutCommand({
          TableName: tableName(),
          Item: { ...keyItem(corpId, 1), version: 1, sealed: await this.sealer.seal(corpId, secret) },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      ),
    );
    return (await this.readKeys(corpId, 1))[0]!;
  }

  async serialOf(corpId: string, memberId: string): Promise<number> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const { Item } = await this.db.send(new GetCommand({ TableName: tableName(), Key: serialItem(corpId, memberId), ConsistentRead: true }));
      if (Item) return Number(Item.serial);
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: tableName(),
          Key: sequenceItem(corpId),
          UpdateExpression: 'ADD lastSerial :one',
          ExpressionAttributeValues: { ':one': 1 },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      const serial = Number(Attributes?.lastSerial);
      const assigned = await conditionally(
        this.db.send(
          new TransactWriteCommand({
            TransactItems: [
              { Put: { TableName: tableName(), Item: { ...serialItem(corpId, memberId), serial }, ConditionExpression: 'attribute_not_exists(PK)' } },
              { Put: { TableName: tableName(), Item: { ...memberItem(corpId, serial), memberId }, ConditionExpression: 'attribute_not_exists(PK)' } },
            ],
          }),
        ),
      );
      if (assigned) return serial;
    }
    throw new Error(`Could not assign a watermark serial to ${memberId}`);
  }

  async memberOfSerial(corpId: string, serial: number): Promise<string | null> {
    const { Item } = await this.db.send(new GetCommand({ TableName: tableName(), Key: memberItem(corpId, serial) }));
    return Item ? String(Item.memberId) : null;
  }

  async lastSerial(corpId: string): Promise<number> {
    const { Item } = await this.db.send(new GetCommand({ TableName: tableName(), Key: sequenceItem(corpId), ConsistentRead: true }));
    return Number(Item?.lastSerial ?? 0);
  }

  async traces(corpId: string, page: PageRequest): Promise<Page<TraceRecord>> {
    const result = await this.db.send(
      new QueryCommand({
        TableName: tableName(),
        ...pageQuery({ corpId, partition: corpKey(corpId), sortPrefix: 'WATERMARK_TRACE#' }, page),
        ScanIndexForward: false,
      }),
    );
    return {
      items: (result.Items ?? []).map(({ PK: _pk, SK: _sk, ...trace }) => trace as TraceRecord),
      nextCursor: encodeCursor(result.LastEvaluatedKey),
    };
  }

  async recordTrace(corpId: string, trace: TraceRecord): Promise<void> {
    await this.db.send(new PutCommand({ TableName: tableName(), Item: { PK: corpKey(corpId), SK: `WATERMARK_TRACE#${trace.traceId}`, ...trace } }));
  }
}
