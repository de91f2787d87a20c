import { DeleteCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Asset, AssetType } from '#core/handover';
import type { AssetCatalog } from '#ports/handovers';
import type { Page, PageRequest } from '#ports/stores';
import { INDEX_GSI1, assetKey, pageQuery, encodeCursor, ownerPartition, tableName } from './table.ts';

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
});

/** Who owns which doc, drive file and calendar event; the owner index lists a member's assets. */
export class DynamoAssetCatalog implements AssetCatalog {
  constructor(private readonly db: DynamoDBDocumentClient) {}

  async upsert(asset: Asset): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: tableName(),
        Item: {
          ...assetKey(asset.corpId, asset.assetType, asset.assetId),
          GSI1PK: ownerPartition(asset.corpId, asset.ownerId),
          GSI1SK: assetKey(asset.corpId, asset.assetType, asset.assetId).SK,
          ...asset,
          startsAt: asset.startsAt ?? undefined,
          endsAt: asset.endsAt ?? undefined,
        },
      }),
    );
  }

  async remove(corpId: string, assetType: AssetType, assetId: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: tableName(), Key: assetKey(corpId, assetType, assetId) }));
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
}
