import { createHash } from 'node:crypto';
import pLimit from 'p-limit';
import { ulid } from 'ulid';
import type { z } from 'zod';
import {
  ASSET_SERVICE_UNAVAILABLE,
  ASSET_TYPES,
  countOutcomes,
  departureMode,
  emptyCounts,
  finalStatus,
  reasonToKeep,
  type Asset,
  type AssetOutcome,
  type AssetType,
  type HandoverSettings,
  type HandoverStatus,
} from '#core/handover';
import {
  chosenRecipient,
  planLine,
  PlanTally,
  recipientPlan,
  undoRefusal,
  undoSkipReason,
  type PlanLine,
  type RecipientPlan,
} from '#core/handover-plan';
import { resolveRecipient, type Recipient } from '#core/recipient';
import { formatInstant } from '#core/time';
import { DomainError } from '#core/errors';
import { logger } from '#commons/logger';
import { countMetric } from '#commons/metrics';
import type { handoverPlanView, handoverRequest, handoverView } from '#commons/schemas';
import type {
  AuditEntry,
  Handover,
  HandoverAuditEntry,
  HandoverExecution,
  RecordedPlan,
  RunningHandover,
  TransferMove,
  TransferOutcome,
  TransferRequest,
} from '#ports/handovers';
import type { Ports } from '#ports/ports';
import type { Member, Page, PageRequest } from '#ports/stores';

type HandoverView = z.infer<typeof handoverView>;
type HandoverPlanView = z.infer<typeof handoverPlanView>;

/** Assets read per page of the owner index (or of the reversed handover's lines), then moved together. */
const TRANSFER_PAGE_SIZE = 500;
/**
 * A transfer call starts no new page after this long, so it ends well inside the function's
 * 2-minute timeout; the workflow calls it again from the cursor. Paging inside the call instead of
 * once per state transition keeps a 100,000-asset handover's history to a few dozen events.
 */
const TRANSFER_TIME_BUDGET_MS = 60_000;
const PLAN_PAGE_SIZE = 1_000;
const TRANSFER_CONCURRENCY = 16;
/** A page's moves are written after every this many transfer calls (one transaction of moves). */
const RECORDED_EVERY = 50;
const UNAVAILABLE_TRIES = 4;
const REPORT_LINK_SECONDS = 15 * 60;
/** A manager chain longer than this is bad HR data; the walk stops and the fallback applies. */
const MAX_CHAIN = 100;
/** A handover running this long without a live execution is stuck; younger ones may be starting right now. */
const STUCK_AFTER_MS = 15 * 60 * 1000;
const SWEEP_CONCURRENCY = 8;

export class AssetServiceUnavailable extends Error {
  override readonly name = ASSET_SERVICE_UNAVAILABLE;
}

/** Ids sort by creation time, so lists come newest first. */
export const newHandoverId = (now: Date): string => `ho_${ulid(now.getTime())}`;

/** One departure workflow per member, whatever HR redelivers. */
export const departureExecutionName = (corpId: string, memberId: string): string =>
  `departure-${createHash('sha256').update(`${corpId}/${memberId}`).digest('hex').slice(0, 40)}`;

/** A scheduled departure runs under an execution of its own, whose name the workflow passes on. */
const departureExecution = (corpId: string, memberId: string, handoverId: string, executionName?: string): HandoverExecution => ({
  workflow: 'departure',
  name: executionName ?? departureExecutionName(corpId, memberId),
  input: { corpId, memberId, handoverId },
});

/** A manual handover's own execution is named after it. */
const handoverExecution = (corpId: string, handoverId: string): HandoverExecution => ({
  workflow: 'handover',
  name: handoverId,
  input: { corpId, handoverId },
});

const reportKeyOf = (corpId: string, handoverId: string) => `reports/handovers/${corpId}/${handoverId}.json`;
/** A preview's plan, or the plan a departure's handover recorded before it ran. */
const planKeyOf = (corpId: string, planId: string) => `reports/plans/${corpId}/${planId}.json`;

export const toHandoverView = async (ports: Pick<Ports, 'documents'>, handover: Handover): Promise<HandoverView> => ({
  handoverId: handover.handoverId,
  fromMemberId: handover.fromMemberId,
  toMemberId: handover.toMemberId,
  mode: handover.mode,
  status: handover.status,
  assetTypes: handover.assetTypes,
  counts: handover.counts,
  createdAt: handover.createdAt,
  finishedAt: handover.finishedAt,
  reportUrl: handover.reportKey ? await ports.documents.presignedUrl(handover.reportKey, REPORT_LINK_SECONDS) : null,
  ...(handover.reason && { reason: handover.reason }),
  ...(handover.plan && { plan: await planSummaryView(ports, handover.plan) }),
  ...(handover.undoes && { undoes: handover.undoes }),
  ...(handover.undoneBy && { undoneBy: handover.undoneBy }),
});

const planSummaryView = async (ports: Pick<Ports, 'documents'>, { planKey, ...plan }: RecordedPlan) => ({
  ...plan,
  planUrl: await ports.documents.presignedUrl(planKey, REPORT_LINK_SECONDS),
});

const activeMember = async (ports: Pick<Ports, 'members'>, corpId: string, memberId: string, role: string): Promise<Member> => {
  const member = await ports.members.getMember(corpId, memberId);
  if (!member) throw new DomainError('MEMBER_NOT_FOUND', `No member ${memberId} in corp ${corpId}.`, { memberId });
  if (member.status !== 'active') {
    throw new DomainError('RECIPIENT_NOT_ACTIVE', `The ${role} ${memberId} has left the corp.`, { memberId });
  }
  return member;
};

export const getHandoverSettings = (ports: Pick<Ports, 'handovers'>, corpId: string): Promise<HandoverSettings> =>
  ports.handovers.getSettings(corpId);

export const putHandoverSettings = async (
  ports: Pick<Ports, 'handovers' | 'members'>,
  corpId: string,
  settings: HandoverSettings,
): Promise<HandoverSettings> => {
  if (settings.fallbackRecipientId) await activeMember(ports, corpId, settings.fallbackRecipientId, 'fallback recipient');
  await ports.handovers.putSettings(corpId, settings);
  return settings;
};

/** Loads the manager chain (and the fallback) one member at a time, then lets the pure rule decide. */
export const resolveRecipientFor = async (
  ports: Pick<Ports, 'members'>,
  corpId: string,
  memberId: string,
  fallbackRecipientId: string | null,
): Promise<Recipient> => {
  const known = new Map<string, Member>();
  let next: string | null = memberId;
  while (next && !known.has(next) && known.size < MAX_CHAIN) {
    const member = await ports.members.getMember(corpId, next);
    if (!member) break;
    known.set(next, member);
    if (next !== memberId && member.status === 'active') break;
    next = member.managerId;
  }
  if (fallbackRecipientId && !known.has(fallbackRecipientId)) {
    const fallback = await ports.members.getMember(corpId, fallbackRecipientId);
    if (fallback) known.set(fallbackRecipientId, fallback);
  }
  return resolveRecipient(memberId, (id) => known.get(id), fallbackRecipientId);
};

const newHandover = (
  corpId: string,
  handoverId: string,
  fields: Pick<Handover, 'fromMemberId' | 'toMemberId' | 'mode' | 'status' | 'assetTypes' | 'createdAt' | 'reason'> & Partial<Pick<Handover, 'plan' | 'undoes'>>,
): Handover => ({ corpId, handoverId, counts: emptyCounts(), finishedAt: null, reportKey: null, plan: null, undoes: null, undoneBy: null, ...fields });

/**
 * What a handover of the member's assets to `recipient` would do now, asset by asset (the rule the
 * transfer applies): the summary, the first lines, and every line stored under `planKey`.
 */
const planHandover = async (
  ports: Pick<Ports, 'assets' | 'documents' | 'clock'>,
  corpId: string,
  fromMemberId: string,
  recipient: RecipientPlan,
  assetTypes: AssetType[],
  planKey: string,
): Promise<{ plan: RecordedPlan; sample: PlanLine[] }> => {
  const plannedAt = formatInstant(ports.clock.now());
  const tally = new PlanTally();
  const lines: PlanLine[] = [];
  for (const type of assetTypes) {
    let cursor: string | null = null;
    do {
      const page = await ports.assets.listOwned(corpId, fromMemberId, type, { limit: PLAN_PAGE_SIZE, cursor });
      for (const asset of page.items) {
        const line = planLine(asset, plannedAt);
        tally.add(line);
        lines.push(line);
      }
      cursor = page.nextCursor;
    } while (cursor);
  }
  const plan = { ...tally.plan(recipient, assetTypes, plannedAt), planKey };
  const { planKey: _key, ...summary } = plan;
  await ports.documents.put(planKey, JSON.stringify({ corpId, fromMemberId, ...summary, assets: lines }), 'application/json');
  return { plan, sample: tally.sample };
};

/**
 * `POST /handovers/preview`: the plan of what `POST /handovers` with the same body would do, moving
 * nothing. A recipient nobody can be resolved for is a plan too (the handover would wait for an admin).
 */
export const previewHandover = async (
  ports: Pick<Ports, 'members' | 'handovers' | 'assets' | 'documents' | 'clock'>,
  corpId: string,
  request: z.infer<typeof handoverRequest>,
): Promise<HandoverPlanView> => {
  const { fromMemberId } = request;
  const from = await ports.members.getMember(corpId, fromMemberId);
  if (!from) throw new DomainError('MEMBER_NOT_FOUND', `No member ${fromMemberId} in corp ${corpId}.`, { memberId: fromMemberId });
  let recipient: RecipientPlan;
  if (request.toMemberId) {
    await activeMember(ports, corpId, request.toMemberId, 'recipient');
    recipient = chosenRecipient(request.toMemberId);
  } else {
    const settings = await ports.handovers.getSettings(corpId);
    recipient = recipientPlan(await resolveRecipientFor(ports, corpId, fromMemberId, settings.fallbackRecipientId));
  }
  const assetTypes = ASSET_TYPES.filter((type) => (request.assetTypes ?? ASSET_TYPES).includes(type));
  const planId = `plan_${ulid(ports.clock.now().getTime())}`;
  const { plan, sample } = await planHandover(ports, corpId, fromMemberId, recipient, assetTypes, planKeyOf(corpId, planId));
  const { planKey, ...summary } = plan;
  return {
    planId,
    fromMemberId,
    toMemberId: recipient.memberId,
    ...summary,
    assets: sample,
    planUrl: await ports.documents.presignedUrl(planKey, REPORT_LINK_SECONDS),
  };
};

const leftToOpen = (corpId: string, memberId: string, handoverId: string, open: string) => {
  logger.info('departure handover left to the open one', { corpId, memberId, open });
  return { handoverId, transfer: false };
};

/**
 * The departure workflow's decision: an automatic handover to the resolved recipient, or a record
 * waiting for an admin with the reason. Safe to retry: the handover id comes with the execution.
 */
export const planDepartureHandover = async (
  ports: Pick<Ports, 'handovers' | 'members' | 'assets' | 'documents' | 'clock'>,
  input: { corpId: string; memberId: string; handoverId: string; executionName?: string },
): Promise<{ handoverId: string; transfer: boolean }> => {
  const { corpId, memberId, handoverId } = input;
  const existing = await ports.handovers.get(corpId, handoverId);
  if (existing) return { handoverId, transfer: existing.status === 'running' };

  // An admin's handover already open covers the departure: no plan is recorded for a handover that will not exist.
  const open = await ports.handovers.openHandover(corpId, memberId);
  if (open) return leftToOpen(corpId, memberId, handoverId, open.handoverId);

  const member = await ports.members.getMember(corpId, memberId);
  const settings = await ports.handovers.getSettings(corpId);
  const mode = departureMode(member?.heldSeatAtDeparture ?? false, settings.auto);
  const recipient: Recipient = mode.auto
    ? await resolveRecipientFor(ports, corpId, memberId, settings.fallbackRecipientId)
    : { recipientId: null, reason: mode.reason, chain: [] };
  // The plan is recorded before anything moves, so the report can set it against the outcome.
  const { plan } = await planHandover(ports, corpId, memberId, recipientPlan(recipient), [...ASSET_TYPES], planKeyOf(corpId, handoverId));
  const handover = newHandover(corpId, handoverId, {
    plan,
    fromMemberId: memberId,
    toMemberId: recipient.recipientId,
    mode: 'auto',
    status: recipient.recipientId ? 'running' : 'awaiting_admin',
    assetTypes: [...ASSET_TYPES],
    createdAt: formatInstant(ports.clock.now()),
    reason: recipient.recipientId === null ? recipient.reason : null,
  });
  const creation = await ports.handovers.create(handover, { execution: departureExecution(corpId, memberId, handoverId, input.executionName) });
  // An admin started one between the look and the write: the plan just stored stays unread.
  if (creation.outcome === 'memberBusy') return leftToOpen(corpId, memberId, handoverId, creation.open.handoverId);
  logger.info('departure handover planned', { corpId, memberId, handoverId, status: handover.status, reason: handover.reason });
  return { handoverId, transfer: handover.status === 'running' };
};

/**
 * An admin's handover: to the chosen member or the resolved one. A handover waiting for an admin
 * is the one that runs; one already running answers 409. The handover of a member who still works
 * here goes into the corp's audit list with it, and the member is told through an event.
 */
export const startManualHandover = async (
  ports: Pick<Ports, 'members' | 'handovers' | 'documents' | 'clock' | 'workflows' | 'events'>,
  corpId: string,
  request: z.infer<typeof handoverRequest>,
  actor: string,
): Promise<HandoverView> => {
  const { fromMemberId } = request;
  const from = await ports.members.getMember(corpId, fromMemberId);
  if (!from) throw new DomainError('MEMBER_NOT_FOUND', `No member ${fromMemberId} in corp ${corpId}.`, { memberId: fromMemberId });
  let toMemberId = request.toMemberId;
  if (toMemberId) {
    await activeMember(ports, corpId, toMemberId, 'recipient');
  } else {
    const settings = await ports.handovers.getSettings(corpId);
    const recipient = await resolveRecipientFor(ports, corpId, fromMemberId, settings.fallbackRecipientId);
    if (recipient.recipientId === null) {
      throw new DomainError('NO_RECIPIENT', `${recipient.reason} Name one in toMemberId.`, { reason: recipient.reason });
    }
    toMemberId = recipient.recipientId;
  }
  const assetTypes = ASSET_TYPES.filter((type) => (request.assetTypes ?? ASSET_TYPES).includes(type));

  for (let attempt = 0; attempt < 5; attempt++) {
    const open = await ports.handovers.openHandover(corpId, fromMemberId);
    if (open?.status === 'running') {
      throw new DomainError('HANDOVER_RUNNING', `Handover ${open.handoverId} for ${fromMemberId} is still running.`, {
        handoverId: open.handoverId,
      });
    }
    const at = formatInstant(ports.clock.now());
    const handoverId = open ? open.handoverId : newHandoverId(ports.clock.now());
    const execution = handoverExecution(corpId, handoverId);
    const audit: HandoverAuditEntry | undefined =
      from.status === 'active'
        ? { at, actor, action: 'member_assets_handed_over', memberId: fromMemberId, handoverId, toMemberId, assetTypes }
        : undefined;
    if (open) {
      if (!(await ports.handovers.takeOver(corpId, fromMemberId, handoverId, { toMemberId, assetTypes, execution, at }))) continue;
    } else {
      const handover = newHandover(corpId, handoverId, {
        fromMemberId,
        toMemberId,
        mode: 'manual',
        status: 'running',
        assetTypes,
        createdAt: at,
        reason: null,
      });
      if ((await ports.handovers.create(handover, { execution, audit })).outcome !== 'created') continue;
    }
    await startOrClose(ports, { corpId, handoverId, fromMemberId }, execution);
    if (audit) await tellMember(ports, corpId, audit);
    return toHandoverView(ports, (await ports.handovers.get(corpId, handoverId))!);
  }
  throw new DomainError('CONFLICT', `Handovers for ${fromMemberId} kept changing; try again.`);
};

/**
 * A handover whose workflow did not start would hold the member's slot forever: it is closed
 * `failed` with the reason, and the error goes on to the caller, who may simply ask again. A start
 * that threw after Step Functions took it (a timeout, a 5xx) is running: it is left to run.
 */
const startOrClose = async (
  ports: Pick<Ports, 'handovers' | 'clock' | 'workflows'>,
  handover: Pick<Handover, 'corpId' | 'handoverId' | 'fromMemberId'>,
  execution: HandoverExecution,
): Promise<void> => {
  try {
    await ports.workflows.start(execution.workflow, execution.name, execution.input);
  } catch (error) {
    if ((await ports.workflows.status(execution.workflow, execution.name).catch(() => 'missing' as const)) !== 'missing') return;
    const reason = `The handover workflow could not be started: ${(error as Error).message}`;
    logger.error('handover workflow not started', { ...handover, error: error as Error });
    await ports.handovers.finish(handover, { status: 'failed', counts: emptyCounts(), finishedAt: formatInstant(ports.clock.now()), reportKey: null, reason });
    throw error;
  }
};

/**
 * The audit entry is already written with the handover; the event is told once the handover runs.
 * It is not worth failing the request over: the handover is running and a retry would get 409.
 */
const tellMember = async (ports: Pick<Ports, 'events'>, corpId: string, audit: HandoverAuditEntry): Promise<void> => {
  const { action: _action, ...event } = audit;
  try {
    await ports.events.memberAssetsHandedOver({ corpId, ...event });
  } catch (error) {
    logger.error('MemberAssetsHandedOver not raised; the audit list has it', { corpId, handoverId: audit.handoverId, error: error as Error });
  }
};

/** Undoes that ended with assets left behind: the original may be undone again. */
const RETRYABLE_UNDO: HandoverStatus[] = ['failed', 'partially_failed'];

/**
 * Undoes a finished handover within 30 days: a new handover, linked both ways to the original, that
 * moves back from the recipient every asset the original moved and nobody changed since. A repeat
 * answers the same undo, unless that undo failed or partly failed: then a new undo replaces it as
 * the original's `undoneBy` and moves back what is still with the recipient. Refused while either member has a handover running. Members and seats are
 * not touched: undoing a departure's handover gives the assets back to the departed member.
 */
export const undoHandover = async (
  ports: Pick<Ports, 'handovers' | 'documents' | 'clock' | 'workflows'>,
  corpId: string,
  handoverId: string,
): Promise<HandoverView> => {
  for (let attempt = 0; attempt < 5; attempt++) {
    const original = await ports.handovers.get(corpId, handoverId);
    if (!original) throw new DomainError('HANDOVER_NOT_FOUND', `No handover ${handoverId} in corp ${corpId}.`);
    const previous = original.undoneBy ? await ports.handovers.get(corpId, original.undoneBy) : null;
    // A failed or partly failed undo may be undone again: the new one moves back what is still with the recipient.
    if (previous && !RETRYABLE_UNDO.includes(previous.status)) return toHandoverView(ports, previous);
    const at = formatInstant(ports.clock.now());
    const refusal = undoRefusal(original, at);
    if (refusal) {
      const { code, detail, ...extra } = refusal;
      throw new DomainError(code, detail, code === 'HANDOVER_RUNNING' ? { handoverId, ...extra } : extra);
    }
    const recipient = original.toMemberId!;
    const undoId = newHandoverId(ports.clock.now());
    const execution = handoverExecution(corpId, undoId);
    const undo = newHandover(corpId, undoId, {
      fromMemberId: recipient,
      toMemberId: original.fromMemberId,
      mode: 'manual',
      status: 'running',
      assetTypes: original.assetTypes,
      createdAt: at,
      reason: null,
      undoes: handoverId,
    });
    const creation = await ports.handovers.createUndo(undo, {
      originalId: handoverId,
      otherMemberId: original.fromMemberId,
      execution,
      // The undo seen, even one whose record is gone: the new undo replaces exactly it.
      replacing: original.undoneBy ?? null,
    });
    if (creation.outcome === 'undone') continue;
    if (creation.outcome === 'memberBusy' || creation.outcome === 'otherBusy') {
      const open = creation.outcome === 'memberBusy' ? creation.open : await ports.handovers.openHandover(corpId, original.fromMemberId);
      const member = creation.outcome === 'memberBusy' ? recipient : original.fromMemberId;
      if (creation.outcome === 'memberBusy' && creation.open.status === 'awaiting_admin') {
        throw new DomainError('CONFLICT', `Handover ${creation.open.handoverId} of ${member} waits for an admin; run or finish it first.`, {
          handoverId: creation.open.handoverId,
        });
      }
      throw new DomainError('HANDOVER_RUNNING', `A handover of ${member} is running; undo when it is finished.`, { ...(open && { handoverId: open.handoverId }) });
    }
    await startOrClose(ports, { corpId, handoverId: undoId, fromMemberId: recipient }, execution);
    return toHandoverView(ports, (await ports.handovers.get(corpId, undoId))!);
  }
  throw new DomainError('CONFLICT', `Handover ${handoverId} kept changing; try again.`);
};

export const listAudit = (ports: Pick<Ports, 'handovers'>, corpId: string, page: PageRequest): Promise<Page<AuditEntry>> =>
  ports.handovers.audit(corpId, page);

export const getHandover = async (
  ports: Pick<Ports, 'handovers' | 'documents'>,
  corpId: string,
  handoverId: string,
): Promise<HandoverView> => {
  const handover = await ports.handovers.get(corpId, handoverId);
  if (!handover) throw new DomainError('HANDOVER_NOT_FOUND', `No handover ${handoverId} in corp ${corpId}.`);
  return toHandoverView(ports, handover);
};

export const listHandovers = async (
  ports: Pick<Ports, 'handovers' | 'documents'>,
  corpId: string,
  fromMemberId: string | null,
  page: PageRequest,
): Promise<Page<HandoverView>> => {
  const found = await ports.handovers.list(corpId, fromMemberId, page);
  return { items: await Promise.all(found.items.map((h) => toHandoverView(ports, h))), nextCursor: found.nextCursor };
};

export type BatchInput = { corpId: string; handoverId: string; assetType: AssetType; cursor: string | null };
export type BatchResult = { cursor: string | null; done: boolean };

type RunningTransfer = Handover & { toMemberId: string };

/**
 * One asset a transfer call decides: as the catalog has it (null: deleted since), and, for an undo,
 * why it stays (changed since the handover it reverses).
 */
type Candidate = { key: Pick<Asset, 'assetType' | 'assetId' | 'title'>; asset: Asset | null; stays: string | null };

const runningTransfer = async (ports: Pick<Ports, 'handovers'>, input: BatchInput): Promise<RunningTransfer | null> => {
  const handover = await ports.handovers.get(input.corpId, input.handoverId);
  if (!handover || handover.status !== 'running' || !handover.toMemberId || !handover.assetTypes.includes(input.assetType)) return null;
  return handover as RunningTransfer;
};

/**
 * The next page to decide: what the departing member still owns of the type, or, for an undo,
 * what the reversed handover moved, each with its state in the catalog now.
 */
const candidates = async (
  ports: Pick<Ports, 'handovers' | 'assets'>,
  handover: RunningTransfer,
  assetType: AssetType,
  cursor: string | null,
): Promise<{ items: Candidate[]; nextCursor: string | null }> => {
  const pageRequest = { limit: TRANSFER_PAGE_SIZE, cursor };
  if (!handover.undoes) {
    const page = await ports.assets.listOwned(handover.corpId, handover.fromMemberId, assetType, pageRequest);
    return { items: page.items.map((asset) => ({ key: asset, asset, stays: null })), nextCursor: page.nextCursor };
  }
  const page = await ports.handovers.moved(handover.corpId, handover.undoes, assetType, pageRequest);
  const current = await ports.assets.current(handover.corpId, page.items);
  return {
    items: page.items.map((line) => {
      const now = current.get(`${line.assetType}#${line.assetId}`) ?? null;
      return { key: line, asset: now?.asset ?? null, stays: undoSkipReason(now, { handoverId: handover.undoes!, from: line.from, to: line.to }) };
    }),
    nextCursor: page.nextCursor,
  };
};

/** Candidates without an outcome line in this handover yet: a call retried after a crash picks up exactly where it stopped. */
const undecided = async (ports: Pick<Ports, 'handovers'>, handover: RunningTransfer, items: Candidate[]): Promise<Candidate[]> => {
  const decided = await ports.handovers.decided(handover.corpId, handover.handoverId, items.map((item) => item.key));
  return items.filter(({ key }) => !decided.has(`${key.assetType}#${key.assetId}`));
};

const outcomeOf = (key: Candidate['key'], from: string, to: string, result: AssetOutcome['result'], error: string | null): AssetOutcome => ({
  assetType: key.assetType,
  assetId: key.assetId,
  title: key.title,
  from,
  to,
  result,
  error,
});

/** Why a candidate stays where it is, or null when it moves. An undo moves back even an event that ended since. */
const staysBecause = (handover: RunningTransfer, { asset, stays }: Candidate, now: string): string | null =>
  stays ?? (asset === null ? 'The asset was deleted.' : handover.undoes ? null : reasonToKeep(asset, now));

const transferWithRetries = async (ports: Pick<Ports, 'assetProviders'>, request: TransferRequest) => {
  let outcome: TransferOutcome = { kind: 'unavailable', error: 'not tried' };
  for (let attempt = 0; attempt < UNAVAILABLE_TRIES; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt * (0.5 + Math.random())));
    outcome = await ports.assetProviders[request.asset.assetType].transfer(request);
    if (outcome.kind !== 'unavailable') break;
  }
  return outcome;
};

/**
 * Decides one page, 50 assets at a time: the asset services move what moves (16 calls at a time),
 * then those moves and outcome lines are written at once, so a call that ends (or times out) midway
 * leaves only the calls in flight unrecorded. Past `stopAt` it stops between chunks (`finished`
 * false); the assets the services could not be reached for are returned.
 */
const transferPage = async (
  ports: Pick<Ports, 'handovers' | 'assetProviders'>,
  handover: RunningTransfer,
  items: Candidate[],
  now: string,
  stopAt: number,
): Promise<{ unavailable: string[]; finished: boolean }> => {
  const { corpId, handoverId } = handover;
  const to = handover.toMemberId;
  const skipped: AssetOutcome[] = [];
  const moving: { key: Candidate['key']; asset: Asset }[] = [];
  for (const item of items) {
    const stays = staysBecause(handover, item, now);
    const owner = item.asset?.ownerId ?? handover.fromMemberId;
    if (stays) skipped.push(outcomeOf(item.key, owner, owner, 'skipped', stays));
    else moving.push({ key: item.key, asset: item.asset! });
  }
  if (skipped.length > 0) await ports.handovers.recordOutcomes(corpId, handoverId, skipped);
  const unavailable: string[] = [];
  const limit = pLimit(TRANSFER_CONCURRENCY);
  for (let start = 0; start < moving.length; start += RECORDED_EVERY) {
    if (start > 0 && Date.now() >= stopAt) return { unavailable, finished: false };
    const chunk = moving.slice(start, start + RECORDED_EVERY);
    let answers: TransferOutcome[];
    try {
      answers = await Promise.all(
        chunk.map(({ asset }) =>
          limit(() => transferWithRetries(ports, { corpId, handoverId, asset, toMemberId: to, ...(handover.undoes && { undoes: handover.undoes }) })),
        ),
      );
    } catch (error) {
      // A crash stops the page as a killed process would; the retry starts from the same cursor.
      limit.clearQueue();
      throw error;
    }
    const lines: AssetOutcome[] = [];
    const moves: TransferMove[] = [];
    chunk.forEach(({ key, asset }, i) => {
      const answer = answers[i]!;
      if (answer.kind === 'unavailable') unavailable.push(`${asset.assetId}: ${answer.error}`);
      else if (answer.kind === 'rejected') lines.push(outcomeOf(key, asset.ownerId, to, 'failed', answer.error));
      else if (answer.kind === 'gone') lines.push(outcomeOf(key, asset.ownerId, asset.ownerId, 'skipped', 'The asset was deleted.'));
      else moves.push({ outcome: outcomeOf(key, asset.ownerId, to, 'transferred', null), version: answer.version, ...(handover.undoes && { movedBy: handover.undoes }) });
    });
    const recorded = await ports.handovers.recordTransfers(corpId, handoverId, moves, now);
    recorded.forEach((record, i) => {
      const { outcome } = moves[i]!;
      const why =
        record === 'gone'
          ? 'The asset was deleted.'
          : record === 'ownerChanged'
            ? 'The asset changed owner during the handover.'
            : record === 'changed'
              ? 'The asset changed since the handover.'
              : null;
      if (why) lines.push({ ...outcome, to: outcome.from, result: 'skipped', error: why });
    });
    if (lines.length > 0) await ports.handovers.recordOutcomes(corpId, handoverId, lines);
  }
  return { unavailable, finished: true };
};

/**
 * One transfer call of the workflow: pages through the type from `cursor`, moving each page and
 * recording each asset's outcome exactly once, until the type is done or the call's time budget is
 * spent. A page left midway is listed again by the next call, which skips what was recorded.
 */
export const transferBatch = async (
  ports: Pick<Ports, 'handovers' | 'assets' | 'assetProviders' | 'clock'>,
  input: BatchInput,
): Promise<BatchResult> => {
  const handover = await runningTransfer(ports, input);
  if (!handover) return { cursor: null, done: true };
  const now = formatInstant(ports.clock.now());
  const stopAt = Date.now() + TRANSFER_TIME_BUDGET_MS;
  let cursor = input.cursor;
  do {
    const page = await candidates(ports, handover, input.assetType, cursor);
    const { unavailable, finished } = await transferPage(ports, handover, await undecided(ports, handover, page.items), now, stopAt);
    if (unavailable.length > 0) {
      // Everything else is recorded. Past the call's first page, the next call starts at this page (the
      // pages before it are not listed again); on its first page the call fails, and the workflow
      // waits before trying these again.
      if (cursor !== input.cursor) return { cursor, done: false };
      throw new AssetServiceUnavailable(`${unavailable.length} ${input.assetType} transfers could not reach the asset service. First: ${unavailable[0]}`);
    }
    if (!finished) return { cursor, done: false };
    cursor = page.nextCursor;
  } while (cursor !== null && Date.now() < stopAt);
  return { cursor, done: cursor === null };
};

export type WorkflowError = { Error?: string; Cause?: string };

/** Lambda errors reach Step Functions with a JSON Cause on AWS and a plain message locally. */
const causeOf = (error: WorkflowError): string => {
  try {
    const parsed = JSON.parse(error.Cause ?? '') as { errorMessage?: string };
    if (parsed.errorMessage) return parsed.errorMessage;
  } catch {
    // not JSON: the message itself
  }
  return error.Cause || error.Error || 'unknown error';
};

/** After the batch's retries ran out: the undecided assets of its next page are recorded failed, and the handover goes on. */
export const failBatch = async (
  ports: Pick<Ports, 'handovers' | 'assets' | 'clock'>,
  input: BatchInput & { error: WorkflowError },
): Promise<BatchResult> => {
  const now = formatInstant(ports.clock.now());
  const cause = causeOf(input.error);
  logger.warn('transfer batch gave up', { ...input, cause });
  const handover = await runningTransfer(ports, input);
  if (!handover) return { cursor: null, done: true };
  const page = await candidates(ports, handover, input.assetType, input.cursor);
  const lines = (await undecided(ports, handover, page.items)).map((item) => {
    const stays = staysBecause(handover, item, now);
    const owner = item.asset?.ownerId ?? handover.fromMemberId;
    return stays ? outcomeOf(item.key, owner, owner, 'skipped', stays) : outcomeOf(item.key, owner, handover.toMemberId, 'failed', cause);
  });
  await ports.handovers.recordOutcomes(input.corpId, input.handoverId, lines);
  return { cursor: page.nextCursor, done: page.nextCursor === null };
};

/**
 * Counts the outcome lines, stores the report and closes the handover; a repeat changes nothing.
 * With `error` the workflow broke down: the handover closes `failed` with why, and operators are alerted.
 * With `withoutReport` as well, finishing itself kept failing (the report could not be stored, say):
 * it closes with the counts and the cause but no report, so the member can be handed over again.
 */
export const finishHandover = async (
  ports: Pick<Ports, 'handovers' | 'documents' | 'clock' | 'alerts'>,
  input: { corpId: string; handoverId: string } & ({ error?: WorkflowError; withoutReport?: false } | { error: WorkflowError; withoutReport: true }),
): Promise<{ status: Handover['status'] }> => {
  const handover = await ports.handovers.get(input.corpId, input.handoverId);
  if (!handover) throw new Error(`No handover ${input.handoverId}`);
  if (handover.status !== 'running') return { status: handover.status };
  const assets = await ports.handovers.outcomes(input.corpId, input.handoverId);
  const counts = countOutcomes(assets);
  const status = input.error ? 'failed' : finalStatus(counts);
  const failed = assets.filter((a) => a.result === 'failed').length;
  const reason = input.withoutReport
    ? `The handover could not be finished: ${causeOf(input.error)}`
    : input.error
      ? `The handover stopped: ${causeOf(input.error)}`
      : failed > 0
        ? `${failed} assets could not be transferred; start the handover again to retry them.`
        : null;
  const finishedAt = formatInstant(ports.clock.now());
  let reportKey: string | null = null;
  if (!input.withoutReport) {
    reportKey = reportKeyOf(input.corpId, input.handoverId);
    const { reportKey: _key, corpId: _corp, ...summary } = handover;
    await ports.documents.put(reportKey, JSON.stringify({ ...summary, corpId: input.corpId, status, counts, finishedAt, reason, assets }), 'application/json');
  }
  const closed = await ports.handovers.finish(handover, { status, counts, finishedAt, reportKey, reason });
  if (closed && reason && input.error) await ports.alerts.handoverFailed({ ...handover, reason });
  if (closed) {
    countMetric('HandoversClosed', { outcome: status });
    countMetric('AssetsMoved', {}, Object.values(counts).reduce((moved, type) => moved + type.transferred, 0));
  }
  logger.info('handover finished', { corpId: input.corpId, handoverId: input.handoverId, status, counts, withReport: reportKey !== null });
  return { status };
};

export type SweepResult = { restarted: string[]; closed: string[] };

/**
 * Finds handovers that have been `running` for a while (every corp, from the running-handover
 * index) and whose execution is not. One that never started is started now under its recorded name
 * (transfers are idempotent per asset, and a name starts once); one whose execution ended without
 * closing it (failed, timed out, aborted) is closed `failed` with the reason and an alert. Run on a
 * schedule; a second run changes nothing more.
 */
export const sweepStuckHandovers = async (
  ports: Pick<Ports, 'handovers' | 'workflows' | 'documents' | 'alerts' | 'clock'>,
  now: Date,
): Promise<SweepResult> => {
  const running = await ports.handovers.runningSince(formatInstant(new Date(now.getTime() - STUCK_AFTER_MS)));
  const result: SweepResult = { restarted: [], closed: [] };
  let runningLong = 0;
  const limit = pLimit(SWEEP_CONCURRENCY);
  await Promise.all(
    running.map((handover) =>
      limit(() =>
        // One handover that cannot be looked at now (a throttled call) keeps none of the others from their sweep.
        sweepOne(ports, handover, result, () => (runningLong += 1)).catch((error: unknown) =>
          logger.error('handover not swept', { corpId: handover.corpId, handoverId: handover.handoverId, error: error as Error }),
        ),
      ),
    ),
  );
  if (result.restarted.length + result.closed.length > 0) logger.warn('stuck handovers swept', { ...result });
  // A gauge, written at every sweep (zero included), for the long-running handover alarm.
  countMetric('HandoversRunningLong', {}, runningLong);
  return result;
};

const sweepOne = async (
  ports: Pick<Ports, 'handovers' | 'workflows' | 'documents' | 'alerts' | 'clock'>,
  { corpId, handoverId, execution }: RunningHandover,
  result: SweepResult,
  stillRunning: () => void,
): Promise<void> => {
  const status = await ports.workflows.status(execution.workflow, execution.name);
  if (status === 'running') {
    stillRunning();
    return;
  }
  if (status === 'missing') {
    await ports.workflows.start(execution.workflow, execution.name, execution.input);
    result.restarted.push(handoverId);
    return;
  }
  const error = { Error: 'WorkflowEnded', Cause: `its ${execution.workflow} workflow ${execution.name} ended ${status} without closing it` };
  try {
    await finishHandover(ports, { corpId, handoverId, error });
  } catch (finishing) {
    logger.warn('stuck handover closed without its report', { corpId, handoverId, error: finishing as Error });
    await finishHandover(ports, { corpId, handoverId, error, withoutReport: true });
  }
  result.closed.push(handoverId);
};
