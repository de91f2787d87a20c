import { BatchGetCommand, DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { context, httpEvent, viaAuthorizer } from './helpers.ts';

process.env.TABLE_NAME = 'steward-test';
const { handler } = await import('../../functions/http/decisions.ts');
const documents = mockClient(DynamoDBDocumentClient);

const token = (roles: string[], corpId = '*') => viaAuthorizer({ sub: 'svc-1', corpId, roles });
const login = (memberId: string) => ({ action: 'login', memberId, context: { platform: 'ios' } });
const decide = async (requests: unknown, auth: Awaited<ReturnType<typeof token>>, corpId = 'acme') => {
  const response = await handler(
    httpEvent({ routeKey: 'POST /corps/{corpId}/decisions', params: { corpId }, body: JSON.stringify({ requests }), ...auth }),
    context,
  );
  return { status: response.statusCode, body: JSON.parse(response.body!) };
};

describe('decisions API', () => {
  beforeEach(() => {
    documents.reset();
    documents.on(BatchGetCommand).resolves({ Responses: { 'steward-test': [] } });
    documents.on(QueryCommand).resolves({ Items: [] });
  });

  it('answers each request in order, from one consistent epoch read before the engine is built', async () => {
    const answer = await decide([login('ghost'), { ...login('ghost'), action: 'screenshot', context: { platform: 'mac' } }], await token(['enforcer']));
    expect(answer.status).toBe(200);
    expect(answer.body.results).toEqual([
      { decision: 'deny', reasons: ['MEMBER_NOT_FOUND'], obligations: [] },
      { decision: 'deny', reasons: ['MEMBER_NOT_FOUND'], obligations: [] },
    ]);
    const [epochRead] = documents.commandCalls(BatchGetCommand);
    expect(epochRead!.args[0].input.RequestItems!['steward-test']!.ConsistentRead).toBe(true);
  });

  it.each([
    ['no requests', []],
    ['101 requests', Array.from({ length: 101 }, () => login('m-1'))],
    ['an unknown action', [{ ...login('m-1'), action: 'file.burn' }]],
    ['an unknown platform', [{ ...login('m-1'), context: { platform: 'amiga' } }]],
  ])('answers 400 VALIDATION_FAILED to %s and reads nothing', async (_, requests) => {
    const answer = await decide(requests, await token(['enforcer']));
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe('VALIDATION_FAILED');
    expect(documents.calls()).toHaveLength(0);
  });

  it.each([
    ['an admin token', ['admin'], 'acme'],
    ['an enforcer token for another corp', ['enforcer'], 'globex'],
  ])('answers 403 FORBIDDEN to %s and reads nothing', async (_, roles, corpId) => {
    const answer = await decide([login('m-1')], await token(roles, corpId));
    expect(answer.status).toBe(403);
    expect(answer.body.code).toBe('FORBIDDEN');
    expect(documents.calls()).toHaveLength(0);
  });

  it("serves an enforcer token for the corp itself as one for every corp ('*')", async () => {
    expect((await decide([login('m-1')], await token(['enforcer'], 'acme'))).status).toBe(200);
  });
});
