import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { chineseDaysSchedules } from '#adapters/calendar/chinese-days-schedule';
import { formatInvoiceNumber, isOpen, numberLedger, type LedgerEntry, type NumberLine } from '#core/invoice';
import type { Instant } from '#core/time';
import type { DueDate, YearSchedule } from '#core/working-days';
import type { Application, CalendarStore, Closing, Invoice, InvoiceBook, OpenInvoiceRef, Reversal } from '#ports/invoices';
import type { Page, PageRequest } from '#ports/stores';
import {
  CALENDAR_PARTITION,
  INDEX_GSI1,
  NUMBER_PREFIX,
  OPEN_INVOICES_PARTITION,
  cancellationReasons,
  conditionally,
  corpKey,
  pageQuery,
  encodeCursor,
  invoiceKey,
  invoiceSequenceKey,
  isContention,
  numberLineKey,
  openInvoiceIndexKey,
  orderKey,
  retryOnContention,
  tableName,
} from './table.ts';

/** Invoices written before reversals and restarts lack these fields. */
const toInvoice = ({ PK: _pk, SK: _sk, GSI1PK: _gpk, GSI1SK: _gsk, ...item }: Record<string, unknown>): Invoice => ({
  kind: 'blue',
  reverses: null,
  reversesNumber: null,
  reversedBy: null,
  sellerTaxId: null,
  workflowRun: 0,
  closedReason: null,
  closedAt: null,
  ...(item as Partial<Invoice>),
} as Invoice);

/** The item of a new, open invoice: listed in the cross-corp index of open invoices until it closes. */
const openInvoiceItem = (invoice: Invoice) => ({
  ...invoiceKey(invoice.corpId, invoice.invoiceId),
  ...openInvoiceIndexKey(invoice.corpId, invoice.invoiceId, invoice.requestedAt),
  ...invoice,
});

const OPEN = "#status IN (:requested, :overdue)";
const openValues = { ':requested': 'requested', ':overdue': 'overdue' };
const NO_NUMBER = '(attribute_not_exists(invoiceNumber) OR attribute_type(invoiceNumber, :null))';

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
            { Put: { TableName: tableName(), Item: openInvoiceItem(invoice), ConditionExpression: 'attribute_not_exists(PK)' } },
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

  async forOrder(corpId: string, orderId: string): Promise<Invoice | null> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: tableName(), Key: orderKey(corpId, orderId), ProjectionExpression: 'invoiceId', ConsistentRead: true }),
    );
    return Item?.invoiceId ? this.get(corpId, String(Item.invoiceId)) : null;
  }

  async listOpen(cursor: string | null): Promise<Page<OpenInvoiceRef>> {
    const result = await this.db.send(
      new QueryCommand({
        TableName: tableName(),
        IndexName: INDEX_GSI1,
        KeyConditionExpression: 'GSI1PK = :open',
        ExpressionAttributeValues: { ':open': OPEN_INVOICES_PARTITION },
        ProjectionExpression: 'corpId, invoiceId',
        // The sweeper's own cursor, never a client's.
        ExclusiveStartKey: cursor ? JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) : undefined,
      }),
    );
    return {
      items: (result.Items ?? []).map((item) => ({ corpId: String(item.corpId), invoiceId: String(item.invoiceId) })),
      nextCursor: encodeCursor(result.LastEvaluatedKey),
    };
  }

  async assignNumber(sellerTaxId: string, corpId: string, invoiceId: string, at: Instant): Promise<string | null> {
    const assigned = await retryOnContention(() => this.tryAssignNumber(sellerTaxId, corpId, invoiceId, at), 20);
    if (assigned === 'contention') throw new Error(`Drawing seller ${sellerTaxId}'s next invoice number kept conflicting`);
    return assigned;
  }

  /**
   * Reads the seller's last number, then in one transaction moves the sequence on (only from that
   * number), writes the number's ledger line and gives it to the invoice (only if it is open and has
   * none). A concurrent draw cancels the whole transaction, so a number is never drawn unrecorded.
   */
  private async tryAssignNumber(sellerTaxId: string, corpId: string, invoiceId: string, at: Instant): Promise<string | null | 'contention'> {
    const invoice = await this.get(corpId, invoiceId);
    if (!invoice || invoice.invoiceNumber) return invoice?.invoiceNumber ?? null;
    if (!isOpen(invoice.status)) return null;
    const { Item } = await this.db.send(new GetCommand({ TableName: tableName(), Key: invoiceSequenceKey(sellerTaxId), ConsistentRead: true }));
    const last = Number(Item?.lastNumber ?? 0);
    const invoiceNumber = formatInvoiceNumber(last + 1);
    const line: NumberLine = { invoiceNumber, use: 'invoice', corpId, invoiceId, kind: invoice.kind, drawnAt: at };
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: tableName(),
                Key: invoiceSequenceKey(sellerTaxId),
                UpdateExpression: 'SET lastNumber = :next',
                ConditionExpression: last === 0 ? 'attribute_not_exists(lastNumber)' : 'lastNumber = :last',
                ExpressionAttributeValues: { ':next': last + 1, ...(last !== 0 && { ':last': last }) },
              },
            },
            { Put: { TableName: tableName(), Item: { ...numberLineKey(sellerTaxId, invoiceNumber), ...line }, ConditionExpression: 'attribute_not_exists(PK)' } },
            {
              Update: {
                TableName: tableName(),
                Key: invoiceKey(corpId, invoiceId),
                UpdateExpression: 'SET invoiceNumber = :number, sellerTaxId = :seller',
                ConditionExpression: `attribute_exists(PK) AND ${NO_NUMBER} AND ${OPEN}`,
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: { ':number': invoiceNumber, ':seller': sellerTaxId, ':null': 'NULL', ...openValues },
              },
            },
          ],
        }),
      );
      return invoiceNumber;
    } catch (error) {
      // Another draw moved the sequence, or the invoice got its number or closed meanwhile: read again.
      if (cancellationReasons(error)) return 'contention';
      throw error;
    }
  }

  async numberLedger(sellerTaxId: string): Promise<LedgerEntry[]> {
    const { Item } = await this.db.send(new GetCommand({ TableName: tableName(), Key: invoiceSequenceKey(sellerTaxId), ConsistentRead: true }));
    const lines: NumberLine[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: tableName(),
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
          ExpressionAttributeValues: { ':pk': numberLineKey(sellerTaxId, '').PK, ':prefix': NUMBER_PREFIX },
          ExclusiveStartKey: start,
          ConsistentRead: true,
        }),
      );
      for (const { PK: _pk, SK: _sk, ...line } of page.Items ?? []) lines.push(line as NumberLine);
      start = page.LastEvaluatedKey;
    } while (start);
    return numberLedger(Number(Item?.lastNumber ?? 0), lines);
  }

  async close(corpId: string, invoiceId: string, closing: Closing): Promise<Invoice | null> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const invoice = await this.get(corpId, invoiceId);
      if (!invoice || !isOpen(invoice.status)) return null;
      const holdsNumber = invoice.invoiceNumber !== null && invoice.sellerTaxId !== null;
      try {
        await this.db.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  TableName: tableName(),
                  Key: invoiceKey(corpId, invoiceId),
                  UpdateExpression: 'SET #status = :closed, closedReason = :reason, closedAt = :at REMOVE GSI1PK, GSI1SK',
                  // Closed as read: a number drawn meanwhile would otherwise escape the ledger's void.
                  ConditionExpression: `${OPEN} AND ${holdsNumber ? 'invoiceNumber = :number' : NO_NUMBER}`,
                  ExpressionAttributeNames: { '#status': 'status' },
                  ExpressionAttributeValues: {
                    ':closed': closing.status,
                    ':reason': closing.reason,
                    ':at': closing.at,
                    ...openValues,
                    ...(holdsNumber ? { ':number': invoice.invoiceNumber } : { ':null': 'NULL' }),
                  },
                },
              },
              ...(holdsNumber
                ? [
                    {
                      Update: {
                        TableName: tableName(),
                        Key: numberLineKey(invoice.sellerTaxId!, invoice.invoiceNumber!),
                        UpdateExpression: 'SET #use = :void, reason = :reason, voidedAt = :at',
                        ConditionExpression: 'invoiceId = :invoiceId',
                        ExpressionAttributeNames: { '#use': 'use' },
                        ExpressionAttributeValues: { ':void': 'void', ':reason': `Invoice ${closing.status}: ${closing.reason}`, ':at': closing.at, ':invoiceId': invoiceId },
                      },
                    },
                  ]
                : []),
            ],
          }),
        );
        return { ...invoice, status: closing.status, closedReason: closing.reason, closedAt: closing.at };
      } catch (error) {
        if (!cancellationReasons(error)) throw error;
      }
    }
    throw new Error(`Closing invoice ${invoiceId} kept conflicting`);
  }

  async reverse(original: Invoice, red: Invoice): Promise<Reversal> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: tableName(),
                Key: invoiceKey(original.corpId, original.invoiceId),
                UpdateExpression: 'SET reversedBy = :red',
                ConditionExpression: '#status = :issued AND (attribute_not_exists(reversedBy) OR attribute_type(reversedBy, :null))',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: { ':red': red.invoiceId, ':issued': 'issued', ':null': 'NULL' },
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
            { Put: { TableName: tableName(), Item: openInvoiceItem(red), ConditionExpression: 'attribute_not_exists(PK)' } },
          ],
        }),
      );
      return { outcome: 'created' };
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (reasons?.[0]?.code !== 'ConditionalCheckFailed') throw error;
      const current = reasons[0].item;
      return current?.reversedBy ? { outcome: 'exists', invoiceId: String(current.reversedBy) } : { outcome: 'notIssued' };
    }
  }

  markReversed(corpId: string, invoiceId: string): Promise<boolean> {
    return this.moveStatus(corpId, invoiceId, 'issued', 'reversed');
  }

  claimWorkflowRun(corpId: string, invoiceId: string, run: number): Promise<boolean> {
    return conditionally(
      this.db.send(
        new UpdateCommand({
          TableName: tableName(),
          Key: invoiceKey(corpId, invoiceId),
          UpdateExpression: 'SET workflowRun = :next',
          ConditionExpression: `attribute_exists(PK) AND ${run === 0 ? '(attribute_not_exists(workflowRun) OR workflowRun = :run)' : 'workflowRun = :run'}`,
          ExpressionAttributeValues: { ':next': run + 1, ':run': run },
        }),
      ),
    );
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
          UpdateExpression: 'SET #status = :issued, issuedAt = :at, invoiceNumber = :number, pdfKey = :key REMOVE GSI1PK, GSI1SK',
          ConditionExpression: OPEN,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':issued': 'issued', ':at': issued.issuedAt, ':number': issued.invoiceNumber, ':key': issued.pdfKey, ...openValues },
        }),
      ),
    );
  }

  markOverdue(corpId: string, invoiceId: string): Promise<boolean> {
    return this.moveStatus(corpId, invoiceId, 'requested', 'overdue');
  }

  /** `from` -> `to`, only if the invoice is still `from`: false when it has moved on. */
  private moveStatus(corpId: string, invoiceId: string, from: Invoice['status'], to: Invoice['status']): Promise<boolean> {
    return conditionally(
      this.db.send(
        new UpdateCommand({
          TableName: tableName(),
          Key: invoiceKey(corpId, invoiceId),
          UpdateExpression: 'SET #status = :to',
          ConditionExpression: '#status = :from',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':to': to, ':from': from },
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
