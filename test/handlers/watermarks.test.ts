import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { context, httpEvent } from './helpers.ts';

process.env.TABLE_NAME = 'steward-test';
process.env.DOCUMENTS_BUCKET = 'documents';

const { handler } = await import('../../functions/http/watermarks.ts');

const mocks = [mockClient(DynamoDBClient), mockClient(DynamoDBDocumentClient), mockClient(KMSClient), mockClient(S3Client)];
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
