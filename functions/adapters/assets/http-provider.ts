import { ASSET_TYPES, type AssetType } from '#core/handover';
import type { AssetProvider, AssetProviders, TransferOutcome, TransferRequest } from '#ports/handovers';
import { detailOf, postSigned } from '../http/signed-post.ts';
import { embeddedAssetProvider } from './embedded-provider.ts';

const CALL_TIMEOUT_MS = 5_000;
const SECRET = 'STEWARD_ASSET_SERVICE_SECRET';

/**
 * An asset service's transfer API: `POST {baseUrl}/assets/{assetId}/transfer`, signed with
 * Steward's secret. `webhook-id` is stable per handover and asset, so the service can recognise a
 * retried call and answer it without moving the asset again (docs/asset-service.md).
 */
export class HttpAssetProvider implements AssetProvider {
  constructor(private readonly baseUrl: string) {}

  async transfer({ corpId, handoverId, asset, toMemberId, undoes }: TransferRequest): Promise<TransferOutcome> {
    let response: Response;
    try {
      response = await postSigned(
        `${this.baseUrl.replace(/\/$/, '')}/assets/${encodeURIComponent(asset.assetId)}/transfer`,
        `${handoverId}:${asset.assetType}:${asset.assetId}`,
        { corpId, assetType: asset.assetType, assetId: asset.assetId, fromMemberId: asset.ownerId, toMemberId, handoverId, ...(undoes && { undoes }) },
        SECRET,
        CALL_TIMEOUT_MS,
      );
    } catch (error) {
      return { kind: 'unavailable', error: `The asset service did not answer: ${(error as Error).message}` };
    }
    if (response.ok) return { kind: 'transferred', version: await versionOf(response) };
    const detail = await detailOf(response);
    if (response.status === 404 || response.status === 410) return { kind: 'gone' };
    if (response.status === 429 || response.status >= 500) {
      return { kind: 'unavailable', error: `The asset service answered ${response.status}: ${detail}` };
    }
    return { kind: 'rejected', error: `The asset service refused (${response.status}): ${detail}` };
  }
}

/** The asset's version after the move, when the service answers `{ "version": n }` (an extension); else null. */
const versionOf = async (response: Response): Promise<number | null> => {
  try {
    const { version } = (await response.json()) as { version?: unknown };
    return Number.isSafeInteger(version) && (version as number) >= 0 ? (version as number) : null;
  } catch {
    return null;
  }
};

/**
 * `STEWARD_ASSET_SERVICE_URL_DOC|DRIVE|CALENDAR` plugs a type into its service; a type without
 * one stays in Steward's embedded catalog. Requests are signed with `STEWARD_ASSET_SERVICE_SECRET`.
 */
export const assetProviderFromEnv = (type: AssetType, env: NodeJS.ProcessEnv = process.env): AssetProvider => {
  const url = env[`STEWARD_ASSET_SERVICE_URL_${type.toUpperCase()}`];
  return url ? new HttpAssetProvider(url) : embeddedAssetProvider;
};

/** Every type's provider at once. */
export const assetProvidersFromEnv = (env: NodeJS.ProcessEnv = process.env): AssetProviders =>
  Object.fromEntries(ASSET_TYPES.map((type) => [type, assetProviderFromEnv(type, env)])) as AssetProviders;
