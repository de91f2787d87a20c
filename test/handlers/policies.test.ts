import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { context, httpEvent, viaAuthorizer } from './helpers.ts';

process.env.TABLE_NAME = 'steward-test';
const { handler } = await import('../../functions/http/policies.ts');
const documents = mockClient(DynamoDBDocumentClient);

const admin = (corpId = 'acme', roles = ['admin']) => viaAuthorizer({ sub: 'admin-1', corpId, roles });
const stored = (version: number) => ({
  Item: {
    PK: 'CORP#acme',
    SK: 'POLICY#ip-access',
    corpId: 'acme',
    type: 'ip-access',
    enabled: true,
    scope: { all: true },
    settings: { mail: ['10.0.0.0/8'], drive: [] },
    version,
    changedBy: 'admin-0',
    changedAt: '2026-11-01T00:00:00Z',
  },
});
const put = async (type: string, body: unknown, headers: Record<string, string> = {}, roles = ['admin']) => {
  const auth = await admin('acme', roles);
  const response = await handler(
    httpEvent({ routeKey: 'PUT /corps/{corpId}/policies/{type}', params: { corpId: 'acme', type }, body: JSON.stringify(body), ...auth, headers: { ...auth.headers, ...headers } }),
    context,
  );
  return { status: response.statusCode, headers: response.headers ?? {}, body: JSON.parse(response.body!) };
};
const writes = () => [...documents.commandCalls(TransactWriteCommand), ...documents.commandCalls(UpdateCommand)];
const ipAccess = (mail: string[]) => ({ enabled: true, scope: { all: true }, settings: { mail, drive: [] } });

describe('policies API', () => {
  beforeEach(() => {
    documents.reset();
    documents.on(GetCommand).resolves({});
  });

  it('sets a policy as version 1, writing the policy, its version and the epoch bump in one transaction, and answers its ETag', async () => {
    documents.on(TransactWriteCommand).resolves({});
    documents.on(UpdateCommand).resolves({});
    const answer = await put('ip-access', ipAccess(['10.0.0.0/8', '2001:db8::/32']));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ type: 'ip-access', version: 1, changedBy: 'admin-1', settings: { mail: ['10.0.0.0/8', '2001:db8::/32'] } });
    expect(answer.headers.etag).toBe('"1"');
    // The policy, its version and the epoch decisions revalidate by land together or not at all.
    const [transaction] = documents.commandCalls(TransactWriteCommand);
    const actions = transaction!.args[0].input.TransactItems!;
    expect(actions.map((a) => a.Put?.Item?.SK ?? a.Update?.Key?.SK)).toEqual(['POLICY#ip-access', 'POLICY_VERSION#ip-access#0000000001', 'POLICY_EPOCH']);
    expect(documents.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it.each([
    ['a bad IPv4 CIDR', 'ip-access', ipAccess(['10.0.0.0/33'])],
    ['a bad IPv6 CIDR', 'ip-access', ipAccess(['2001:db8::/129'])],
    ['a second-verification URL that is not https', 'second-verification', { enabled: true, scope: { all: true }, settings: { url: 'http://verify.example.com', afterBackgroundSeconds: 0 } }],
    ['an unknown surface', 'visible-watermark', { enabled: true, scope: { all: true }, settings: { surfaces: ['fax'], text: '{name}' } }],
    ['a scope of more than 1,000 member ids', 'devices', { enabled: true, scope: { memberIds: Array.from({ length: 1001 }, (_, i) => `m-${i}`), departmentIds: [] }, settings: {} }],
  ])('answers 400 VALIDATION_FAILED to %s and writes nothing', async (_, type, body) => {
    const answer = await put(type, body);
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe('VALIDATION_FAILED');
    expect(answer.body.errors.length).toBeGreaterThan(0);
    expect(writes()).toHaveLength(0);
  });

  it('answers 404 POLICY_TYPE_NOT_FOUND to an unknown type and touches nothing', async () => {
    const answer = await put('mind-control', { enabled: true, scope: { all: true }, settings: {} });
    expect(answer.status).toBe(404);
    expect(answer.body.code).toBe('POLICY_TYPE_NOT_FOUND');
    expect(documents.calls()).toHaveLength(0);
  });

  it('answers 412 VERSION_MISMATCH to a stale If-Match and writes nothing', async () => {
    documents.on(GetCommand).resolves(stored(3));
    const answer = await put('ip-access', ipAccess([]), { 'if-match': '"2"' });
    expect(answer.status).toBe(412);
    expect(answer.body.code).toBe('VERSION_MISMATCH');
    expect(writes()).toHaveLength(0);
  });

  it('takes If-Match: * as matching whatever version is current (RFC 9110), defaults included', async () => {
    documents.on(GetCommand).resolves(stored(3));
    documents.on(TransactWriteCommand).resolves({});
    const answer = await put('ip-access', ipAccess([]), { 'if-match': '*' });
    expect(answer.status).toBe(200);
    expect(answer.body.version).toBe(4);
    expect(answer.headers.etag).toBe('"4"');
  });

  it('answers 412 when another admin saved first between the read and the write', async () => {
    documents.on(GetCommand).resolvesOnce(stored(3)).resolves(stored(4));
    documents.on(TransactWriteCommand).rejects(new TransactionCanceledException({ message: 'cancelled', $metadata: {}, CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }] }));
    const answer = await put('ip-access', ipAccess([]), { 'if-match': '"3"' });
    expect(answer.status).toBe(412);
    expect(answer.body.code).toBe('VERSION_MISMATCH');
    expect(documents.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('saves through a transaction conflict on the epoch (another change bumping it) instead of failing', async () => {
    documents.on(TransactWriteCommand)
      .rejectsOnce(new TransactionCanceledException({ message: 'conflict', $metadata: {}, CancellationReasons: [{ Code: 'None' }, { Code: 'None' }, { Code: 'TransactionConflict' }] }))
      .resolves({});
    const answer = await put('ip-access', ipAccess([]));
    expect(answer.status).toBe(200);
    expect(answer.body.version).toBe(1);
    expect(documents.commandCalls(TransactWriteCommand)).toHaveLength(2);
  });

  it('answers 403 to an enforcer token on an admin route and reads nothing', async () => {
    const answer = await put('ip-access', ipAccess([]), {}, ['enforcer']);
    expect(answer.status).toBe(403);
    expect(answer.body.code).toBe('FORBIDDEN');
    expect(documents.calls()).toHaveLength(0);
  });

  it('answers a policy never set as its default, version 0, with that ETag', async () => {
    const response = await handler(
      httpEvent({ routeKey: 'GET /corps/{corpId}/policies/{type}', params: { corpId: 'acme', type: 'screen-capture' }, ...(await admin()) }),
      context,
    );
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body!)).toMatchObject({ type: 'screen-capture', enabled: false, version: 0 });
    expect(response.headers?.etag).toBe('"0"');
  });

  it('lists every type in one page of the list convention, defaults for those never set', async () => {
    documents.on(QueryCommand).resolves({ Items: [stored(2).Item] });
    const response = await handler(httpEvent({ routeKey: 'GET /corps/{corpId}/policies', params: { corpId: 'acme' }, ...(await admin()) }), context);
    const body = JSON.parse(response.body!);
    expect(response.statusCode).toBe(200);
    expect(body.nextCursor).toBeNull();
    expect(body.items).toHaveLength(8);
    expect(body.items.find((p: { type: string }) => p.type === 'ip-access')).toMatchObject({ version: 2, enabled: true });
    expect(body.items.filter((p: { version: number }) => p.version === 0)).toHaveLength(7);
  });
});
