import type {
  Asset,
  AssetOutcome,
  AssetType,
  HandoverCounts,
  HandoverMode,
  HandoverSettings,
  HandoverStatus,
} from '#core/handover';
import type { CurrentAsset, HandoverPlan } from '#core/handover-plan';
import type { Instant } from '#core/time';
import type { Page, PageRequest } from './stores.ts';
import type { WorkflowName } from './workflows.ts';

export type Handover = {
  corpId: string;
  handoverId: string;
  fromMemberId: string;
  toMemberId: string | null;
  mode: HandoverMode;
  status: HandoverStatus;
  assetTypes: AssetType[];
  counts: HandoverCounts;
  createdAt: Instant;
  finishedAt: Instant | null;
  /** Object key of the JSON report; the API turns it into a short-lived link. */
  reportKey: string | null;
  reason: string | null;
  /** What the handover was expected to do when it was planned (the departure path records it before it runs). */
  plan: RecordedPlan | null;
  /** An undo names the handover it reverses; the reversed one names its undo. */
  undoes: string | null;
  undoneBy: string | null;
};

/** A plan as recorded with a handover: the summary, and the key of the full plan (every asset) in S3. */
export type RecordedPlan = HandoverPlan & { planKey: string };

/** A member's one open handover: running, or recorded and waiting for an admin. */
export type OpenHandover = { handoverId: string; status: 'running' | 'awaiting_admin' };

/** The execution that runs a handover's transfer, named so that starting it twice starts it once. */
export type HandoverExecution = { workflow: Extract<WorkflowName, 'departure' | 'handover'>; name: string; input: Record<string, string> };

/** A running handover as the sweeper finds it: since when it runs, and which execution should be running it. */
export type RunningHandover = { corpId: string; memberId: string; handoverId: string; runningSince: Instant; execution: HandoverExecution };

/** What an admin did, kept in the corp's audit list. */
export type AuditEntry = HandoverAuditEntry | LeakAuditEntry;

export type HandoverAuditEntry = {
  at: Instant;
  actor: string;
  action: 'member_assets_handed_over';
  memberId: string;
  handoverId: string;
  toMemberId: string;
  assetTypes: AssetType[];
};

/** A leaked picture traced, or investigated with the member's file events around it. */
export type LeakAuditEntry = {
  at: Instant;
  actor: string;
  action: 'watermark_traced' | 'leak_investigated';
  found: boolean;
  memberId: string | null;
  traceId?: string;
  investigationId?: string;
};

/** The corp's admin audit list, written by functions other than the handovers' (traces, investigations). */
export interface AuditTrail {
  record(corpId: string, entry: LeakAuditEntry): Promise<void>;
}

export type Creation = { outcome: 'created' } | { outcome: 'exists' } | { outcome: 'memberBusy'; open: OpenHandover };

/** `undone`: the handover already has an undo; `otherBusy`: the original member has a handover running. */
export type UndoCreation = { outcome: 'created' } | { outcome: 'undone' } | { outcome: 'memberBusy'; open: OpenHandover } | { outcome: 'otherBusy' };

/** A move to record: the outcome, the service's version after it, and (for an undo) the handover that must have made the asset's last move. */
export type TransferMove = { outcome: AssetOutcome; version: number | null; movedBy?: string };

/** What happened when a transfer was written to the catalog together with its outcome line. */
export type TransferRecord = 'transferred' | 'alreadyRecorded' | 'gone' | 'ownerChanged' | 'changed';

/** `stale`: a later version of the asset (or its tombstone) is stored, so the event changed nothing. */
export type AssetWrite = 'applied' | 'stale';

export interface AssetCatalog {
  upsert(asset: Asset): Promise<AssetWrite>;
  /** Leaves a tombstone carrying the version, so a late upsert of an older version cannot bring the asset back. */
  remove(corpId: string, assetType: AssetType, assetId: string, version: number | null, at: Instant): Promise<AssetWrite>;
  /** Assets the member owns now, in key order (type, then id); `assetType` narrows to one type. */
  listOwned(corpId: string, ownerId: string, assetType: AssetType | null, page: PageRequest): Promise<Page<Asset>>;
  /** The assets as stored now, keyed `<type>#<assetId>`; deleted ones are absent. */
  current(corpId: string, assets: readonly Pick<Asset, 'assetType' | 'assetId'>[]): Promise<Map<string, CurrentAsset>>;
}

export interface HandoverBook {
  getSettings(corpId: string): Promise<HandoverSettings>;
  putSettings(corpId: string, settings: HandoverSettings): Promise<void>;
  get(corpId: string, handoverId: string): Promise<Handover | null>;
  list(corpId: string, fromMemberId: string | null, page: PageRequest): Promise<Page<Handover>>;
  openHandover(corpId: string, memberId: string): Promise<OpenHandover | null>;
  /**
   * Records a handover; a running or awaiting one also takes the member's single open slot, and a
   * running one names its `execution` there for the sweeper. `audit` is written in the same step.
   */
  create(handover: Handover, options?: { execution?: HandoverExecution; audit?: AuditEntry }): Promise<Creation>;
  /**
   * Records `undo` (running, in its from-member's open slot) and marks `originalId` undone by it, in
   * one step, provided `otherMemberId` has no handover running and the original's undo is still
   * `replacing` (the failed undo it replaces; null: the original has no undo yet).
   */
  createUndo(undo: Handover, options: { originalId: string; otherMemberId: string; execution: HandoverExecution; replacing: string | null }): Promise<UndoCreation>;
  /** Turns an `awaiting_admin` handover into a running manual one; false if it no longer waits. */
  takeOver(
    corpId: string,
    fromMemberId: string,
    handoverId: string,
    change: { toMemberId: string; assetTypes: AssetType[]; execution: HandoverExecution; at: Instant },
  ): Promise<boolean>;
  /** Running handovers of every corp that have run since before `before`, oldest first. */
  runningSince(before: Instant): Promise<RunningHandover[]>;
  /** The corp's audit list, newest first. */
  audit(corpId: string, page: PageRequest): Promise<Page<AuditEntry>>;
  /** The ids (`<type>#<assetId>`) among `assets` that already have an outcome line in this handover. */
  decided(corpId: string, handoverId: string, assets: readonly Pick<Asset, 'assetType' | 'assetId'>[]): Promise<Set<string>>;
  /**
   * Moves each asset from `outcome.from` to `outcome.to` and writes its outcome line, atomically,
   * stamping the service's `version` of the moved asset when it gave one; moves are written together
   * where none meets a conflict. An asset that already names `outcome.to` (the service's own report
   * of this transfer got there first) is recorded transferred too. Results in order.
   */
  recordTransfers(corpId: string, handoverId: string, moves: readonly TransferMove[], at: Instant): Promise<TransferRecord[]>;
  /** Writes each outcome line unless the asset already has one. */
  recordOutcomes(corpId: string, handoverId: string, outcomes: readonly AssetOutcome[]): Promise<void>;
  /** The assets of one type this handover transferred, in key order, a page at a time. */
  moved(corpId: string, handoverId: string, assetType: AssetType, page: PageRequest): Promise<Page<AssetOutcome>>;
  outcomes(corpId: string, handoverId: string): Promise<AssetOutcome[]>;
  /** Closes a running handover and frees the member's slot; false if it was already closed. */
  finish(handover: Pick<Handover, 'corpId' | 'handoverId' | 'fromMemberId'>, result: Pick<Handover, 'status' | 'counts' | 'finishedAt' | 'reportKey' | 'reason'>): Promise<boolean>;
}

/** `undoes`: the handover this transfer reverses, when it is an undo's. */
export type TransferRequest = { corpId: string; handoverId: string; asset: Asset; toMemberId: string; undoes?: string };

/**
 * `gone`: the service no longer has the asset. `rejected`: it refuses for good (recorded as failed).
 * `unavailable`: try again later (throttling, outage).
 */
export type TransferOutcome =
  /** `version`: the asset's version at the service after the move, when the service says. */
  | { kind: 'transferred'; version: number | null }
  | { kind: 'gone' }
  | { kind: 'rejected'; error: string }
  | { kind: 'unavailable'; error: string };

/** Moves ownership in the service that holds one asset type. */
export interface AssetProvider {
  transfer(request: TransferRequest): Promise<TransferOutcome>;
}

export type AssetProviders = Record<AssetType, AssetProvider>;

/** Reports, invoice PDFs and uploaded images. */
export interface DocumentStore {
  put(key: string, body: string | Uint8Array, contentType: string): Promise<void>;
  /** The object's bytes, or null when it does not exist or is larger than `maxBytes`. */
  get(key: string, maxBytes: number): Promise<{ bytes: Uint8Array } | { tooLarge: true } | null>;
  /** A link that lets anyone holding it read the object for `expiresInSeconds`. */
  presignedUrl(key: string, expiresInSeconds: number): Promise<string>;
  /** A link that lets anyone holding it PUT the object, once, within `expiresInSeconds`. */
  presignedUploadUrl(key: string, contentType: string, expiresInSeconds: number): Promise<string>;
}
