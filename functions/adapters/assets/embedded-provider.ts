import type { AssetProvider } from '#ports/handovers';

/**
 * Steward's own catalog is the system of record: the ownership write that records a transfer is
 * the transfer, so there is nothing else to call (and no service version to stamp).
 */
export const embeddedAssetProvider: AssetProvider = {
  transfer: async () => ({ kind: 'transferred', version: null }),
};
