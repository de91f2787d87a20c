import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { signingKeys } from '#commons/webhook-signature';
import { answer as send, readSigned } from './signed-request.ts';

export type FakeAssetServiceOptions = {
  secret: string;
  /** Share of calls answered 503, drawn from a seeded generator so a run is repeatable. */
  failureRate?: number;
  seed?: number;
  /** Called after a move and before the answer: the service reporting its change to Steward, as real ones do. */
  report?: (change: { assetId: string; ownerId: string; version: number }) => Promise<void>;
};

/** mulberry32: a small deterministic generator. */
const generator = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

/**
 * Plays a docs/drive/calendar service for the HTTP asset provider: checks the signature, moves
 * ownership once per `webhook-id` (a replay answers 200 without moving again), fails a share of
 * calls with 503 and refuses the assets listed in `refused` with 422. Every move raises the asset's
 * version (from `versions`, 1 when unset), which the answer carries.
 */
export const startFakeAssetService = async (options: FakeAssetServiceOptions) => {
  const owners = new Map<string, string>();
  const versions = new Map<string, number>();
  const refused = new Set<string>();
  const appliedTransfers = new Map<string, number>();
  const keys = signingKeys(options.secret);
  const random = generator(options.seed ?? 1);
  let calls = 0;
  let failures = 0;
  const server = createServer(async (request, response) => {
    const answer = (status: number, payload: unknown) => send(response, status, payload);
    calls += 1;
    const match = /^\/assets\/([^/]+)\/transfer$/.exec(request.url ?? '');
    if (request.method !== 'POST' || !match) return answer(404, { detail: 'no such route' });
    const signed = await readSigned(request, response, keys);
    if (!signed) return;
    const { id, body } = signed;
    if (random() < (options.failureRate ?? 0)) {
      failures += 1;
      return answer(503, { detail: 'try again later' });
    }
    const assetId = decodeURIComponent(match[1]!);
    const transfer = JSON.parse(body.toString('utf8')) as { fromMemberId: string; toMemberId: string };
    if (appliedTransfers.has(id)) return answer(200, { replayed: true, version: appliedTransfers.get(id) });
    if (!owners.has(assetId)) return answer(404, { detail: 'no such asset' });
    if (refused.has(assetId)) return answer(422, { detail: `asset ${assetId} is under legal hold` });
    if (owners.get(assetId) !== transfer.fromMemberId) return answer(409, { detail: 'not owned by fromMemberId' });
    owners.set(assetId, transfer.toMemberId);
    const version = (versions.get(assetId) ?? 1) + 1;
    versions.set(assetId, version);
    appliedTransfers.set(id, version);
    await options.report?.({ assetId, ownerId: transfer.toMemberId, version });
    return answer(200, { transferred: true, version });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    owners,
    versions,
    refused,
    /** How many times each asset's ownership actually moved. */
    movesOf: (assetId: string) => [...appliedTransfers.keys()].filter((key) => key.endsWith(`:${assetId}`)).length,
    stats: () => ({ calls, failures }),
    stop: () => new Promise<void>((done) => server.close(() => done())),
  };
};
