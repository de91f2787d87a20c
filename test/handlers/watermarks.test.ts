import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import sharp from 'sharp';
import { beforeEach, describe, expect, it } from 'vitest';
import { extractMark } from '#core/watermark/codec';
import { context, httpEvent } from './helpers.ts';

process.env.TABLE_NAME = 'steward-test';
process.env.DOCUMENTS_BUCKET = 'documents';
// Presigned links are computed locally; they need a region and some credentials, never a call.
process.env.AWS_REGION ??= 'us-east-1';
process.env.AWS_ACCESS_KEY_ID ??= 'test';
process.env.AWS_SECRET_ACCESS_KEY ??= 'test';

const { handler, IMAGE_BODY_LIMIT } = await import('../../functions/http/watermarks.ts');

const documentClient = mockClient(DynamoDBDocumentClient);
const s3 = mockClient(S3Client);
const mocks = [mockClient(DynamoDBClient), documentClient, mockClient(KMSClient), s3];
const calls = () => mocks.reduce((total, mock) => total + mock.calls().length, 0);

const admin = (corpId = 'acme') => ({ sub: 'admin-1', corpId, roles: ['admin'] });
const call = (routeKey: string, over: { query?: Record<string, string>; body?: Buffer; type?: string; claims?: Record<string, unknown> }) =>
  handler(
    {
      ...httpEvent({ routeKey, params: { corpId: 'acme' }, headers: { 'content-type': over.type ?? 'image/png' }, claims: over.claims ?? admin() }),
      queryStringParameters: over.query ?? {},
      body: over.body?.toString('base64'),
      isBase64Encoded: true,
    },
    context,
  );

describe('watermark routes refuse bad requests before touching anything', () => {
  beforeEach(() => mocks.forEach((mock) => mock.reset()));

  const cases: [string, Parameters<typeof call>, number, string][] = [
    ['a body that is not an image type', ['POST /corps/{corpId}/watermarks/trace', { body: Buffer.from('{}'), type: 'application/json' }], 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['an empty body', ['POST /corps/{corpId}/watermarks/trace', { body: Buffer.alloc(0) }], 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['an image over 10 MB', ['POST /corps/{corpId}/watermarks/trace', { body: Buffer.alloc(10 * 1024 * 1024 + 1) }], 413, 'PAYLOAD_TOO_LARGE'],
    ['a trace body too large for a Lambda payload', ['POST /corps/{corpId}/watermarks/trace', { body: Buffer.alloc(IMAGE_BODY_LIMIT + 1) }], 413, 'PAYLOAD_TOO_LARGE'],
    ['an embed body too large for a Lambda payload', ['POST /corps/{corpId}/watermarks/embed', { query: { memberId: 'leaker' }, body: Buffer.alloc(IMAGE_BODY_LIMIT + 1) }], 413, 'PAYLOAD_TOO_LARGE'],
    ['embed without memberId', ['POST /corps/{corpId}/watermarks/embed', { body: Buffer.from('x') }], 400, 'VALIDATION_FAILED'],
    ['a malformed memberId', ['GET /corps/{corpId}/watermarks/overlay', { query: { memberId: 'a b' } }], 400, 'VALIDATION_FAILED'],
    ['another corp’s admin', ['POST /corps/{corpId}/watermarks/trace', { body: Buffer.from('x'), claims: admin('globex') }], 403, 'FORBIDDEN'],
    ['an upload of a non-image type', ['POST /corps/{corpId}/watermarks/uploads', { body: Buffer.from('{"contentType":"text/plain"}'), type: 'application/json' }], 400, 'VALIDATION_FAILED'],
  ];
  for (const [name, args, status, code] of cases) {
    it(`${name} -> ${status} ${code}`, async () => {
      const response = await call(...args);
      expect(response.statusCode).toBe(status);
      expect(response.headers?.['content-type']).toBe('application/problem+json');
      expect(JSON.parse(response.body!).code).toBe(code);
      expect(calls()).toBe(0);
    });
  }
});

describe('trace', () => {
  beforeEach(() => mocks.forEach((mock) => mock.reset()));

  it('answers found:false for a corp that has marked no one, without reading its keys, and records the trace', async () => {
    documentClient.on(GetCommand).resolves({});
    documentClient.on(PutCommand).resolves({});
    const image = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#8899aa' } }).png().toBuffer();
    const response = await call('POST /corps/{corpId}/watermarks/trace', { body: image });
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body!)).toEqual({ found: false });
    expect(documentClient.commandCalls(GetCommand)[0]!.args[0].input.Key).toEqual({ PK: 'CORP#acme', SK: 'WATERMARK_SEQUENCE' });
    expect(documentClient.commandCalls(QueryCommand)).toHaveLength(0);
    expect(documentClient.commandCalls(PutCommand)[0]!.args[0].input.Item).toMatchObject({ adminId: 'admin-1', found: false, memberId: null, imageBytes: image.length });
  });
});

describe('images with more pixels than the service takes on', () => {
  beforeEach(() => mocks.forEach((mock) => mock.reset()));

  const secret = new Uint8Array(32).fill(7);
  const markedCorp = () => {
    documentClient.on(GetCommand).resolves({});
    documentClient.on(GetCommand, { Key: { PK: 'CORP#acme', SK: 'WATERMARK_SEQUENCE' } }).resolves({ Item: { lastSerial: 1 } });
    documentClient.on(QueryCommand).resolves({ Items: [{ version: 1, sealed: `plain:${Buffer.from(secret).toString('base64')}` }] });
    documentClient.on(PutCommand).resolves({});
  };
  /** 7000 x 7000 flat grey: 156 KB of PNG, 196 MB of RGBA. */
  const flatGrey = () => sharp({ create: { width: 7000, height: 7000, channels: 3, background: '#808080' } }).png().toBuffer();

  for (const [route, query] of [
    ['trace', {}],
    ['embed', { memberId: 'leaker' }],
  ] as const) {
    it(`${route}: a 7000 x 7000 PNG of 156 KB answers 413 PAYLOAD_TOO_LARGE (not 415), read from its header`, async () => {
      markedCorp();
      const seatHolder = { PK: 'CORP#acme', SK: 'MEMBER#leaker', corpId: 'acme', memberId: 'leaker', memberStatus: 'active', seat: { allocatedAt: '2026-01-01T00:00:00Z' } };
      documentClient.on(GetCommand, { Key: { PK: 'CORP#acme', SK: 'MEMBER#leaker' } }).resolves({ Item: seatHolder });
      documentClient.on(GetCommand, { Key: { PK: 'CORP#acme', SK: 'WATERMARK_SERIAL#leaker' } }).resolves({ Item: { serial: 1 } });
      const response = await call(`POST /corps/{corpId}/watermarks/${route}`, { query, body: await flatGrey() });
      const problem = JSON.parse(response.body!);
      expect([response.statusCode, response.headers?.['content-type'], problem.code, problem.maxPixels]).toEqual([413, 'application/problem+json', 'PAYLOAD_TOO_LARGE', 4096 * 4096]);
      expect(problem.detail).toBe('The image is 7000 x 7000 px; images are limited to 16777216 pixels (4096 x 4096).');
    });
  }

  it('trace reads a large image downscaled to at most 1920 x 1080 pixels, aspect kept, and still finds its mark', async () => {
    markedCorp();
    const { images } = await import('#providers/images');
    const { sharpImages } = await import('#adapters/images/sharp-images');
    const read: [number, number][] = [];
    images.use({
      ...sharpImages,
      decode: async (bytes, limits) => {
        const decoded = await sharpImages.decode(bytes, limits);
        if (decoded && 'image' in decoded) read.push([decoded.image.width, decoded.image.height]);
        return decoded;
      },
    });
    try {
      // 3200 x 2400 marked at full size, then leaked as JPEG.
      const [width, height] = [3200, 2400];
      const data = Buffer.alloc(width * height * 3);
      for (let i = 0; i < data.length; i++) data[i] = 90 + ((i * 7919) % 61) + (Math.floor(i / (3 * width)) % 40);
      const { embedMark } = await import('#core/watermark/codec');
      const rgba = await sharp(data, { raw: { width, height, channels: 3 } }).ensureAlpha().raw().toBuffer();
      const marked = embedMark({ width, height, data: new Uint8Array(rgba) }, secret, { memberSerial: 1, minute: 1_000_000, keyVersion: 1 });
      const leaked = await sharp(Buffer.from(marked.data), { raw: { width, height, channels: 4 } }).jpeg({ quality: 90 }).toBuffer();
      documentClient.on(GetCommand, { Key: { PK: 'CORP#acme', SK: 'WATERMARK_MEMBER#1' } }).resolves({ Item: { memberId: 'leaker' } });
      const response = await call('POST /corps/{corpId}/watermarks/trace', { body: leaked, type: 'image/jpeg' });
      expect(read).toEqual([[1662, 1247]]);
      expect(1662 * 1247).toBeLessThanOrEqual(1920 * 1080);
      expect(JSON.parse(response.body!)).toMatchObject({ found: true, memberId: 'leaker' });
    } finally {
      images.use(undefined);
    }
  });
});

describe('images too large for a Lambda payload go through an upload', () => {
  beforeEach(() => mocks.forEach((mock) => mock.reset()));

  const secret = new Uint8Array(32).fill(7);
  const seatHolder = () => {
    const item = { PK: 'CORP#acme', SK: 'MEMBER#leaker', corpId: 'acme', memberId: 'leaker', name: 'Li Lei', memberStatus: 'active' };
    const seat = { allocatedAt: '2026-01-01T00:00:00Z', revocableUntil: '2026-01-08T00:00:00Z' };
    // The corp never set the dark-watermark policy: the seat alone entitles.
    documentClient.on(GetCommand).resolves({});
    documentClient.on(GetCommand, { Key: { PK: 'CORP#acme', SK: 'MEMBER#leaker' } }).resolves({ Item: { ...item, seat } });
    documentClient.on(GetCommand, { Key: { PK: 'CORP#acme', SK: 'WATERMARK_SERIAL#leaker' } }).resolves({ Item: { serial: 1 } });
    documentClient.on(QueryCommand).resolves({ Items: [{ version: 1, sealed: `plain:${Buffer.from(secret).toString('base64')}` }] });
  };
  const uploaded = (bytes: Buffer, size = bytes.length) => {
    s3.on(HeadObjectCommand).resolves({ ContentLength: size });
    s3.on(GetObjectCommand).resolves({ Body: { transformToByteArray: async () => new Uint8Array(bytes) } as never });
    s3.on(PutObjectCommand).resolves({});
  };
  /** A textured picture, so the mark has somewhere to go. */
  const picture = async (width = 320, height = 256) => {
    const data = Buffer.alloc(width * height * 3);
    for (let i = 0; i < data.length; i++) data[i] = 90 + ((i * 7919) % 61) + (Math.floor(i / (3 * width)) % 40);
    return sharp(data, { raw: { width, height, channels: 3 } }).png().toBuffer();
  };

  it('a direct body over the payload limit is refused with the upload path named, before any call', async () => {
    const response = await call('POST /corps/{corpId}/watermarks/embed', { query: { memberId: 'leaker' }, body: Buffer.alloc(IMAGE_BODY_LIMIT + 1) });
    const problem = JSON.parse(response.body!);
    expect([response.statusCode, problem.code, problem.maxBytes]).toEqual([413, 'PAYLOAD_TOO_LARGE', IMAGE_BODY_LIMIT]);
    expect(problem.detail).toContain('POST /corps/{corpId}/watermarks/uploads');
    expect(problem.detail).toContain('?uploadId=');
    expect(IMAGE_BODY_LIMIT).toBe(4_669_440); // base64 (6,225,920 bytes) + 64 KiB of event = 6 MiB
    expect(calls()).toBe(0);
  });

  it('embed from an upload stores the marked image under marked/ and answers a presigned download link', async () => {
    seatHolder();
    const image = await picture();
    uploaded(image);
    const response = await call('POST /corps/{corpId}/watermarks/embed', { query: { memberId: 'leaker', uploadId: 'up_1' } });
    expect(response.statusCode).toBe(200);
    expect(response.headers?.['content-type']).toBe('application/json');
    const body = JSON.parse(response.body!);
    expect(Object.keys(body).sort()).toEqual(['contentType', 'downloadUrl', 'expiresAt']);
    expect(body.contentType).toBe('image/png');
    expect(Date.parse(body.expiresAt) - Date.now()).toBeGreaterThan(14 * 60_000);
    expect(Date.parse(body.expiresAt) - Date.now()).toBeLessThanOrEqual(15 * 60_000);

    expect(s3.commandCalls(GetObjectCommand)[0]!.args[0].input).toMatchObject({ Bucket: 'documents', Key: 'uploads/watermarks/acme/up_1' });
    const put = s3.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect(put).toMatchObject({ Bucket: 'documents', ContentType: 'image/png', Key: expect.stringMatching(/^marked\/watermarks\/acme\/mk_[0-9A-Z]{26}$/) });
    const url = new URL(body.downloadUrl);
    expect(decodeURIComponent(url.pathname)).toContain(put.Key);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');

    // What was stored is the image with the member's mark in it.
    const { data, info } = await sharp(put.Body as Uint8Array).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    const mark = extractMark({ width: info.width, height: info.height, data: new Uint8Array(data) }, secret);
    expect(mark?.payload).toMatchObject({ memberSerial: 1, keyVersion: 1 });
  });

  it('a marked image too large to answer directly is refused with the upload path named, and nothing stored', async () => {
    seatHolder();
    const { images } = await import('#providers/images');
    const size = 64;
    images.use({
      decode: async () => ({ format: 'png', image: { width: size, height: size, data: new Uint8Array(size * size * 4).fill(128) } }),
      encode: async () => new Uint8Array(IMAGE_BODY_LIMIT + 1),
    });
    try {
      const response = await call('POST /corps/{corpId}/watermarks/embed', { query: { memberId: 'leaker' }, body: await picture(64, 64) });
      const problem = JSON.parse(response.body!);
      expect([response.statusCode, problem.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
      expect(problem.detail).toMatch(/^The marked image over 4669440 bytes .*POST \/corps\/\{corpId\}\/watermarks\/uploads/);
      expect(s3.calls()).toHaveLength(0);
    } finally {
      images.use(undefined);
    }
  });

  it('embed from an upload refuses a member without a seat before reading the upload', async () => {
    documentClient.on(GetCommand).resolves({ Item: { PK: 'CORP#acme', SK: 'MEMBER#leaker', corpId: 'acme', memberId: 'leaker', memberStatus: 'active' } });
    const response = await call('POST /corps/{corpId}/watermarks/embed', { query: { memberId: 'leaker', uploadId: 'up_1' } });
    expect([response.statusCode, JSON.parse(response.body!).code]).toEqual([409, 'NOT_ENTITLED']);
    expect(s3.calls()).toHaveLength(0);
  });

  for (const route of ['embed', 'trace']) {
    it(`${route} of an upload over 10 MB answers 413 without reading it`, async () => {
      seatHolder();
      uploaded(Buffer.alloc(0), 10 * 1024 * 1024 + 1);
      const response = await call(`POST /corps/{corpId}/watermarks/${route}`, { query: { memberId: 'leaker', uploadId: 'up_big' } });
      const problem = JSON.parse(response.body!);
      expect([response.statusCode, problem.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
      expect(problem.detail).toContain(String(10 * 1024 * 1024));
      expect(s3.commandCalls(HeadObjectCommand)[0]!.args[0].input.Key).toBe('uploads/watermarks/acme/up_big');
      expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0);
      expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    });
  }

  it('an upload link allows 10 MB', async () => {
    const response = await call('POST /corps/{corpId}/watermarks/uploads', { body: Buffer.from('{"contentType":"image/jpeg"}'), type: 'application/json' });
    expect(response.statusCode).toBe(201);
    const body = JSON.parse(response.body!);
    expect(body).toMatchObject({ uploadId: expect.stringMatching(/^up_/), method: 'PUT', maxBytes: 10 * 1024 * 1024, expiresInSeconds: 900, headers: { 'content-type': 'image/jpeg' } });
    expect(decodeURIComponent(new URL(body.uploadUrl).pathname)).toContain(`uploads/watermarks/acme/${body.uploadId}`);
    expect(calls()).toBe(0);
  });
});
