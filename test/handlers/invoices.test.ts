import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DescribeExecutionCommand, ExecutionDoesNotExist, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { orderPaidEvent } from '../fixtures.ts';
import { context, httpEvent } from './helpers.ts';

process.env.TABLE_NAME = 'steward-test';
process.env.DOCUMENTS_BUCKET = 'documents';
process.env.INVOICE_STATE_MACHINE_ARN = 'arn:aws:states:cn-north-1:1:stateMachine:invoice';

const { handler } = await import('../../functions/http/invoices.ts');

const dynamo = mockClient(DynamoDBClient);
const documents = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);

const admin = { sub: 'admin-1', corpId: 'acme', roles: ['admin'] };
const apply = (body: unknown, claims: Record<string, unknown> = admin) =>
  handler(
    httpEvent({
      routeKey: 'POST /corps/{corpId}/orders/{orderId}/invoices',
      params: { corpId: 'acme', orderId: 'o-1' },
      body: JSON.stringify(body),
      claims,
    }),
    context,
  );
const buyer = { title: 'Acme Ltd', taxId: '91350100M000100Y43', email: 'ap@acme.cn' };

describe('invoice application', () => {
  beforeEach(() => {
    dynamo.reset();
    documents.reset();
    sfn.reset();
  });

  for (const [name, body, path] of [
    ['a wrong check character', { ...buyer, taxId: '91350100M000100Y44' }, '/taxId'],
    ['a 17-character tax id', { ...buyer, taxId: '91350100M000100Y4' }, '/taxId'],
    ['a missing title', { taxId: buyer.taxId, email: buyer.email }, '/title'],
    ['a malformed email', { ...buyer, email: 'ap-at-acme' }, '/email'],
  ] as const) {
    it(`answers 400 for ${name} and touches nothing`, async () => {
      const response = await apply(body);
      expect(response.statusCode).toBe(400);
      expect(JSON.parse(response.body!)).toMatchObject({ code: 'VALIDATION_FAILED', errors: [expect.objectContaining({ path })] });
      expect(dynamo.calls().length + documents.calls().length + sfn.calls().length).toBe(0);
    });
  }

  it("answers 403 to another corp's admin without touching anything", async () => {
    const response = await apply(buyer, { ...admin, corpId: 'globex' });
    expect(response.statusCode).toBe(403);
    expect(dynamo.calls().length + documents.calls().length).toBe(0);
  });

  it('records the invoice with its due date and starts the invoice workflow named after it', async () => {
    const { data } = orderPaidEvent('acme', 'o-1', 50);
    documents.on(GetCommand).resolves({ Item: { PK: 'CORP#acme', SK: 'ORDER#o-1', ...data, refundedAt: null, inPool: true } });
    documents.on(QueryCommand).resolves({ Items: [] });
    documents.on(TransactWriteCommand).resolves({});
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec' });

    const response = await apply(buyer);
    expect(response.statusCode).toBe(202);
    const body = JSON.parse(response.body!);
    expect(body).toMatchObject({ orderId: 'o-1', status: 'requested', amount: data.amount, pdfUrl: null, issuedAt: null });
    const [order, record] = documents.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(order!.Update).toMatchObject({
      Key: { PK: 'CORP#acme', SK: 'ORDER#o-1' },
      ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(refundedAt) AND attribute_not_exists(invoiceId)',
    });
    expect(record!.Put!.Item).toMatchObject({ SK: `INVOICE#${body.invoiceId}`, taxId: buyer.taxId, dueBy: body.dueBy });
    const start = sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input;
    expect(start).toMatchObject({ name: body.invoiceId, stateMachineArn: process.env.INVOICE_STATE_MACHINE_ARN });
  });
});

describe('a retried application', () => {
  const existingId = 'inv_01JZ0000000000000000000000';
  const { data } = orderPaidEvent('acme', 'o-1', 50);
  const invoiceExists = () =>
    new TransactionCanceledException({
      message: 'Transaction cancelled',
      $metadata: {},
      CancellationReasons: [{ Code: 'ConditionalCheckFailed', Item: marshall({ PK: 'CORP#acme', SK: 'ORDER#o-1', invoiceId: existingId }) }, { Code: 'None' }],
    });
  const existing = {
    PK: 'CORP#acme', SK: `INVOICE#${existingId}`, corpId: 'acme', invoiceId: existingId, orderId: 'o-1', status: 'requested', kind: 'blue',
    ...buyer, seats: 50, amount: data.amount, requestedAt: '2026-01-02T00:00:00Z', dueBy: '2026-01-12T15:59:59Z', dueByProvisional: false,
    issuedAt: null, invoiceNumber: null, pdfKey: null, alertedAt: null, checks: 0, workflowRun: 0,
  };

  beforeEach(() => {
    dynamo.reset();
    documents.reset();
    sfn.reset();
    documents.on(GetCommand, { Key: { PK: 'CORP#acme', SK: 'ORDER#o-1' } }).resolves({ Item: { PK: 'CORP#acme', SK: 'ORDER#o-1', ...data, refundedAt: null, inPool: true } });
    documents.on(GetCommand, { Key: { PK: 'CORP#acme', SK: `INVOICE#${existingId}` } }).resolves({ Item: existing });
    documents.on(QueryCommand).resolves({ Items: [] });
    documents.on(TransactWriteCommand).rejects(invoiceExists());
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec' });
  });

  it("starts the invoice's workflow when its first start never happened, and answers that invoice", async () => {
    sfn.on(DescribeExecutionCommand).rejects(new ExecutionDoesNotExist({ message: 'Execution does not exist', $metadata: {} }));
    const response = await apply(buyer);
    expect(response.statusCode).toBe(202);
    expect(JSON.parse(response.body!)).toMatchObject({ invoiceId: existingId, status: 'requested' });
    expect(sfn.commandCalls(DescribeExecutionCommand)[0]!.args[0].input.executionArn).toBe(`arn:aws:states:cn-north-1:1:execution:invoice:${existingId}`);
    expect(sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input.name)).toEqual([existingId]);
  });

  it('restarts under the next run when its execution failed', async () => {
    sfn.on(DescribeExecutionCommand).resolves({ status: 'FAILED' });
    documents.on(UpdateCommand).resolves({});
    const response = await apply(buyer);
    expect(response.statusCode).toBe(202);
    expect(documents.commandCalls(UpdateCommand)[0]!.args[0].input).toMatchObject({ UpdateExpression: 'SET workflowRun = :next', ExpressionAttributeValues: { ':next': 1, ':run': 0 } });
    expect(sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input.name)).toEqual([`${existingId}-r1`]);
  });

  it('answers 409 INVOICE_EXISTS and starts nothing while the workflow runs, or for another buyer', async () => {
    sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });
    const running = await apply(buyer);
    expect([running.statusCode, JSON.parse(running.body!).code]).toEqual([409, 'INVOICE_EXISTS']);
    const otherBuyer = await apply({ ...buyer, title: 'Another Ltd' });
    expect([otherBuyer.statusCode, JSON.parse(otherBuyer.body!).invoiceId]).toEqual([409, existingId]);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });
});
