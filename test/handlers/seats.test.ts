import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { marshall } from '@aws-sdk/util-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { context, httpEvent, viaAuthorizer } from './helpers.ts';

process.env.TABLE_NAME = 'steward-test';
const { handler } = await import('../../functions/http/seats.ts');
const documents = mockClient(DynamoDBDocumentClient);

// As on AWS: string claims from the authorizer, the roles read from the bearer token.
const admin = (corpId: string, roles = ['admin']) => viaAuthorizer({ sub: 'admin-1', corpId, roles });
const routes = [
  'GET /corps/{corpId}/seats',
  'GET /corps/{corpId}/orders',
  'POST /corps/{corpId}/seats/allocations',
  'GET /corps/{corpId}/seats/allocations',
  'GET /corps/{corpId}/seats/allocations/{memberId}',
  'DELETE /corps/{corpId}/seats/allocations/{memberId}',
];

describe('seats API', () => {
  beforeEach(() => documents.reset());

  it.each(routes)('%s answers 403 to another corp’s admin and reads nothing', async (routeKey) => {
    const response = await handler(
      httpEvent({ routeKey, params: { corpId: 'beta', memberId: 'm-1' }, body: '{"memberIds":["m-1"]}', ...(await admin('acme')) }),
      context,
    );
    expect(response.statusCode).toBe(403);
    expect(JSON.parse(response.body!).code).toBe('FORBIDDEN');
    expect(documents.calls()).toHaveLength(0);
  });

  it('answers 401 without a token', async () => {
    const response = await handler(httpEvent({ routeKey: routes[0]!, params: { corpId: 'acme' } }), context);
    expect(response.statusCode).toBe(401);
    expect(JSON.parse(response.body!).code).toBe('UNAUTHENTICATED');
  });

  describe('roles flattened by the authorizer are read from the verified token', () => {
    const pool = (event: Omit<Parameters<typeof httpEvent>[0], 'routeKey'>) =>
      handler(httpEvent({ ...event, routeKey: 'GET /corps/{corpId}/seats', params: { corpId: 'acme' } }), context);

    it('does not take a role named "not admin" for admin', async () => {
      const response = await pool(await admin('acme', ['not admin']));
      expect(response.statusCode).toBe(403);
      expect(JSON.parse(response.body!).code).toBe('FORBIDDEN');
      expect(documents.calls()).toHaveLength(0);
    });

    it('reads the token whether or not the header says Bearer, as the authorizer accepts both', async () => {
      documents.on(GetCommand).resolves({});
      const event = await admin('acme');
      const bare = { ...event, headers: { authorization: event.headers.authorization.replace(/^Bearer /, '') } };
      expect((await pool(bare)).statusCode).toBe(200);
    });

    it('lets an admin in', async () => {
      documents.on(GetCommand).resolves({});
      const response = await pool(await admin('acme'));
      expect(response.statusCode).toBe(200);
      expect(JSON.parse(response.body!)).toEqual({ purchased: 0, allocated: 0, available: 0 });
    });

    it('reads no roles from a token for someone else, or from no token', async () => {
      const { headers } = await viaAuthorizer({ sub: 'admin-2', corpId: 'acme', roles: ['admin'] });
      for (const event of [{ ...(await admin('acme')), headers }, { claims: (await admin('acme')).claims }]) {
        const response = await pool(event);
        expect(response.statusCode).toBe(403);
        expect(JSON.parse(response.body!).code).toBe('FORBIDDEN');
      }
      expect(documents.calls()).toHaveLength(0);
    });
  });

  it('maps a pool that cannot cover the request to 409 SEATS_EXHAUSTED with the available count', async () => {
    documents.on(BatchGetCommand).resolves({
      Responses: { 'steward-test': [{ PK: 'CORP#acme', SK: 'MEMBER#m-1', corpId: 'acme', memberId: 'm-1', memberStatus: 'active' }] },
    });
    documents.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: 'cancelled',
        $metadata: {},
        CancellationReasons: [
          { Code: 'ConditionalCheckFailed', Item: marshall({ available: 0, nextBoundaryAt: '9999-12-31T23:59:59Z' }) },
          { Code: 'None' },
        ],
      }),
    );
    documents.on(GetCommand).resolves({ Item: { purchased: 20, allocated: 20, available: 0, nextBoundaryAt: '9999-12-31T23:59:59Z', staleMarks: 1 } });
    const response = await handler(
      httpEvent({
        routeKey: 'POST /corps/{corpId}/seats/allocations',
        params: { corpId: 'acme' },
        body: '{"memberIds":["m-1"]}',
        ...(await admin('acme')),
      }),
      context,
    );
    expect(response.statusCode).toBe(409);
    expect(JSON.parse(response.body!)).toMatchObject({ code: 'SEATS_EXHAUSTED', available: 0 });
  });

  it('refuses an empty or oversized member list before touching the table', async () => {
    for (const memberIds of [[], Array.from({ length: 101 }, (_, i) => `m-${i}`)]) {
      const response = await handler(
        httpEvent({
          routeKey: 'POST /corps/{corpId}/seats/allocations',
          params: { corpId: 'acme' },
          body: JSON.stringify({ memberIds }),
          ...(await admin('acme')),
        }),
        context,
      );
      expect(response.statusCode).toBe(400);
      expect(JSON.parse(response.body!).code).toBe('VALIDATION_FAILED');
    }
    expect(documents.calls()).toHaveLength(0);
  });
});
