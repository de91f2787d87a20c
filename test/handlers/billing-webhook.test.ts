import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { orderPaidEvent } from '../fixtures.ts';
import { BILLING_SECRET, context, httpEvent, signedHeaders } from './helpers.ts';

process.env.TABLE_NAME = 'steward-test';
process.env.STEWARD_BILLING_WEBHOOK_SECRET = BILLING_SECRET;
process.env.PURCHASE_STATE_MACHINE_ARN = 'arn:aws:states:cn-north-1:1:stateMachine:purchase';

const { handler } = await import('../../functions/http/billing-webhook.ts');

const dynamo = mockClient(DynamoDBClient);
const documents = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);

const paid = JSON.stringify(orderPaidEvent('acme', 'o-1', 50));

const call = (body: string, headers: Record<string, string>) =>
  handler(httpEvent({ routeKey: 'POST /webhooks/billing', body, headers }), context);

const writes = () => dynamo.calls().length + documents.calls().length + sfn.calls().length;

describe('billing webhook rejections change nothing', () => {
  beforeEach(() => {
    dynamo.reset();
    documents.reset();
    sfn.reset();
  });

  const cases: [string, () => [string, Record<string, string>], number, string][] = [
    ['bad signature', () => [paid, { ...signedHeaders(paid), 'webhook-signature': 'v1,AAAA' }], 401, 'INVALID_SIGNATURE'],
    ['stale timestamp', () => [paid, signedHeaders(paid, BILLING_SECRET, 'msg_1', Date.now() - 600_000)], 401, 'INVALID_SIGNATURE'],
    ['wrong secret', () => [paid, signedHeaders(paid, `whsec_${Buffer.from('a-wrong-secret-of-24-bytes-or-more').toString('base64')}`)], 401, 'INVALID_SIGNATURE'],
    ['malformed JSON', () => ['{"type":', signedHeaders('{"type":')], 400, 'VALIDATION_FAILED'],
    ['unknown event type', () => ['{"type":"order.lost","data":{}}', signedHeaders('{"type":"order.lost","data":{}}')], 400, 'VALIDATION_FAILED'],
    ['oversized body', () => [`{"pad":"${'x'.repeat(300_000)}"}`, signedHeaders(`{"pad":"${'x'.repeat(300_000)}"}`)], 413, 'PAYLOAD_TOO_LARGE'],
  ];

  for (const [name, make, status, code] of cases) {
    it(`${name} -> ${status} ${code}`, async () => {
      const [body, headers] = make();
      const response = await call(body, headers);
      expect(response.statusCode).toBe(status);
      expect(response.headers?.['content-type']).toBe('application/problem+json');
      const problem = JSON.parse(response.body!);
      expect(problem).toMatchObject({ status, code, type: expect.any(String), title: expect.any(String), detail: expect.any(String) });
      expect(writes()).toBe(0);
    });
  }

  it('names the offending field of a signed but invalid order', async () => {
    const body = JSON.stringify({ ...JSON.parse(paid), data: { ...JSON.parse(paid).data, seats: 0 } });
    const response = await call(body, signedHeaders(body));
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body!).errors).toContainEqual(expect.objectContaining({ path: '/data/seats' }));
    expect(writes()).toBe(0);
  });
});
