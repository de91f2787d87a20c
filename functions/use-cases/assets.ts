import type { z } from 'zod';
import type { Asset, AssetType } from '#core/handover';
import { formatInstant } from '#core/time';
import { logger } from '#commons/logger';
import type { assetDeleted, assetUpserted, assetView } from '#commons/schemas';
import type { Ports } from '#ports/ports';
import type { Page, PageRequest } from '#ports/stores';

type AssetView = z.infer<typeof assetView>;

export const toAssetView = ({ corpId: _corp, startsAt, endsAt, version, ...asset }: Asset): AssetView => ({
  ...asset,
  ...(startsAt && { startsAt }),
  ...(endsAt && { endsAt }),
  ...(version !== null && { version }),
});

/**
 * The asset service's word on who owns what is the catalog's. A versioned report older than what
 * is stored (a redelivery, or one overtaken by a transfer or a delete) changes nothing; without a
 * version the latest report wins.
 */
export const upsertAsset = async (ports: Pick<Ports, 'assets' | 'clock'>, data: z.infer<typeof assetUpserted>['data']): Promise<void> => {
  const calendar = data.assetType === 'calendar';
  const write = await ports.assets.upsert({
    corpId: data.corpId,
    assetType: data.assetType,
    assetId: data.assetId,
    ownerId: data.ownerId,
    title: data.title,
    externalShares: data.externalShares,
    startsAt: calendar ? formatInstant(new Date(data.startsAt!)) : null,
    endsAt: calendar ? formatInstant(new Date(data.endsAt!)) : null,
    updatedAt: formatInstant(ports.clock.now()),
    version: data.version ?? null,
  });
  if (write === 'stale') logger.info('stale asset event ignored', { corpId: data.corpId, assetId: data.assetId, version: data.version });
};

export const deleteAsset = async (ports: Pick<Ports, 'assets' | 'clock'>, data: z.infer<typeof assetDeleted>['data']): Promise<void> => {
  const write = await ports.assets.remove(data.corpId, data.assetType, data.assetId, data.version ?? null, formatInstant(ports.clock.now()));
  if (write === 'stale') logger.info('stale asset deletion ignored', { corpId: data.corpId, assetId: data.assetId, version: data.version });
};

export const listMemberAssets = async (
  ports: Pick<Ports, 'assets'>,
  corpId: string,
  memberId: string,
  assetType: AssetType | null,
  page: PageRequest,
): Promise<Page<AssetView>> => {
  const owned = await ports.assets.listOwned(corpId, memberId, assetType, page);
  return { items: owned.items.map(toAssetView), nextCursor: owned.nextCursor };
};
