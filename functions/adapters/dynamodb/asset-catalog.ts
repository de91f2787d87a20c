import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { isStaleAssetEvent, type Asset, type AssetType } from '#core/handover';
import type { CurrentAsset } from '#core/handover-plan';
import type { Instant } from '#core/time';
import type { AssetCatalog, AssetWrite } from '#ports/handovers';
import type { Page, PageRequest } from '#ports/stores';
import { INDEX_GSI1, assetKey, batchGetAll, pageQuery, encodeCursor, ownerPartition, tableName } from './table.ts';


/** A tombstone outlives any redelivery of the events it answers (services retry for days, not months). */
const TOMBSTONE_TTL_S = 90 * 24 * 60 * 60;

/**
 * The write condition of a versioned event, as `isStaleAssetEvent` states it: the stored asset or
 * tombstone has no version, or an older one. An event without a version is written unconditionally.
 */
const newerThanStored = (version: number | null) =>
  version === null
    ? {}
    : {
        ConditionExpression: 'attribute_not_exists(version) OR version < :version',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
      };

export const toAsset = (item: Record<string, unknown>): Asset => ({
  corpId: String(item.corpId),
  assetType: item.assetType as AssetType,
  assetId: String(item.assetId),
  ownerId: String(item.ownerId),
  title: String(item.title ?? ''),
  externalShares: Number(item.externalShares ?? 0),
  startsAt: (item.startsAt as string | undefined) ?? null,
  endsAt: (item.endsAt as string | undefined) ?? null,
  updatedAt: String(item.updatedAt),
  version: typeof item.version === 'number' ? item.version : null,
});

/**
 * Who owns which doc, drive file and calendar event; the owner index lists a member's assets. A
 * deleted asset stays as a tombstone (`deleted`, no owner, out of the owner index) holding its version.
 */
export class DynamoAssetCatalog implements AssetCatalog {
  constructor(private readonly db: DynamoDBDocumentClient) {}

  upsert(asset: Asset): Promise<AssetWrite> {
    const key = assetKey(asset.corpId, asset.assetType, asset.assetId);
    return this.ordered(
      asset.version,
      new PutCommand({
        TableName: tableName(),
        Item: {
          ...key,
          GSI1PK: ownerPartition(asset.corpId, asset.ownerId),
          GSI1SK: key.SK,
          ...asset,
          startsAt: asset.startsAt ?? undefined,
          endsAt: asset.endsAt ?? undefined,
          version: asset.version ?? undefined,
        },
        ...newerThanStored(asset.version),
        ...(asset.version !== null && { ExpressionAttributeValues: { ':version': asset.version } }),
      }),
    );
  }

  remove(corpId: string, assetType: AssetType, assetId: string, version: number | null, at: Instant): Promise<AssetWrite> {
    return this.ordered(
      version,
      new UpdateCommand({
        TableName: tableName(),
        Key: assetKey(corpId, assetType, assetId),
        UpdateExpression: `SET deleted = :true, corpId = :corp, assetType = :type, assetId = :id, updatedAt = :at, expiresAt = :expires${
          version === null ? '' : ', version = :version'
        } REMOVE GSI1PK, GSI1SK, ownerId, handedOverBy`,
        ExpressionAttributeValues: {
          ':true': true,
          ':corp': corpId,
          ':type': assetType,
          ':id': assetId,
          ':at': at,
          ':expires': Math.floor(Date.parse(at) / 1000) + TOMBSTONE_TTL_S,
          ...(version !== null && { ':version': version }),
        },
        ...newerThanStored(version),
      }),
    );
  }

  /** Runs a write guarded by `newerThanStored`: a failed guard is a stale event, which changes nothing. */
  private async ordered(version: number | null, command: PutCommand | UpdateCommand): Promise<AssetWrite> {
    try {
      await this.db.send(command as PutCommand);
      return 'applied';
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const stored = error.Item ? unmarshall(error.Item) : null;
      if (isStaleAssetEvent(stored && { version: typeof stored.version === 'number' ? stored.version : null }, version)) return 'stale';
      throw error;
    }
  }

  async listOwned(corpId: string, ownerId: string, assetType: AssetType | null, page: PageRequest): Promise<Page<Asset>> {
    const result = await this.db.send(
      new QueryCommand({
        TableName: tableName(),
        ...pageQuery(
          { corpId, index: INDEX_GSI1, partition: ownerPartition(corpId, ownerId), sortPrefix: assetType ? `ASSET#${assetType}#` : 'ASSET#' },
          page,
        ),
      }),
    );
    return { items: (result.Items ?? []).map(toAsset), nextCursor: encodeCursor(result.LastEvaluatedKey) };
  }

  async current(corpId: string, assets: readonly Pick<Asset, 'assetType' | 'assetId'>[]): Promise<Map<string, CurrentAsset>> {
    const found = new Map<string, CurrentAsset>();
    for (const item of await batchGetAll(this.db, tableName(), assets.map((a) => assetKey(corpId, a.assetType, a.assetId)))) {
      if (item.deleted) continue;
      found.set(`${item.assetType}#${item.assetId}`, { asset: toAsset(item), handedOverBy: (item.handedOverBy as string | undefined) ?? null });
    }
    return found;
  }
}
