import { ASSET_TYPES } from '#core/handover';
import { loadedOnFirstCall, provider } from '#commons/provider';
import type { AssetProvider, AssetProviders } from '#ports/handovers';

/** Per asset type: an asset service named by `STEWARD_ASSET_SERVICE_URL_<TYPE>`, else Steward's own catalog. */
export const assetProviders = provider<AssetProviders>(
  () =>
    Object.fromEntries(
      ASSET_TYPES.map((type) => [
        type,
        loadedOnFirstCall<AssetProvider>(async () => (await import('#adapters/assets/http-provider')).assetProviderFromEnv(type)),
      ]),
    ) as AssetProviders,
);
