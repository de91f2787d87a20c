import { GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { InvestigationBook, InvestigationRecord } from '#ports/file-log';
import type { Page, PageRequest } from '#ports/stores';
import { corpKey, encodeCursor, investigationKey, INVESTIGATION_PREFIX, pageQuery, tableName } from './table.ts';

const toRecord = (item: Record<string, unknown>): InvestigationRecord => {
  const { investigationId, createdAt, createdBy, trace, events } = item as InvestigationRecord;
  return { investigationId, createdAt, createdBy, trace, events };
};

export class DynamoInvestigationBook implements InvestigationBook {
  constructor(private readonly db: DynamoDBDocumentClient) {}

  async save(corpId: string, investigation: InvestigationRecord): Promise<void> {
    await this.db.send(new PutCommand({ TableName: tableName(), Item: { ...investigationKey(corpId, investigation.investigationId), corpId, ...investigation } }));
  }

  async get(corpId: string, investigationId: string): Promise<InvestigationRecord | null> {
    const { Item } = await this.db.send(new GetCommand({ TableName: tableName(), Key: investigationKey(corpId, investigationId), ConsistentRead: true }));
    return Item ? toRecord(Item) : null;
  }

  async list(corpId: string, page: PageRequest): Promise<Page<InvestigationRecord>> {
    const result = await this.db.send(
      new QueryCommand({
        TableName: tableName(),
        ...pageQuery({ corpId, partition: corpKey(corpId), sortPrefix: INVESTIGATION_PREFIX }, page),
        ProjectionExpression: 'PK, SK, investigationId, createdAt, createdBy, trace, events',
        ScanIndexForward: false,
      }),
    );
    return {
      items: (result.Items ?? []).map(toRecord),
      nextCursor: encodeCursor(result.LastEvaluatedKey),
    };
  }
}
