import { GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Investigation, InvestigationBook } from '#ports/file-log';
import type { Page, PageRequest } from '#ports/stores';
import { corpKey, encodeCursor, investigationKey, INVESTIGATION_PREFIX, pageQuery, tableName } from './table.ts';

const toInvestigation = (item: Record<string, unknown>): Investigation => {
  const { investigationId, createdAt, createdBy, trace, timeline } = item as Investigation;
  return { investigationId, createdAt, createdBy, trace, timeline };
};

export class DynamoInvestigationBook implements InvestigationBook {
  constructor(private readonly db: DynamoDBDocumentClient) {}

  async save(corpId: string, investigation: Investigation): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: tableName(),
        Item: { ...investigationKey(corpId, investigation.investigationId), corpId, ...investigation, events: investigation.timeline.length },
      }),
    );
  }

  async get(corpId: string, investigationId: string): Promise<Investigation | null> {
    const { Item } = await this.db.send(new GetCommand({ TableName: tableName(), Key: investigationKey(corpId, investigationId), ConsistentRead: true }));
    return Item ? toInvestigation(Item) : null;
  }

  async list(corpId: string, page: PageRequest): Promise<Page<Omit<Investigation, 'timeline'> & { events: number }>> {
    const result = await this.db.send(
      new QueryCommand({
        TableName: tableName(),
        ...pageQuery({ corpId, partition: corpKey(corpId), sortPrefix: INVESTIGATION_PREFIX }, page),
        ProjectionExpression: 'PK, SK, investigationId, createdAt, createdBy, trace, events',
        ScanIndexForward: false,
      }),
    );
    return {
      items: (result.Items ?? []).map(({ investigationId, createdAt, createdBy, trace, events }) => ({ investigationId, createdAt, createdBy, trace, events })),
      nextCursor: encodeCursor(result.LastEvaluatedKey),
    };
  }
}
