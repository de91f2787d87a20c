import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { chineseDaysSchedules } from '#adapters/calendar/chinese-days-schedule';
import type { Instant } from '#core/time';
import type { DueDate, YearSchedule } from '#core/working-days';
import type { Application, CalendarStore, Invoice, InvoiceBook } from '#ports/invoices';
import type { Page, PageRequest } from '#ports/stores';
import {
  CALENDAR_PARTITION,
  cancellationReasons,
  conditionally,
  corpKey,
  pageQuery,
  encodeCursor,
  invoiceKey,
  invoiceSequenceKey,
  isContention,
  orderKey,
  retryOnContention,
  tableName,
} from './table.ts';

const toInvoice = ({ PK: _pk, SK: _sk, ...item }: Record<string, unknown>): Invoice => item as Invoice;

export class DynamoInvoiceBook implements InvoiceBook {
  constructor(private readonly db: DynamoDBDocumentClient) {}

  async apply(invoice: Invoice): Promise<Application> {
    const applied = await retryOnContention(() => this.tryApply(invoice));
    if (applied === 'contention') throw new Error(`Applications for order ${invoice.orderId} kept conflicting`);
    return applied;
  }

  private async tryApply(invoice: Invoice): Promise<Application | 'contention'> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: tableName(),
                Key: orderKey(invoice.corpId, invoice.orderId),
                UpdateExpression: 'SET invoiceId = :id',
                ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(refundedAt) AND attribute_not_exists(invoiceId)',
                ExpressionAttributeValues: { ':id': invoice.invoiceId },
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
            {
              Put: {
                TableName: tableName(),
                Item: { ...invoiceKey(invoice.corpId, invoice.invoiceId), ...invoice },
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            },
          ],
        }),
      );
      return { outcome: 'created' };
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (reasons && isContention(reasons)) return 'contention';
      if (reasons?.[0]?.code !== 'ConditionalCheckFailed') throw error;
      const order = reasons[0].item;
      if (!order) return { outcome: 'orderNotPaid' };
      if (order.invoiceId) return { outcome: 'exists', invoiceId: String(order.invoiceId) };
      return { outcome: 'refunded' };
    }
  }

  async get(corpId: string, invoiceId: string): Promise<Invoice | null> {
    const { Item } = await this.db.send(new GetCommand({ TableName: tableName(), Key: invoiceKey(corpId, invoiceId), ConsistentRead: true }));
    return Item ? toInvoice(Item) : null;
  }

  async list(corpId: string, page: PageRequest): Promise<Page<Invoice>> {
    const result = await this.db.send(
      new QueryCommand({
        TableName: tableName(),
        ...pageQuery({ corpId, partition: corpKey(corpId), sortPrefix: 'INVOICE#' }, page),
        ScanIndexForward: false,
      }),
    );
    return { items: (result.Items ?? []).map(toInvoice), nextCursor: encodeCursor(result.LastEvaluatedKey) };
  }

  async assignNumber(corpId: string, invoiceId: string): Promise<string> {
    const current = await this.get(corpId, invoiceId);
    if (current?.invoiceNumber) return current.invoiceNumber;
    const { Attributes } = await this.db.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: invoiceSequenceKey(corpId),
        UpdateExpression: 'ADD lastNumber :one',
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const drawn = String(Attributes?.lastNumber).padStart(8, '0');
    // A retry that lost the race keeps the first number; the one it drew stays unused, never reused.
    const kept = await conditionally(
      this.db.send(
        new UpdateCommand({
          TableName: tableName(),
          Key: invoiceKey(corpId, invoiceId),
          UpdateExpression: 'SET invoiceNumber = :number',
          ConditionExpression: 'attribute_exists(PK) AND attribute_type(invoiceNumber, :null)',
          ExpressionAttributeValues: { ':number': drawn, ':null': 'NULL' },
        }),
      ),
    );
    return kept ? drawn : (await this.get(corpId, invoiceId))!.invoiceNumber!;
  }

  async countCheck(corpId: string, invoiceId: string): Promise<number> {
    const { Attributes } = await this.db.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: invoiceKey(corpId, invoiceId),
        UpdateExpression: 'ADD checks :one',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(Attributes?.checks ?? 1);
  }

  async updateDue(corpId: string, invoiceId: string, due: DueDate): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: invoiceKey(corpId, invoiceId),
        UpdateExpression: 'SET dueBy = :due, dueByProvisional = :provisional',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeValues: { ':due': due.dueBy, ':provisional': due.provisional },
      }),
    );
  }

  markIssued(corpId: string, invoiceId: string, issued: { issuedAt: Instant; invoiceNumber: string; pdfKey: string }): Promise<boolean> {
    return conditionally(
      this.db.send(
        new UpdateCommand({
          TableName: tableName(),
          Key: invoiceKey(corpId, invoiceId),
          UpdateExpression: 'SET #status = :issued, issuedAt = :at, invoiceNumber = :number, pdfKey = :key',
          ConditionExpression: '#status <> :issued',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':issued': 'issued', ':at': issued.issuedAt, ':number': issued.invoiceNumber, ':key': issued.pdfKey },
        }),
      ),
    );
  }

  markOverdue(corpId: string, invoiceId: string): Promise<boolean> {
    return conditionally(
      this.db.send(
        new UpdateCommand({
          TableName: tableName(),
          Key: invoiceKey(corpId, invoiceId),
          UpdateExpression: 'SET #status = :overdue',
          ConditionExpression: '#status = :requested',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':overdue': 'overdue', ':requested': 'requested' },
        }),
      ),
    );
  }

  markAlerted(corpId: string, invoiceId: string, at: Instant): Promise<boolean> {
    return conditionally(
      this.db.send(
        new UpdateCommand({
          TableName: tableName(),
          Key: invoiceKey(corpId, invoiceId),
          UpdateExpression: 'SET alertedAt = :at',
          ConditionExpression: 'attribute_type(alertedAt, :null)',
          ExpressionAttributeValues: { ':at': at, ':null': 'NULL' },
        }),
      ),
    );
  }
}

/** The library's schedules first, then the years operators loaded, which extend or correct them. */
export class DynamoCalendarStore implements CalendarStore {
  private readonly library = chineseDaysSchedules();

  constructor(private readonly db: DynamoDBDocumentClient) {}

  async years(): Promise<YearSchedule[]> {
    const { Items } = await this.db.send(
      new QueryCommand({ TableName: tableName(), KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': CALENDAR_PARTITION } }),
    );
    const loaded = (Items ?? []).map(({ year, holidays, workdays }) => ({ year: Number(year), holidays: holidays ?? [], workdays: workdays ?? [] }));
    return [...this.library, ...loaded];
  }

  async putYear(schedule: YearSchedule): Promise<void> {
    await this.db.send(new PutCommand({ TableName: tableName(), Item: { PK: CALENDAR_PARTITION, SK: `YEAR#${schedule.year}`, ...schedule } }));
  }
}
