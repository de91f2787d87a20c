import { loadedOnFirstCall, provider } from '#commons/provider';
import type { AssetCatalog } from '#ports/handovers';

export const assets = provider<AssetCatalog>(() =>
  loadedOnFirstCall(async () => {
    const { DynamoAssetCatalog } = await import('#adapters/dynamodb/asset-catalog');
    const { dynamoDocumentClient } = await import('#adapters/aws/dynamodb-client');
    return new DynamoAssetCatalog(dynamoDocumentClient());
  }),
);
