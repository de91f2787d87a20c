import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AuditTrail, LeakAuditEntry } from '#ports/handovers';
import { auditKey, tableName } from './table.ts';

/** Writes into the corp's admin audit list (`GET /corps/{corpId}/audit`), beside the handovers' entries. */
export class DynamoAuditTrail implements AuditTrail {
  constructor(private readonly db: DynamoDBDocumentClient) {}

  async record(corpId: string, entry: LeakAuditEntry): Promise<void> {
    const id = entry.investigationId ?? entry.traceId ?? entry.at;
    await this.db.send(new PutCommand({ TableName: tableName(), Item: { ...auditKey(corpId, entry.at, id), ...entry } }));
  }
}
