import { describe, expect, it } from 'vitest';
import { AssetServiceUnavailable, transferBatch } from '#use-cases/handovers';
import type { Asset } from '#core/handover';
import type { Ports } from '#ports/ports';

const doc = (assetId: string): Asset => ({
  corpId: 'c1',
  assetType: 'doc',
  assetId,
  ownerId: 'leaver',
  title: assetId,
  externalShares: 0,
  startsAt: null,
  endsAt: null,
  updatedAt: '2026-06-01T07:00:00Z',
  version: null,
});

/** A running handover of `leaver` to `mgr` over two pages of docs, with an asset service that cannot be reached for `down`. */
const portsFor = (down: Set<string>) => {
  const pages: Record<string, { items: Asset[]; nextCursor: string | null }> = {
    start: { items: [doc('d1'), doc('d2')], nextCursor: 'page-2' },
    'page-2': { items: [doc('d3'), doc('d4')], nextCursor: null },
  };
  const listed: (string | null)[] = [];
  const moved: string[] = [];
  const ports = {
    handovers: {
      get: async () => ({ corpId: 'c1', handoverId: 'ho_1', fromMemberId: 'leaver', toMemberId: 'mgr', status: 'running', assetTypes: ['doc'], undoes: null }),
      decided: async () => new Set<string>(),
      recordOutcomes: async () => undefined,
      recordTransfers: async (_corp: string, _id: string, moves: unknown[]) => moves.map(() => 'transferred'),
    },
    assets: {
      listOwned: async (_corp: string, _member: string, _type: string, { cursor }: { cursor: string | null }) => {
        listed.push(cursor);
        return pages[cursor ?? 'start']!;
      },
    },
    assetProviders: {
      doc: {
        transfer: async ({ asset }: { asset: Asset }) => {
          if (down.has(asset.assetId)) return { kind: 'unavailable', error: '503' };
          moved.push(asset.assetId);
          return { kind: 'transferred', version: 2 };
        },
      },
    },
    clock: { now: () => new Date('2026-06-01T08:00:00Z') },
  } as unknown as Pick<Ports, 'handovers' | 'assets' | 'assetProviders' | 'clock'>;
  return { ports, listed, moved };
};

describe('a transfer call that cannot reach the asset service', () => {
  it('past its first page, hands the next call that page rather than failing back to where it started', async () => {
    const { ports, listed, moved } = portsFor(new Set(['d4']));
    expect(await transferBatch(ports, { corpId: 'c1', handoverId: 'ho_1', assetType: 'doc', cursor: null })).toEqual({ cursor: 'page-2', done: false });
    expect(moved).toEqual(['d1', 'd2', 'd3']);
    expect(listed).toEqual([null, 'page-2']);
  });

  it('on its first page, fails with AssetServiceUnavailable so the workflow waits before trying again', async () => {
    const { ports, moved } = portsFor(new Set(['d3']));
    await expect(transferBatch(ports, { corpId: 'c1', handoverId: 'ho_1', assetType: 'doc', cursor: 'page-2' })).rejects.toBeInstanceOf(AssetServiceUnavailable);
    expect(moved).toEqual(['d4']);
  });
});
