import { dynamoDocumentClient } from '#adapters/aws/dynamodb-client';
import { DynamoAssetCatalog } from '#adapters/dynamodb/asset-catalog';
import { provider } from '#commons/provider';
import type { AssetCatalog } from '#ports/handovers';

export const assets = provider<AssetCatalog>(() => new DynamoAssetCatalog(dynamoDocumentClient()));
