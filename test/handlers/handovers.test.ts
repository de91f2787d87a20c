import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DescribeExecutionCommand, ExecutionDoesNotExist, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { context, httpEvent, signedHeaders } from './helpers.ts';

process.env.TABLE_NAME = 'steward-test';
process.env.DOCUMENTS_BUCKET = 'documents';
process.env.HANDOVER_STATE_MACHINE_ARN = 'arn:aws:states:cn-north-1:1:stateMachine:handover';
const ASSETS_SECRET = `whsec_${Buffer.from('steward-local-assets-webhook-secret').toString('base64')}`;
process.env.STEWARD_ASSETS_WEBHOOK_SECRET = ASSETS_SECRET;

const { handler } = await import('../../functions/http/handovers.ts');
const { handler: assetsWebhook } = await import('../../functions/http/assets-webhook.ts');

const dynamo = mockClient(DynamoDBClient);
const documents = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);
const s3 = mockClient(S3Client);
const eventBridge = mockClient(EventBridgeClient);
const calls = () => dynamo.calls().length + documents.calls().length + sfn.calls().length + s3.calls().length + eventBridge.calls().length;

const admin = (corpId: string) => ({ sub: 'admin-1', corpId, roles: ['admin'] });
const member = (memberId: string, status = 'active') => ({
  Item: { PK: 'CORP#acme', SK: `MEMBER#${memberId}`, corpId: 'acme', memberId, name: memberId, managerId: null, memberStatus: status },
});

describe('handover routes', () => {
  beforeEach(() => {
    dynamo.reset();
    documents.reset();
    sfn.reset();
    s3.reset();
    eventBridge.reset();
  });

  /** m1 and m2 in the directory; no open handover; the read-back after the write returns what was written. */
  const directory = (fromStatus: string) => {
    documents.on(TransactWriteCommand).resolves({});
    documents.on(GetCommand).callsFake((input: { Key: { SK: string } }) => {
      const put = documents.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems?.[0]?.Put?.Item;
      return put && input.Key.SK === put.SK ? { Item: put } : {};
    });
    documents.on(GetCommand, { Key: { PK: 'CORP#acme', SK: 'MEMBER#m1' } }).resolves(member('m1', fromStatus));
    documents.on(GetCommand, { Key: { PK: 'CORP#acme', SK: 'MEMBER#m2' } }).resolves(member('m2'));
  };
  const postHandover = () =>
    handler(
      httpEvent({ routeKey: 'POST /corps/{corpId}/handovers', params: { corpId: 'acme' }, body: '{"fromMemberId":"m1","toMemberId":"m2"}', claims: admin('acme') }),
      context,
    );

  it('closes the handover failed and frees the member when its workflow cannot be started', async () => {
    directory('departed');
    sfn.on(StartExecutionCommand).rejects(new Error('Rate exceeded'));
    sfn.on(DescribeExecutionCommand).rejects(new ExecutionDoesNotExist({ message: 'Execution Does Not Exist', $metadata: {} }));

    const response = await postHandover();
    expect(response.statusCode).toBe(500);
    const [create, close] = documents.commandCalls(TransactWriteCommand).map((c) => c.args[0].input.TransactItems!);
    const handoverId = String(create![0]!.Put!.Item!.handoverId);
    expect(close).toBeDefined();
    expect(close![0]!.Update).toMatchObject({
      Key: { PK: 'CORP#acme', SK: `HANDOVER#${handoverId}` },
      ConditionExpression: '#status = :running',
      ExpressionAttributeValues: { ':status': 'failed', ':reason': expect.stringMatching(/could not be started: Rate exceeded/) },
    });
    expect(close![1]!.Delete).toMatchObject({ Key: { PK: 'CORP#acme', SK: 'OPEN_HANDOVER#m1' }, ExpressionAttributeValues: { ':id': handoverId } });
  });

  it('leaves a handover running when its start threw after Step Functions took it', async () => {
    directory('departed');
    sfn.on(StartExecutionCommand).rejects(new Error('socket hang up'));
    sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });

    const response = await postHandover();
    expect(response.statusCode).toBe(202);
    expect(documents.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });

  it("records an active member's handover in the audit list with the admin, and raises MemberAssetsHandedOver", async () => {
    directory('active');
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec' });
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });

    const response = await postHandover();
    expect(response.statusCode).toBe(202);
    const { handoverId } = JSON.parse(response.body!);
    const items = documents.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    const entry = { actor: 'admin-1', action: 'member_assets_handed_over', memberId: 'm1', handoverId, toMemberId: 'm2', assetTypes: ['doc', 'drive', 'calendar'] };
    // Written in the transaction that records the handover: no handover without its audit entry.
    expect(items[2]!.Put!.Item).toMatchObject({ PK: 'CORP#acme', SK: expect.stringMatching(new RegExp(`^AUDIT#.*#${handoverId}$`)), ...entry });
    const [put] = eventBridge.commandCalls(PutEventsCommand);
    const [event] = put!.args[0].input.Entries!;
    expect(event).toMatchObject({ Source: 'steward', DetailType: 'MemberAssetsHandedOver' });
    const { action: _action, ...detail } = entry;
    expect(JSON.parse(event!.Detail!)).toMatchObject({ corpId: 'acme', ...detail });
  });

  it('leaves a departed member out of the audit list and raises no event', async () => {
    directory('departed');
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec' });
    expect((await postHandover()).statusCode).toBe(202);
    expect(documents.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems).toHaveLength(2);
    expect(eventBridge.calls()).toHaveLength(0);
  });

  const routes: [string, Record<string, string>, string?][] = [
    ['GET /corps/{corpId}/members/{memberId}/assets', { corpId: 'acme', memberId: 'm1' }],
    ['GET /corps/{corpId}/settings/handover', { corpId: 'acme' }],
    ['PUT /corps/{corpId}/settings/handover', { corpId: 'acme' }, '{"auto":false,"fallbackRecipientId":null}'],
    ['POST /corps/{corpId}/handovers', { corpId: 'acme' }, '{"fromMemberId":"m1","toMemberId":"m2"}'],
    ['GET /corps/{corpId}/handovers', { corpId: 'acme' }],
    ['GET /corps/{corpId}/handovers/{handoverId}', { corpId: 'acme', handoverId: 'ho_1' }],
    ['POST /corps/{corpId}/handovers/preview', { corpId: 'acme' }, '{"fromMemberId":"m1"}'],
    ['POST /corps/{corpId}/handovers/{handoverId}/undo', { corpId: 'acme', handoverId: 'ho_1' }],
    ['GET /corps/{corpId}/audit', { corpId: 'acme' }],
  ];
  for (const [routeKey, params, body] of routes) {
    it(`answers 403 to another corp's admin on ${routeKey} without touching anything`, async () => {
      const response = await handler(httpEvent({ routeKey, params, body, claims: admin('globex') }), context);
      expect(response.statusCode).toBe(403);
      expect(JSON.parse(response.body!).code).toBe('FORBIDDEN');
      expect(calls()).toBe(0);
    });
  }

  it('refuses a malformed handover id to undo, or a malformed preview, before any AWS call', async () => {
    const undo = await handler(
      httpEvent({ routeKey: 'POST /corps/{corpId}/handovers/{handoverId}/undo', params: { corpId: 'acme', handoverId: 'ho 1' }, claims: admin('acme') }),
      context,
    );
    const preview = await handler(
      httpEvent({ routeKey: 'POST /corps/{corpId}/handovers/preview', params: { corpId: 'acme' }, body: '{"fromMemberId":"m1","assetTypes":[]}', claims: admin('acme') }),
      context,
    );
    expect([undo.statusCode, JSON.parse(undo.body!).code]).toEqual([400, 'VALIDATION_FAILED']);
    expect([preview.statusCode, JSON.parse(preview.body!).errors[0].path]).toEqual([400, '/assetTypes']);
    expect(calls()).toBe(0);
  });

  it('records a manual handover and starts its workflow named after it', async () => {
    documents.on(TransactWriteCommand).resolves({});
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec' });
    // No open handover; the read-back after the write returns what was written.
    documents.on(GetCommand).callsFake((input: { Key: { SK: string } }) => {
      const put = documents.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems?.[0]?.Put?.Item;
      return put && input.Key.SK === put.SK ? { Item: put } : {};
    });
    documents.on(GetCommand, { Key: { PK: 'CORP#acme', SK: 'MEMBER#m1' } }).resolves(member('m1', 'departed'));
    documents.on(GetCommand, { Key: { PK: 'CORP#acme', SK: 'MEMBER#m2' } }).resolves(member('m2'));

    const response = await handler(
      httpEvent({
        routeKey: 'POST /corps/{corpId}/handovers',
        params: { corpId: 'acme' },
        body: '{"fromMemberId":"m1","toMemberId":"m2","assetTypes":["drive","doc"]}',
        claims: admin('acme'),
      }),
      context,
    );
    expect(response.statusCode).toBe(202);
    const body = JSON.parse(response.body!);
    expect(body).toMatchObject({ fromMemberId: 'm1', toMemberId: 'm2', mode: 'manual', status: 'running', assetTypes: ['doc', 'drive'], reportUrl: null });
    const [start] = sfn.commandCalls(StartExecutionCommand);
    expect(start!.args[0].input).toMatchObject({ name: body.handoverId, stateMachineArn: process.env.HANDOVER_STATE_MACHINE_ARN });
    expect(JSON.parse(start!.args[0].input.input!)).toEqual({ corpId: 'acme', handoverId: body.handoverId });
    const items = documents.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(items.map((i) => i.Put?.Item?.SK)).toEqual([`HANDOVER#${body.handoverId}`, 'OPEN_HANDOVER#m1']);
  });

  it('refuses a recipient who left, writing nothing', async () => {
    documents.on(GetCommand, { Key: { PK: 'CORP#acme', SK: 'MEMBER#m1' } }).resolves(member('m1', 'departed'));
    documents.on(GetCommand, { Key: { PK: 'CORP#acme', SK: 'MEMBER#m2' } }).resolves(member('m2', 'departed'));
    const response = await handler(
      httpEvent({ routeKey: 'POST /corps/{corpId}/handovers', params: { corpId: 'acme' }, body: '{"fromMemberId":"m1","toMemberId":"m2"}', claims: admin('acme') }),
      context,
    );
    expect([response.statusCode, JSON.parse(response.body!).code]).toEqual([409, 'RECIPIENT_NOT_ACTIVE']);
    expect(documents.commandCalls(TransactWriteCommand)).toHaveLength(0);
    expect(sfn.calls()).toHaveLength(0);
  });
});

describe('asset webhook rejections change nothing', () => {
  beforeEach(() => {
    dynamo.reset();
    documents.reset();
  });

  const event = (data: Record<string, unknown>) => JSON.stringify({ type: 'asset.upserted', data: { corpId: 'acme', assetId: 'a1', ownerId: 'm1', title: 't', ...data } });
  const cases: [string, string, number, string][] = [
    ['calendar event without its window', event({ assetType: 'calendar' }), 400, '/data/startsAt'],
    ['event ending before it starts', event({ assetType: 'calendar', startsAt: '2026-06-02T00:00:00Z', endsAt: '2026-06-01T00:00:00Z' }), 400, '/data/endsAt'],
    ['unknown asset type', event({ assetType: 'mail' }), 400, '/data/assetType'],
    ['negative share count', event({ assetType: 'doc', externalShares: -1 }), 400, '/data/externalShares'],
  ];
  for (const [name, body, status, path] of cases) {
    it(`${name} -> ${status} at ${path}`, async () => {
      const response = await assetsWebhook(
        httpEvent({ routeKey: 'POST /webhooks/assets', body, headers: signedHeaders(body, ASSETS_SECRET) }),
        context,
      );
      expect(response.statusCode).toBe(status);
      expect(JSON.parse(response.body!).errors).toContainEqual(expect.objectContaining({ path }));
      expect(dynamo.calls().length + documents.calls().length).toBe(0);
    });
  }
});
