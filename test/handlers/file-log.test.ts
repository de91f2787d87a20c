import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, BatchWriteCommand, DynamoDBDocumentClient, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { chainSegment, dayHead, type FileEvent } from '#core/file-log';
import { context, httpEvent, signedHeaders, viaAuthorizer } from './helpers.ts';

process.env.TABLE_NAME = 'steward-test';
process.env.FILE_LOG_TABLE = 'file-log-test';
process.env.FILE_LOG_BUCKET = 'file-log-archive-test';
process.env.DOCUMENTS_BUCKET = 'documents-test';
const FILES_SECRET = `whsec_${Buffer.from('files-webhook-secret-for-handler-tests').toString('base64')}`;
process.env.STEWARD_FILES_WEBHOOK_SECRET = FILES_SECRET;

const { handler: fileEvents } = await import('../../functions/http/file-log.ts');
const { handler: filesWebhook } = await import('../../functions/http/files-webhook.ts');
const dynamo = mockClient(DynamoDBClient);
const documents = mockClient(DynamoDBDocumentClient);
const s3 = mockClient(S3Client);

const admin = (corpId = 'acme') => viaAuthorizer({ sub: 'admin-1', corpId, roles: ['admin'] });
const get = async (routeKey: string, query: Record<string, string>, auth: Awaited<ReturnType<typeof admin>>, accept?: string) => {
  const response = await fileEvents(
    httpEvent({ routeKey, params: { corpId: 'acme' }, query, claims: auth.claims, headers: { ...auth.headers, ...(accept && { accept }) } }),
    context,
  );
  return { status: response.statusCode, headers: response.headers ?? {}, body: response.isBase64Encoded ? Buffer.from(response.body!, 'base64').toString('utf8') : response.body! };
};
const LIST = 'GET /corps/{corpId}/file-events';
const DIGESTS = 'GET /corps/{corpId}/file-events/digests';

const stored = (n: number): FileEvent => ({
  eventId: `ev-${n}`,
  corpId: 'acme',
  memberId: 'alice',
  action: 'download',
  fileId: 'file-1',
  fileName: `Plan, "${n}".docx`,
  channel: 'drive',
  occurredAt: `2026-06-01T08:0${n}:00Z`,
});

beforeEach(() => {
  dynamo.reset();
  documents.reset();
  s3.reset();
});

describe('file events queries', () => {
  it.each([
    ['memberId', { memberId: 'alice' }, undefined, 'PK', 'MEMBER#acme#alice'],
    ['fileId', { fileId: 'file-1', memberId: 'alice' }, 'GSI1', 'GSI1PK', 'FILE#acme#file-1'],
    ['action', { action: 'forward' }, 'GSI2', 'GSI2PK', 'ACTION#acme#forward'],
    ['no filter', {}, 'GSI3', 'GSI3PK', 'CORP#acme'],
  ])('answers a filter by %s with one query of its key, newest first', async (_, query, index, key, partition) => {
    documents.on(QueryCommand).resolves({ Items: [stored(2), stored(1)] });
    const answer = await get(LIST, query, await admin());
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body).items.map((e: FileEvent) => e.eventId)).toEqual(['ev-2', 'ev-1']);
    const [call, ...more] = documents.commandCalls(QueryCommand);
    expect(more).toHaveLength(0);
    expect(call!.args[0].input.IndexName).toBe(index);
    expect(call!.args[0].input).toMatchObject({ ScanIndexForward: false, KeyConditionExpression: expect.stringContaining(`${key} = :pk`) });
    expect(call!.args[0].input.ExpressionAttributeValues![':pk']).toBe(partition);
  });

  it.each([
    ['from after to', { from: '2026-06-02T00:00:00Z', to: '2026-06-01T00:00:00Z' }, '/from'],
    ['an unknown action', { action: 'shred' }, '/action'],
    ['a time that is not one', { from: 'yesterday' }, '/from'],
    ['a cursor of another query', { memberId: 'alice', cursor: Buffer.from(JSON.stringify({ PK: 'MEMBER#globex#bob', SK: '2026' })).toString('base64url') }, '/cursor'],
  ])('answers 400 VALIDATION_FAILED to %s, reading nothing', async (_, query, path) => {
    const answer = await get(LIST, query, await admin());
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ code: 'VALIDATION_FAILED', errors: [expect.objectContaining({ path })] });
    expect(documents.calls()).toHaveLength(0);
  });

  it("answers 403 to another corp's admin, reading nothing", async () => {
    const answer = await get(LIST, {}, await admin('globex'));
    expect(answer.status).toBe(403);
    expect(documents.calls()).toHaveLength(0);
  });

  it('answers Accept: text/csv with every page as one CSV, quoted where needed', async () => {
    documents.on(QueryCommand).resolvesOnce({ Items: [stored(2)], LastEvaluatedKey: { PK: 'MEMBER#acme#alice', SK: 'k' } }).resolves({ Items: [stored(1)] });
    const answer = await get(LIST, { memberId: 'alice' }, await admin(), 'text/csv');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('text/csv; charset=utf-8');
    const lines = answer.body.trimEnd().split('\r\n');
    expect(lines[0]).toBe('eventId,corpId,memberId,action,fileId,fileName,channel,recipients,deviceId,ip,occurredAt');
    expect(lines.slice(1)).toEqual(['ev-2,acme,alice,download,file-1,"Plan, ""2"".docx",drive,,,,2026-06-01T08:02:00Z', 'ev-1,acme,alice,download,file-1,"Plan, ""1"".docx",drive,,,,2026-06-01T08:01:00Z']);
  });

  it("answers a day's digest folded from the hot store's seals, and 400 without a day", async () => {
    const day = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const seals = [chainSegment('acme', day, 1, [stored(1)]).seal, chainSegment('acme', day, 2, [stored(2), stored(3)]).seal];
    documents.on(QueryCommand).resolves({ Items: seals.map((seal) => ({ ...seal })) });
    const answer = await get(DIGESTS, { day }, await admin());
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ day, ...dayHead('acme', day, seals) });
    expect(JSON.parse(answer.body).count).toBe(3);
    expect(s3.calls()).toHaveLength(0);
    expect((await get(DIGESTS, {}, await admin())).status).toBe(400);
  });

  it("answers a day past the hot store's 180 days from the archive's seals", async () => {
    const day = '2026-01-05';
    const seals = [chainSegment('acme', day, 1, [stored(1), stored(2)]).seal];
    s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: `seals/acme/${day}/0000000001.json` }] });
    s3.on(GetObjectCommand).resolves({ Body: { transformToByteArray: async () => new TextEncoder().encode(JSON.stringify({ corpId: 'acme', day, ...seals[0] })) } } as never);
    const answer = await get(DIGESTS, { day }, await admin());
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ day, ...dayHead('acme', day, seals) });
    expect(s3.commandCalls(ListObjectsV2Command)[0]!.args[0].input).toMatchObject({ Bucket: 'file-log-archive-test', Prefix: `seals/acme/${day}/` });
    expect(documents.calls()).toHaveLength(0);
  });
});

describe('files webhook', () => {
  const deliver = (body: string, id = 'msg_files_1') => filesWebhook(httpEvent({ routeKey: 'POST /webhooks/files', body, headers: signedHeaders(body, FILES_SECRET, id) }), context);
  const writes = () =>
    documents.commandCalls(BatchWriteCommand).length + documents.commandCalls(PutCommand).length + documents.commandCalls(UpdateCommand).length + dynamo.calls().length + s3.calls().length;

  it.each([
    ['501 events', { events: Array.from({ length: 501 }, (_, n) => stored(n % 10)).map((e, n) => ({ ...e, eventId: `ev-${n}` })) }],
    ['no events', { events: [] }],
    ['a repeated eventId', { events: [stored(1), stored(1)] }],
    ['an unknown channel', { events: [{ ...stored(1), channel: 'fax' }] }],
  ])('answers 400 to %s and writes nothing', async (_, batch) => {
    const response = await deliver(JSON.stringify(batch));
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body!).code).toBe('VALIDATION_FAILED');
    expect(writes()).toBe(0);
  });

  it('answers 401 to a bad signature and writes nothing', async () => {
    const body = JSON.stringify({ events: [stored(1)] });
    const response = await filesWebhook(httpEvent({ routeKey: 'POST /webhooks/files', body, headers: { ...signedHeaders(body, FILES_SECRET), 'webhook-signature': 'v1,AAAA' } }), context);
    expect(response.statusCode).toBe(401);
    expect(writes()).toBe(0);
  });

  it('counts events already stored as ignored, and chains, archives and marks nothing for them', async () => {
    // The member holds a seat and is in scope; both events are found stored already (a redelivery).
    documents.on(BatchGetCommand).callsFake((input) => {
      const [table, request] = Object.entries(input.RequestItems as Record<string, { Keys: Record<string, string>[] }>)[0]!;
      if (table === 'file-log-test') return { Responses: { [table]: [{ corpId: 'acme', eventId: 'ev-1' }, { corpId: 'acme', eventId: 'ev-2' }] } };
      return { Responses: { [table]: request.Keys.map((key) => ({ ...key, corpId: 'acme', memberId: 'alice', memberStatus: 'active', departmentId: 'eng', seat: { allocationId: 'a-1', allocatedAt: '2026-05-01T00:00:00Z', revocableUntil: '2026-05-08T00:00:00Z' } })) } };
    });
    documents.on(QueryCommand).resolves({
      Items: [{ SK: 'POLICY#file-leak-prevention#VERSION#0000000001', policy: { type: 'file-leak-prevention', enabled: true, scope: { all: true }, settings: { blockExternalShare: false, blockDownload: false, trustedDeviceDownloadOnly: false, minClientVersion: '4.1.2' }, version: 1, changedBy: 'a', changedAt: '2026-05-01T00:00:00Z' } }],
    });
    dynamo.resolves({});
    const response = await deliver(JSON.stringify({ events: [stored(1), stored(2)] }));
    expect(response.statusCode).toBe(202);
    expect(JSON.parse(response.body!)).toEqual({ accepted: 0, ignored: 2 });
    expect(documents.commandCalls(BatchWriteCommand)).toHaveLength(0);
    expect(documents.commandCalls(UpdateCommand)).toHaveLength(0);
    expect(s3.calls()).toHaveLength(0);
  });
});
