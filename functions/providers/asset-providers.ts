import { assetProvidersFromEnv } from '#adapters/assets/http-provider';
import { provider } from '#commons/provider';
import type { AssetProviders } from '#ports/handovers';

/** Per asset type: an asset service named by `STEWARD_ASSET_SERVICE_URL_<TYPE>`, else Steward's own catalog. */
export const assetProviders = provider<AssetProviders>(() => assetProvidersFromEnv());
