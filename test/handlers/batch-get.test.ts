import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { batchGetAll } from '#adapters/dynamodb/table';

/* The one BatchGetItem loop every adapter uses: 100 keys a call, unprocessed keys asked again. */
const db = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'cn-north-1' }));
const documents = mockClient(db);
beforeEach(() => documents.reset());

const key = (n: number) => ({ PK: 'CORP#acme', SK: `MEMBER#m${n}` });
const keysOf = (call: number) => documents.commandCalls(BatchGetCommand)[call]!.args[0].input.RequestItems!.t!.Keys!;

describe('batchGetAll', () => {
  it('asks 100 keys a call, strongly consistent, and returns every item found', async () => {
    documents.on(BatchGetCommand).callsFake((input) => ({
      Responses: { t: (input.RequestItems.t.Keys as { SK: string }[]).filter((_, i) => i % 2 === 0).map((k) => ({ ...k, found: true })) },
    }));
    const items = await batchGetAll(db, 't', Array.from({ length: 250 }, (_, i) => key(i)));
    expect(documents.commandCalls(BatchGetCommand).map((_, i) => keysOf(i).length)).toEqual([100, 100, 50]);
    expect(documents.commandCalls(BatchGetCommand).every((c) => c.args[0].input.RequestItems!.t!.ConsistentRead === true)).toBe(true);
    expect(items).toHaveLength(125);
  });

  it('asks again for the keys DynamoDB left unprocessed until none is left, with the projection each time', async () => {
    documents
      .on(BatchGetCommand)
      .resolvesOnce({ Responses: { t: [{ ...key(0) }] }, UnprocessedKeys: { t: { Keys: [key(1), key(2)] } } })
      .resolvesOnce({ Responses: { t: [] }, UnprocessedKeys: { t: { Keys: [key(2)] } } })
      .resolves({ Responses: { t: [{ ...key(1) }, { ...key(2) }] } });
    const items = await batchGetAll(db, 't', [key(0), key(1), key(2)], 'PK, SK');
    expect(items.map((i) => i.SK).sort()).toEqual(['MEMBER#m0', 'MEMBER#m1', 'MEMBER#m2']);
    expect([keysOf(1), keysOf(2)]).toEqual([[key(1), key(2)], [key(2)]]);
    expect(documents.commandCalls(BatchGetCommand).every((c) => c.args[0].input.RequestItems!.t!.ProjectionExpression === 'PK, SK')).toBe(true);
  });

  it('asks a key named twice once', async () => {
    documents.on(BatchGetCommand).resolves({ Responses: { t: [{ ...key(1) }] } });
    expect(await batchGetAll(db, 't', [key(1), key(1), { ...key(1) }])).toHaveLength(1);
    expect(keysOf(0)).toEqual([key(1)]);
  });

  it('makes no call for no keys', async () => {
    expect(await batchGetAll(db, 't', [])).toEqual([]);
    expect(documents.commandCalls(BatchGetCommand)).toHaveLength(0);
  });
});
