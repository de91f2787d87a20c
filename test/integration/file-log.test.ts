import { picture } from '../support/picture.ts';
import { execFile } from 'node:child_process';
import { gunzipSync, gzipSync } from 'node:zlib';
import sharp from 'sharp';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { adminToken } from '../../scripts/token.ts';
import { client } from './client.ts';
import { orderPaidEvent } from '../fixtures.ts';
import { testAssembly } from '../support/assembly.ts';

/*
 * Contract v2, file operation log and leak investigation, on the local stack from the synthesised bundles:
 * ingestion with scope at occurredAt, dedupe, rejected batches writing nothing, every filter, CSV, the
 * digest, tampering in DynamoDB and in the S3 archive caught by `npm run audit:verify`, and an investigation
 * of a marked image.
 */
let stack: LocalStack;
let api: ReturnType<typeof client>;
let db: DynamoDBDocumentClient;
let s3: S3Client;
let table: string;
let bucket: string;

const CORP = 'fl-a';
const OTHER = 'fl-b';
const DAY = '2026-06-01';

beforeAll(async () => {
  stack = await startLocalStack({ from: (await testAssembly()).dir, logs: 'file' });
  api = client(stack.url);
  db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: stack.dynamoDbEndpoint }));
  s3 = new S3Client({ endpoint: stack.s3Endpoint, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
  table = stack.resourceName('StorageFileLogTable');
  bucket = stack.resourceName('StorageFileLogArchive');
  await api.local('POST', '/local/clock', { now: `${DAY}T08:00:00Z` });
  for (const corp of [CORP, OTHER]) await api.webhook('billing', orderPaidEvent(corp, `o-${corp}`, 10));
  const hire = (corpId: string, memberId: string, departmentId: string) =>
    api.webhook('hr', { type: 'employee.upserted', data: { corpId, memberId, name: `Name of ${memberId}`, managerId: null, departmentId } });
  for (const [member, department] of [['alice', 'eng'], ['bob', 'eng'], ['sales', 'sales'], ['seatless', 'eng'], ['released', 'eng']]) await hire(CORP, member!, department!);
  await hire(OTHER, 'olga', 'eng');
  await api.admin(CORP, 'POST', `/corps/${CORP}/seats/allocations`, { memberIds: ['alice', 'bob', 'sales', 'released'] });
  await api.admin(OTHER, 'POST', `/corps/${OTHER}/seats/allocations`, { memberIds: ['olga'] });
  const settings = { blockExternalShare: false, blockDownload: false, trustedDeviceDownloadOnly: false, minClientVersion: '4.1.2' };
  for (const corp of [CORP, OTHER]) {
    const put = await api.admin(corp, 'PUT', `/corps/${corp}/policies/file-leak-prevention`, { enabled: true, scope: { memberIds: [], departmentIds: ['eng'] }, settings });
    expect(put.status).toBe(200);
  }
  // `released` gives the seat back at 09:00: in scope before, not after.
  await api.local('POST', '/local/clock', { now: `${DAY}T09:00:00Z` });
  expect((await api.admin(CORP, 'DELETE', `/corps/${CORP}/seats/allocations/released`)).status).toBe(204);
}, 300_000);
afterAll(async () => {
  db?.destroy();
  s3?.destroy();
  await stack?.stop();
});

type Event = Record<string, unknown>;
const event = (n: number, memberId: string, at: string, extra: Event = {}): Event => ({
  eventId: `ev-${n}`,
  corpId: CORP,
  memberId,
  action: 'download',
  fileId: `file-${n % 3}`,
  fileName: `Plan ${n}.docx`,
  channel: 'drive',
  occurredAt: `${DAY}T${at}Z`,
  ...extra,
});

/** Four in scope (alice, bob; released before 09:00), and five that are not. */
const FIRST_BATCH = [
  event(1, 'alice', '08:10:00', { action: 'upload', channel: 'chat' }),
  event(2, 'alice', '08:20:00', { action: 'view', recipients: [{ corpId: OTHER, memberId: 'olga' }], deviceId: 'dev-1', ip: '10.1.2.3' }),
  event(3, 'bob', '08:30:00', { action: 'forward', channel: 'mail' }),
  event(4, 'released', '08:40:00'),
  event(5, 'released', '09:10:00'), // seat released at 09:00
  event(6, 'sales', '08:15:00'), // department not covered
  event(7, 'seatless', '08:15:00'), // no seat
  event(8, 'olga', '08:15:00'), // another corp's member, reported for this corp
  event(9, 'alice', '07:59:59'), // before the seat and the policy
];

const files = (body: unknown, id?: string) => api.webhook('files', body, id);
const digest = async (corpId = CORP, day = DAY) => (await api.admin(corpId, 'GET', `/corps/${corpId}/file-events/digests?day=${day}`)).body;
const list = async (query: string, corpId = CORP) => api.admin(corpId, 'GET', `/corps/${corpId}/file-events${query}`);

/** Runs `npm run audit:verify`'s script against this stack (asynchronously: s3rver runs in this process). */
const verify = async (corp = CORP, day = DAY, now?: string) => {
  // Today is the stack's movable clock's, as the script reads it from a running local stack.
  const at = now ?? ((await api.local('GET', '/local/clock')) as { now: string }).now;
  return new Promise<{ code: number; out: string }>((resolve) => {
    const args = ['scripts/audit-verify.ts', '--corp', corp, '--day', day, '--table', table, '--bucket', bucket, '--dynamodb', stack.dynamoDbEndpoint, '--s3', stack.s3Endpoint, '--now', at];
    const env = { ...process.env, AWS_REGION: 'cn-north-1', AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };
    execFile('node_modules/.bin/tsx', args, { env, timeout: 120_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` }),
    );
  });
};

describe('file events ingestion', () => {
  it('keeps only events of members in file-leak-prevention scope at occurredAt: 202 with the counts', async () => {
    const answer = await files({ events: FIRST_BATCH }, 'msg-files-1');
    expect(answer).toMatchObject({ status: 202, body: { accepted: 4, ignored: 5 } });
    expect(await digest()).toMatchObject({ day: DAY, count: 4, headHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it('changes nothing on a redelivered batch, under the same webhook-id or a new one', async () => {
    const before = await digest();
    expect(await files({ events: FIRST_BATCH }, 'msg-files-1')).toMatchObject({ status: 202, body: { accepted: 4, ignored: 5 } });
    expect(await files({ events: FIRST_BATCH }, 'msg-files-1-again')).toMatchObject({ status: 202, body: { accepted: 0, ignored: 9 } });
    expect(await digest()).toEqual(before);
    expect((await list('?limit=200')).body.items).toHaveLength(4);
  });

  it('refuses malformed events, batches over 500, empty batches and bad signatures, writing nothing', async () => {
    const before = await digest();
    const bad = await files({ events: [event(20, 'alice', '08:50:00'), event(21, 'alice', '08:51:00', { action: 'print' })] });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
    expect(bad.body.errors[0].path).toBe('/events/1/action');
    const tooMany = await files({ events: Array.from({ length: 501 }, (_, i) => event(1000 + i, 'alice', '08:50:00')) });
    expect(tooMany).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    expect((await files({ events: [] })).status).toBe(400);
    expect((await files({ events: [event(22, 'alice', '08:52:00', { occurredAt: 'yesterday' })] })).status).toBe(400);
    const forged = await api.webhook('files', { events: [event(23, 'alice', '08:53:00')] }, undefined, { key: Buffer.from('steward-local-hr-webhook-secret') });
    expect(forged).toMatchObject({ status: 401, body: { code: 'INVALID_SIGNATURE' } });
    expect(await digest()).toEqual(before);
  });

  it('accepts a full batch of 500 and chains it beside the first', async () => {
    const batch = Array.from({ length: 500 }, (_, i) => event(100 + i, i % 2 ? 'alice' : 'bob', `10:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}`, { fileId: 'bulk' }));
    expect(await files({ events: batch })).toMatchObject({ status: 202, body: { accepted: 500, ignored: 0 } });
    expect((await digest()).count).toBe(504);
    expect(await verify()).toMatchObject({ code: 0 });
  });

  it("lets no role write over the archive: the bucket policy refuses a PUT without If-None-Match, as the files webhook's own role", async () => {
    const filesWebhook = [...stack.functions.keys()].find((id) => id.startsWith('FilesWebhook'))!;
    const seal = `arn:aws-cn:s3:::${bucket}/seals/${CORP}/${DAY}/0000000001.json`;
    expect(await stack.iam.allows(filesWebhook, 's3:PutObject', seal, { 's3:if-none-match': '*' })).toBe(true);
    expect(await stack.iam.allows(filesWebhook, 's3:PutObject', seal)).toBe(false);
  });
});

describe('file events queries', () => {
  const ids = (answer: { body: { items: Event[] } }) => answer.body.items.map((e) => e.eventId);

  it('filters by member, file, action and time, newest first, from and to inclusive', async () => {
    expect(ids(await list('?memberId=alice&to=2026-06-01T09:00:00Z'))).toEqual(['ev-2', 'ev-1']);
    expect(ids(await list('?fileId=file-1'))).toEqual(['ev-4', 'ev-1']);
    expect(ids(await list('?action=forward'))).toEqual(['ev-3']);
    expect(ids(await list('?from=2026-06-01T08:20:00Z&to=2026-06-01T08:40:00Z'))).toEqual(['ev-4', 'ev-3', 'ev-2']);
    expect(ids(await list('?memberId=alice&action=view'))).toEqual(['ev-2']);
    expect(ids(await list('?fileId=file-2&memberId=alice&to=2026-06-01T09:00:00Z'))).toEqual(['ev-2']);
    expect((await list('?memberId=alice&to=2026-06-01T09:00:00Z')).body.items[1]).toEqual(FIRST_BATCH[0]);
    expect((await list('?memberId=alice&action=view')).body.items[0]).toEqual(FIRST_BATCH[1]);
  });

  it('pages with cursors valid only for their own query', async () => {
    const first = await list('?fileId=bulk&limit=200');
    expect(first.body.items).toHaveLength(200);
    const second = await list(`?fileId=bulk&limit=200&cursor=${first.body.nextCursor}`);
    const third = await list(`?fileId=bulk&limit=200&cursor=${second.body.nextCursor}`);
    expect(third.body).toMatchObject({ nextCursor: null });
    const all = [...first.body.items, ...second.body.items, ...third.body.items];
    expect(new Set(all.map((e: Event) => e.eventId)).size).toBe(500);
    expect(all.map((e: Event) => e.occurredAt)).toEqual([...all.map((e: Event) => e.occurredAt)].sort().reverse());
    expect((await list(`?memberId=alice&cursor=${first.body.nextCursor}`)).status).toBe(400);
    expect((await list('?limit=201')).status).toBe(400);
    expect((await list('?action=print')).status).toBe(400);
    expect((await list('?from=2026-06-02T00:00:00Z&to=2026-06-01T00:00:00Z')).status).toBe(400);
    expect((await api.admin(CORP, 'GET', `/corps/${OTHER}/file-events`)).status).toBe(403);
    expect((await list('', OTHER)).body.items).toEqual([]);
  });

  it('answers Accept: text/csv with the whole filtered result and a header row', async () => {
    const response = await fetch(`${stack.url}/corps/${CORP}/file-events?fileId=bulk`, { headers: { authorization: `Bearer ${await adminToken(CORP)}`, accept: 'text/csv' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await response.text()).trimEnd().split('\r\n');
    expect(lines[0]).toBe('eventId,corpId,memberId,action,fileId,fileName,channel,recipients,deviceId,ip,occurredAt');
    expect(lines).toHaveLength(501);
    const one = await fetch(`${stack.url}/corps/${CORP}/file-events?memberId=alice&action=view`, { headers: { authorization: `Bearer ${await adminToken(CORP)}`, accept: 'text/csv' } });
    expect((await one.text()).split('\r\n')[1]).toBe('ev-2,fl-a,alice,view,file-2,Plan 2.docx,drive,fl-b/olga,dev-1,10.1.2.3,2026-06-01T08:20:00Z');
  });
});

describe('tamper evidence: npm run audit:verify', () => {
  const keyOf = async (eventId: string) => {
    const { Items } = await db.send(new QueryCommand({ TableName: table, IndexName: 'GSI3', KeyConditionExpression: 'GSI3PK = :pk', FilterExpression: 'eventId = :id', ExpressionAttributeValues: { ':pk': `CORP#${CORP}`, ':id': eventId } }));
    return { PK: Items![0]!.PK as string, SK: Items![0]!.SK as string, item: Items![0]! };
  };
  /** Tampers, runs the verifier, puts everything back and checks the verifier is content again. */
  const expectCaught = async (tamper: () => Promise<() => Promise<void>>, named: string | RegExp) => {
    const restore = await tamper();
    try {
      const { code, out } = await verify();
      expect(code).toBe(1);
      expect(out).toMatch(typeof named === 'string' ? new RegExp(`first bad event ${named}\\b`) : named);
    } finally {
      await restore();
    }
    expect((await verify()).code).toBe(0);
  };

  it('passes an untouched day and names its count and head', async () => {
    const { code, out } = await verify();
    expect(code).toBe(0);
    expect(out).toMatch(/OK fl-a 2026-06-01: 504 events, head [0-9a-f]{64}/);
  });

  describe('in DynamoDB', () => {
    it('an altered event', () =>
      expectCaught(async () => {
        const { PK, SK } = await keyOf('ev-3');
        await db.send(new UpdateCommand({ TableName: table, Key: { PK, SK }, UpdateExpression: 'SET fileName = :n', ExpressionAttributeValues: { ':n': 'Innocent.docx' } }));
        return async () => void (await db.send(new UpdateCommand({ TableName: table, Key: { PK, SK }, UpdateExpression: 'SET fileName = :n', ExpressionAttributeValues: { ':n': 'Plan 3.docx' } })));
      }, 'ev-3'));

    it('a removed event', () =>
      expectCaught(async () => {
        const { PK, SK, item } = await keyOf('ev-2');
        await db.send(new DeleteCommand({ TableName: table, Key: { PK, SK } }));
        return async () => void (await db.send(new PutCommand({ TableName: table, Item: item })));
      }, /removed|first bad event ev-3\b/));

    it('reordered events', () =>
      expectCaught(async () => {
        const [a, b] = [await keyOf('ev-1'), await keyOf('ev-2')];
        const swap = (key: { PK: string; SK: string }, position: unknown) =>
          db.send(new UpdateCommand({ TableName: table, Key: { PK: key.PK, SK: key.SK }, UpdateExpression: 'SET #p = :p', ExpressionAttributeNames: { '#p': 'position' }, ExpressionAttributeValues: { ':p': position } }));
        await swap(a, b.item.position);
        await swap(b, a.item.position);
        return async () => {
          await swap(a, a.item.position);
          await swap(b, b.item.position);
        };
      }, /first bad event ev-(1|2)\b/));

    it('an inserted event', () =>
      expectCaught(async () => {
        const { item } = await keyOf('ev-4');
        const forged: Record<string, unknown> = { ...item, eventId: 'ev-forged', SK: String(item.SK).replace('ev-4', 'ev-forged'), GSI1SK: String(item.GSI1SK).replace('ev-4', 'ev-forged'), GSI2SK: String(item.GSI2SK).replace('ev-4', 'ev-forged'), GSI3SK: String(item.GSI3SK).replace('ev-4', 'ev-forged'), position: Number(item.position) + 1 };
        await db.send(new PutCommand({ TableName: table, Item: forged }));
        return async () => void (await db.send(new DeleteCommand({ TableName: table, Key: { PK: forged.PK, SK: forged.SK } })));
      }, 'ev-forged'));
  });

  describe('in the S3 archive', () => {
    /** The archive object holding the first batch's 08:00 hour (segment 1). */
    const objectKey = `archive/${CORP}/${DAY}/08/0000000001.ndjson.gz`;
    const rewrite = async (change: (lines: Event[]) => Event[]) => {
      const original = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: objectKey }))).Body!.transformToByteArray());
      const lines = gunzipSync(original).toString('utf8').trim().split('\n').map((line) => JSON.parse(line) as Event);
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: objectKey, Body: gzipSync(change(lines).map((l) => JSON.stringify(l)).join('\n') + '\n') }));
      return async () => void (await s3.send(new PutObjectCommand({ Bucket: bucket, Key: objectKey, Body: original })));
    };

    it('holds one object per corp, hour and batch, never one per event', async () => {
      const { Contents } = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `archive/${CORP}/${DAY}/` }));
      expect(Contents!.map((o) => o.Key).sort()).toEqual([objectKey, `archive/${CORP}/${DAY}/10/0000000002.ndjson.gz`]);
    });

    it('an altered event', () => expectCaught(() => rewrite((lines) => lines.map((l) => (l.eventId === 'ev-2' ? { ...l, ip: '10.9.9.9' } : l))), 'ev-2'));
    it('a removed event', () => expectCaught(() => rewrite((lines) => lines.filter((l) => l.eventId !== 'ev-3')), /removed/));
    it('reordered events', () => expectCaught(() => rewrite((lines) => [lines[1]!, lines[0]!, ...lines.slice(2)]), 'ev-1'));
    it('an inserted event', () =>
      expectCaught(() => rewrite((lines) => [...lines.slice(0, 2), { ...lines[1]!, eventId: 'ev-planted', position: 2 }, ...lines.slice(2).map((l) => ({ ...l, position: Number(l.position) + 1 }))]), 'ev-planted'));
  });

  it("past the hot store's 180 days checks the archive alone: expired items are not a removal, an archive edit still is", async () => {
    const { PK, SK, item } = await keyOf('ev-3');
    await db.send(new DeleteCommand({ TableName: table, Key: { PK, SK } }));
    try {
      const later = '2026-12-15T00:00:00Z';
      expect(await verify(CORP, DAY, later)).toMatchObject({ code: 0, out: expect.stringMatching(/OK fl-a 2026-06-01: 504 events, head [0-9a-f]{64} \(archive only/) });
      expect((await verify()).code).toBe(1);
      const archiveKey = `archive/${CORP}/${DAY}/08/0000000001.ndjson.gz`;
      const original = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: archiveKey }))).Body!.transformToByteArray());
      const lines = gunzipSync(original).toString('utf8').trim().split('\n').map((line) => JSON.parse(line) as Event);
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: archiveKey, Body: gzipSync(lines.map((l) => JSON.stringify(l.eventId === 'ev-2' ? { ...l, ip: '10.9.9.9' } : l)).join('\n') + '\n') }));
      try {
        expect(await verify(CORP, DAY, later)).toMatchObject({ code: 1, out: expect.stringMatching(/first bad event ev-2\b.* in the archive/) });
      } finally {
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: archiveKey, Body: original }));
      }
    } finally {
      await db.send(new PutCommand({ TableName: table, Item: item }));
    }
    expect((await verify()).code).toBe(0);
  });

  it('a forged seal in the hot store (what the digest route reads)', async () => {
    const key = { PK: `CHAIN#${CORP}#${DAY}`, SK: 'SEAL#0000000001' };
    const { Item } = await db.send(new GetCommand({ TableName: table, Key: key }));
    await expectCaught(async () => {
      await db.send(new UpdateCommand({ TableName: table, Key: key, UpdateExpression: 'SET #c = :c', ExpressionAttributeNames: { '#c': 'count' }, ExpressionAttributeValues: { ':c': 3 } }));
      return async () => void (await db.send(new PutCommand({ TableName: table, Item: Item! })));
    }, /seal of segment 1 differs/);
  });
});

describe('leak investigation', () => {
  const send = async (method: string, path: string, body?: Buffer, type = 'image/png') => {
    const response = await fetch(`${stack.url}${path}`, { method, headers: { authorization: `Bearer ${await adminToken(CORP)}`, ...(body && { 'content-type': type }) }, body });
    const text = await response.text();
    return { status: response.status, body: response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
  };

  it("traces a leaked image and keeps the member's file events from 1 h before to 1 h after, oldest first", async () => {
    await api.local('POST', '/local/clock', { now: `${DAY}T09:05:30Z` });
    const marked = await fetch(`${stack.url}/corps/${CORP}/watermarks/embed?memberId=alice`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await adminToken(CORP)}`, 'content-type': 'image/png' },
      body: await picture(),
    });
    expect(marked.status).toBe(200);
    const leaked = await sharp(Buffer.from(await marked.arrayBuffer())).jpeg({ quality: 80 }).toBuffer();
    const created = await send('POST', `/corps/${CORP}/investigations`, leaked, 'image/jpeg');
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      investigationId: expect.stringMatching(/^inv_/),
      createdBy: expect.any(String),
      trace: { found: true, memberId: 'alice', memberName: 'Name of alice', markedAt: `${DAY}T09:05:00Z` },
    });
    // 08:05..10:05: alice's two events of the first batch and her bulk events up to 10:05.
    const timeline = created.body.timeline as Event[];
    expect(timeline.slice(0, 2)).toEqual([FIRST_BATCH[0], FIRST_BATCH[1]]);
    expect(timeline.every((e) => e.memberId === 'alice' && String(e.occurredAt) >= `${DAY}T08:05:00Z` && String(e.occurredAt) <= `${DAY}T10:05:00Z`)).toBe(true);
    expect(timeline.map((e) => e.occurredAt)).toEqual(timeline.map((e) => e.occurredAt).sort());
    expect(timeline.length).toBeGreaterThan(2);

    const again = await send('GET', `/corps/${CORP}/investigations/${created.body.investigationId}`);
    expect(again).toMatchObject({ status: 200, body: created.body });
    const listed = await send('GET', `/corps/${CORP}/investigations`);
    expect(listed.body.items[0]).toMatchObject({ investigationId: created.body.investigationId, trace: created.body.trace, events: timeline.length });
    expect((await send('GET', `/corps/${CORP}/investigations/inv_nothing`)).body).toMatchObject({ status: 404, code: 'NOT_FOUND' });

    const audit = await api.admin(CORP, 'GET', `/corps/${CORP}/audit`);
    expect(audit.body.items.slice(0, 2)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: 'leak_investigated', found: true, memberId: 'alice', investigationId: created.body.investigationId }),
        expect.objectContaining({ action: 'watermark_traced', found: true, memberId: 'alice', traceId: expect.stringMatching(/^tr_/) }),
      ]),
    );
  });

  it('keeps a timeline larger than a DynamoDB item (400 KB), whole', async () => {
    // 1,500 events of olga's (the other corp's) around 09:05, each about 1 KB: about 1.5 MB of timeline.
    const recipients = Array.from({ length: 20 }, (_, i) => ({ corpId: CORP, memberId: `partner-member-${i}` }));
    for (let b = 0; b < 3; b++) {
      const events = Array.from({ length: 500 }, (_, i) => ({
        eventId: `big-${b}-${i}`,
        corpId: OTHER,
        memberId: 'olga',
        action: 'forward',
        fileId: `file-big-${i}`,
        fileName: `${'季度经营分析报告'.repeat(20)} ${b}-${i}.xlsx`,
        channel: 'mail',
        recipients,
        occurredAt: `${DAY}T09:0${b}:${String(i % 60).padStart(2, '0')}Z`,
      }));
      expect((await files({ events })).body).toEqual({ accepted: 500, ignored: 0 });
    }
    const marked = await fetch(`${stack.url}/corps/${OTHER}/watermarks/embed?memberId=olga`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await adminToken(OTHER)}`, 'content-type': 'image/png' },
      body: await picture(),
    });
    const response = await fetch(`${stack.url}/corps/${OTHER}/investigations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await adminToken(OTHER)}`, 'content-type': 'image/png' },
      body: Buffer.from(await marked.arrayBuffer()),
    });
    expect(response.status).toBe(201);
    const created = (await response.json()) as { investigationId: string; timeline: Event[] };
    expect(created.timeline).toHaveLength(1500);
    expect(Buffer.byteLength(JSON.stringify(created.timeline))).toBeGreaterThan(400 * 1024);
    const again = await api.admin(OTHER, 'GET', `/corps/${OTHER}/investigations/${created.investigationId}`);
    expect(again.status).toBe(200);
    expect(again.body.timeline).toEqual(created.timeline);
  });

  it('keeps an investigation of an unmarked image (found: false, empty timeline); refuses what is not an image', async () => {
    const created = await send('POST', `/corps/${CORP}/investigations`, await picture(400, 300));
    expect(created).toMatchObject({ status: 201, body: { trace: { found: false }, timeline: [] } });
    expect((await send('POST', `/corps/${CORP}/investigations`, Buffer.from('not an image'), 'text/plain')).status).toBe(415);
  });
});

describe('daily digest (Object Lock bucket, written once the day is over)', () => {
  const digestKeys = async () =>
    ((await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `digests/${CORP}/${DAY}/` }))).Contents ?? []).map((o) => o.Key!).sort();
  const readObject = async (key: string) => Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToByteArray());
  const runDigester = async () => {
    const schedules = (await api.local('GET', '/local/schedules')).items as { name: string; functionId: string }[];
    const name = schedules.find((s) => s.functionId.startsWith('FileLogDigester'))!.name;
    const run = (await api.local('POST', `/local/schedules/${name}`)) as { ok: boolean; result: { digested: number } };
    expect(run.ok).toBe(true);
    return run.result.digested;
  };

  it('waits for the day to end, then binds its seals and head once; a late event adds a later digest', async () => {
    expect(await runDigester()).toBe(0);
    expect(await digestKeys()).toEqual([]);

    await api.local('POST', '/local/clock', { now: '2026-06-02T00:30:00Z' });
    expect(await runDigester()).toBeGreaterThanOrEqual(1);
    const first = `digests/${CORP}/${DAY}/0000000002.json`;
    expect(await digestKeys()).toEqual([first]);
    const written = JSON.parse((await readObject(first)).toString('utf8'));
    const { count, headHash } = await digest();
    expect(written).toMatchObject({ corpId: CORP, day: DAY, count, headHash });
    expect(written.segments.map((s: { segment: number }) => s.segment)).toEqual([1, 2]);
    // Nothing new: nothing written again.
    expect(await runDigester()).toBe(0);

    const late = await files({ events: [event(900, 'alice', '17:00:00')] });
    expect(late.body).toEqual({ accepted: 1, ignored: 0 });
    expect(await runDigester()).toBe(1);
    expect(await digestKeys()).toEqual([first, `digests/${CORP}/${DAY}/0000000003.json`]);
    expect(await verify()).toMatchObject({ code: 0, out: expect.stringMatching(/OK fl-a 2026-06-01: 505 events/) });
  });

  it('catches a segment removed from both copies with its seals, which the chain alone cannot see', async () => {
    const sealKey = `seals/${CORP}/${DAY}/0000000003.json`;
    const archiveKey = `archive/${CORP}/${DAY}/17/0000000003.ndjson.gz`;
    const hotSeal = { PK: `CHAIN#${CORP}#${DAY}`, SK: 'SEAL#0000000003' };
    const item = (await db.send(new QueryCommand({ TableName: table, IndexName: 'GSI3', KeyConditionExpression: 'GSI3PK = :pk', FilterExpression: 'eventId = :id', ExpressionAttributeValues: { ':pk': `CORP#${CORP}`, ':id': 'ev-900' } }))).Items![0]!;
    const [seal, archived, hot] = [await readObject(sealKey), await readObject(archiveKey), (await db.send(new GetCommand({ TableName: table, Key: hotSeal }))).Item!];
    await Promise.all([
      s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: sealKey })),
      s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: archiveKey })),
      db.send(new DeleteCommand({ TableName: table, Key: hotSeal })),
      db.send(new DeleteCommand({ TableName: table, Key: { PK: item.PK, SK: item.SK } })),
    ]);
    try {
      const { code, out } = await verify();
      expect(code).toBe(1);
      expect(out).toMatch(/segment 3, bound by the day's digest of 3 segments, has no seal any more \(removed\)/);
    } finally {
      await Promise.all([
        s3.send(new PutObjectCommand({ Bucket: bucket, Key: sealKey, Body: seal })),
        s3.send(new PutObjectCommand({ Bucket: bucket, Key: archiveKey, Body: archived })),
        db.send(new PutCommand({ TableName: table, Item: hot })),
        db.send(new PutCommand({ TableName: table, Item: item })),
      ]);
    }
    expect((await verify()).code).toBe(0);
  });
});
