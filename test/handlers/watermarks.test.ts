import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import sharp from 'sharp';
import { beforeEach, describe, expect, it } from 'vitest';
import { context, httpEvent } from './helpers.ts';

process.env.TABLE_NAME = 'steward-test';
process.env.DOCUMENTS_BUCKET = 'documents';

const { handler } = await import('../../functions/http/watermarks.ts');

const documentClient = mockClient(DynamoDBDocumentClient);
const mocks = [mockClient(DynamoDBClient), documentClient, mockClient(KMSClient), mockClient(S3Client)];
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
