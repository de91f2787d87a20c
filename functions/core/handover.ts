import type { Instant } from './time.ts';

export const ASSET_TYPES = ['doc', 'drive', 'calendar'] as const;
export type AssetType = (typeof ASSET_TYPES)[number];

export type Asset = {
  corpId: string;
  assetType: AssetType;
  assetId: string;
  ownerId: string;
  title: string;
  externalShares: number;
  /** Calendar events only. */
  startsAt: Instant | null;
  endsAt: Instant | null;
  updatedAt: Instant;
  /** The asset service's version of the asset when it last reported it (null: it sends none). */
  version: number | null;
};

/**
 * Whether an asset event arrives after a later one, so it must change nothing. Only a versioned
 * event is ordered, against the version stored with the asset or its tombstone; an event without a
 * version, or an asset never reported with one, keeps the contract's "the latest report wins".
 * An equal version is the same change delivered again.
 */
export const isStaleAssetEvent = (stored: { version: number | null } | null, eventVersion: number | null): boolean =>
  eventVersion !== null && stored !== null && stored.version !== null && eventVersion <= stored.version;

export type HandoverMode = 'auto' | 'manual';
export type HandoverStatus = 'running' | 'succeeded' | 'partially_failed' | 'failed' | 'awaiting_admin';
export type AssetResult = 'transferred' | 'failed' | 'skipped';

export type TypeCounts = Record<'transferred' | 'failed' | 'skipped', number>;
export type HandoverCounts = Record<AssetType, TypeCounts>;

export const emptyCounts = (): HandoverCounts => ({
  doc: { transferred: 0, failed: 0, skipped: 0 },
  drive: { transferred: 0, failed: 0, skipped: 0 },
  calendar: { transferred: 0, failed: 0, skipped: 0 },
});

/** One asset's line in a handover: written once, so a retried batch never counts an asset twice. */
export type AssetOutcome = {
  assetType: AssetType;
  assetId: string;
  title: string;
  from: string;
  to: string;
  result: AssetResult;
  error: string | null;
};

export const countOutcomes = (outcomes: Iterable<Pick<AssetOutcome, 'assetType' | 'result'>>): HandoverCounts => {
  const counts = emptyCounts();
  for (const { assetType, result } of outcomes) counts[assetType][result] += 1;
  return counts;
};

/** Any failure makes the handover partial; it failed only when nothing could be moved or settled. */
export const finalStatus = (counts: HandoverCounts): Extract<HandoverStatus, 'succeeded' | 'partially_failed' | 'failed'> => {
  const total = (key: keyof TypeCounts) => ASSET_TYPES.reduce((sum, type) => sum + counts[type][key], 0);
  if (total('failed') === 0) return 'succeeded';
  return total('transferred') + total('skipped') > 0 ? 'partially_failed' : 'failed';
};

/**
 * Why an asset stays with the departing member, or null when it should move. Events that already
 * ended are history: they stay with whoever attended them.
 */
export const reasonToKeep = (asset: Pick<Asset, 'assetType' | 'endsAt'>, now: Instant): string | null =>
  asset.assetType === 'calendar' && asset.endsAt !== null && asset.endsAt <= now ? 'The event already ended.' : null;

/** Auto handover needs both: the member held a seat when leaving, and the corp left `auto` on. */
export const departureMode = (heldSeat: boolean, autoEnabled: boolean): { auto: true } | { auto: false; reason: string } => {
  if (!heldSeat) return { auto: false, reason: 'The member held no seat when leaving; an admin hands over by hand.' };
  if (!autoEnabled) return { auto: false, reason: 'Automatic handover is off for this corp.' };
  return { auto: true };
};

export type HandoverSettings = { auto: boolean; fallbackRecipientId: string | null };
export const DEFAULT_HANDOVER_SETTINGS: HandoverSettings = { auto: true, fallbackRecipientId: null };

/** The error a transfer batch raises when an asset service stays unavailable; the workflow retries it. */
export const ASSET_SERVICE_UNAVAILABLE = 'AssetServiceUnavailable';
