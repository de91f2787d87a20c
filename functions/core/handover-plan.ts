import { ASSET_TYPES, reasonToKeep, type Asset, type AssetType } from './handover.ts';
import type { ChainStep, Recipient } from './recipient.ts';
import type { Instant } from './time.ts';

/** How many plan lines a preview answers inline; the full plan is a link. */
export const PLAN_SAMPLE_SIZE = 100;

/** Who would receive, and why: named by the admin, found up the chain, the fallback, or nobody (an admin must name one). */
export type RecipientPlan = {
  memberId: string | null;
  via: 'chosen' | 'manager' | 'fallback' | null;
  chain: ChainStep[];
  /** Why nobody would receive: the handover would wait for an admin. */
  reason: string | null;
};

export const chosenRecipient = (memberId: string): RecipientPlan => ({ memberId, via: 'chosen', chain: [], reason: null });

export const recipientPlan = (recipient: Recipient): RecipientPlan =>
  recipient.recipientId === null
    ? { memberId: null, via: null, chain: recipient.chain, reason: recipient.reason }
    : { memberId: recipient.recipientId, via: recipient.via, chain: recipient.chain, reason: null };

export type PlanLine = { assetType: AssetType; assetId: string; title: string; action: 'transfer' | 'skip'; reason: string | null };
export type PlanCounts = Record<AssetType, { transfer: number; skip: number }>;
/** What stays with the member, grouped by why. */
export type SkipGroup = { assetType: AssetType; reason: string; count: number };

export type HandoverPlan = {
  recipient: RecipientPlan;
  assetTypes: AssetType[];
  counts: PlanCounts;
  skipped: SkipGroup[];
  total: number;
  plannedAt: Instant;
};

/** What a handover run at `now` would do with one asset: the same rule the transfer applies. */
export const planLine = (asset: Asset, now: Instant): PlanLine => {
  const keep = reasonToKeep(asset, now);
  return { assetType: asset.assetType, assetId: asset.assetId, title: asset.title, action: keep ? 'skip' : 'transfer', reason: keep };
};

/** Tallies plan lines as they are paged in, keeping the first `PLAN_SAMPLE_SIZE` of them. */
export class PlanTally {
  private readonly counts: PlanCounts = Object.fromEntries(ASSET_TYPES.map((type) => [type, { transfer: 0, skip: 0 }])) as PlanCounts;
  private readonly skips = new Map<string, SkipGroup>();
  readonly sample: PlanLine[] = [];
  private total = 0;

  add(line: PlanLine): void {
    this.total += 1;
    this.counts[line.assetType][line.action] += 1;
    if (this.sample.length < PLAN_SAMPLE_SIZE) this.sample.push(line);
    if (line.action === 'skip') {
      const key = `${line.assetType}\n${line.reason}`;
      const group = this.skips.get(key) ?? { assetType: line.assetType, reason: line.reason ?? '', count: 0 };
      group.count += 1;
      this.skips.set(key, group);
    }
  }

  plan(recipient: RecipientPlan, assetTypes: AssetType[], plannedAt: Instant): HandoverPlan {
    return { recipient, assetTypes, counts: this.counts, skipped: [...this.skips.values()], total: this.total, plannedAt };
  }
}

/** A handover can be undone for 30 days after it finished: until, not at, `finishedAt` + 30 x 24 h. */
export const UNDO_WINDOW_MS = 30 * 24 * 60 * 60 * 1000;

export const undoableUntil = (finishedAt: Instant): Instant =>
  new Date(Date.parse(finishedAt) + UNDO_WINDOW_MS).toISOString().replace(/\.\d{3}Z$/, 'Z');

export type UndoRefusal =
  | { code: 'HANDOVER_RUNNING'; detail: string }
  | { code: 'NOTHING_TO_UNDO'; detail: string }
  | { code: 'UNDO_WINDOW_CLOSED'; detail: string; undoableUntil: Instant };

/** Why a handover cannot be undone at `now`, or null when it can. */
export const undoRefusal = (
  handover: { handoverId: string; status: string; toMemberId: string | null; finishedAt: Instant | null },
  now: Instant,
): UndoRefusal | null => {
  if (handover.status === 'running') return { code: 'HANDOVER_RUNNING', detail: `Handover ${handover.handoverId} is still running.` };
  if (handover.toMemberId === null || handover.finishedAt === null) {
    return { code: 'NOTHING_TO_UNDO', detail: `Handover ${handover.handoverId} never ran, so it moved nothing.` };
  }
  const until = undoableUntil(handover.finishedAt);
  if (Date.parse(now) >= Date.parse(until)) {
    return { code: 'UNDO_WINDOW_CLOSED', detail: `Handover ${handover.handoverId} could be undone until ${until}.`, undoableUntil: until };
  }
  return null;
};

/** The asset as the catalog holds it now: `handedOverBy` is cleared by any report of the asset after the move. */
export type CurrentAsset = { asset: Asset; handedOverBy: string | null };

/**
 * Why an asset a handover moved does not go back, or null when it does: it must still be the
 * recipient's, untouched since that handover moved it (no edit, no other move reported since).
 */
export const undoSkipReason = (current: CurrentAsset | null, moved: { handoverId: string; from: string; to: string }): string | null => {
  if (!current) return 'The asset was deleted since the handover.';
  if (current.asset.ownerId === moved.from) return `The asset is back with ${moved.from} already.`;
  if (current.asset.ownerId !== moved.to) return `The asset is now owned by ${current.asset.ownerId}, not ${moved.to}.`;
  if (current.handedOverBy !== moved.handoverId) return 'The asset changed since the handover.';
  return null;
};
