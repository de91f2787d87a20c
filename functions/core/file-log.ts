import { createHash } from 'node:crypto';
import { covers } from './policies/effective.ts';
import type { Policy } from './policies/model.ts';
import type { Instant } from './time.ts';

/*
 * The file operation log (文件操作日志): who did what to which file, when; who was in scope then;
 * and the hash chain that shows nobody edited the log afterwards. Pure rules, no I/O.
 */

export const FILE_ACTIONS = ['upload', 'download', 'view', 'forward', 'share', 'export', 'preview'] as const;
export const FILE_CHANNELS = ['chat', 'mail', 'drive', 'doc', 'app'] as const;
export type FileAction = (typeof FILE_ACTIONS)[number];
export type FileChannel = (typeof FILE_CHANNELS)[number];

export type FileEvent = {
  eventId: string;
  corpId: string;
  memberId: string;
  action: FileAction;
  fileId: string;
  fileName: string;
  channel: FileChannel;
  recipients?: { corpId: string; memberId?: string }[];
  deviceId?: string;
  ip?: string;
  occurredAt: Instant;
};

/** A FileEvent's fields in the contract's order: the CSV's columns, and what a stored item gives back. */
export const FILE_EVENT_FIELDS = ['eventId', 'corpId', 'memberId', 'action', 'fileId', 'fileName', 'channel', 'recipients', 'deviceId', 'ip', 'occurredAt'] as const satisfies readonly (keyof FileEvent)[];

/** How long the hot store keeps an event (the S3 archive keeps it longer). */
export const HOT_DAYS = 180;

/**
 * Whether every event of `day` is still in the hot store on `today` (UTC days). An item expires
 * HOT_DAYS after its occurredAt, and TTL deletes lazily after that, so from day HOT_DAYS on a day may be
 * partly gone: only the archive holds it whole.
 */
export const isHotDay = (day: string, today: string): boolean => (Date.parse(`${today}T00:00:00Z`) - Date.parse(`${day}T00:00:00Z`)) / 86_400_000 < HOT_DAYS;
export const MAX_EVENTS_PER_BATCH = 500;

// --- In scope at a time t ---------------------------------------------------------------------

/** A seat held from `from` (inclusive) until `until` (exclusive; null: still held). */
export type SeatSpan = { from: Instant; until: Instant | null };

const ms = (instant: Instant) => Date.parse(instant);

/**
 * Pairs the seat ledger's grants (`seatsFrom`) with its releases (`seatsUntil`), in order. The history
 * began with issue 16: releases before the first recorded grant closed seats granted earlier (their
 * start unknown, so dropped), and a seat held now with no open recorded grant counts from `heldSince`.
 */
export const seatSpans = (from: readonly Instant[], until: readonly Instant[], heldSince: Instant | null): SeatSpan[] => {
  const unrecorded = from.length > 0 ? until.filter((release) => ms(release) < ms(from[0]!)).length : until.length;
  const spans = from.map((start, i) => ({ from: start, until: until[i + unrecorded] ?? null }));
  if (heldSince !== null && spans.every((span) => span.until !== null)) spans.push({ from: heldSince, until: null });
  return spans;
};

export const heldSeatAt = (spans: readonly SeatSpan[], at: Instant): boolean =>
  spans.some((span) => ms(span.from) <= ms(at) && (span.until === null || ms(at) < ms(span.until)));

/** The version in force at `at`: the last one changed at or before it (none: never set, so off). */
export const policyInForceAt = <P extends Pick<Policy, 'changedAt' | 'version'>>(versions: readonly P[], at: Instant): P | null => {
  let inForce: P | null = null;
  for (const version of versions) {
    if (!version.changedAt || ms(version.changedAt) > ms(at)) continue;
    if (!inForce || ms(version.changedAt) > ms(inForce.changedAt!) || (version.changedAt === inForce.changedAt && version.version > inForce.version)) {
      inForce = version;
    }
  }
  return inForce;
};

type ScopedMember = { memberId: string; departmentId: string | null; seatSpans: readonly SeatSpan[] };

/**
 * Contract: the member held a seat at t, and the `file-leak-prevention` version in force at t covered
 * them, with the department as known now (the directory keeps no department history).
 */
export const inFileLeakScopeAt = (member: ScopedMember, versions: readonly Policy<'file-leak-prevention'>[], at: Instant): boolean => {
  if (!heldSeatAt(member.seatSpans, at)) return false;
  const policy = policyInForceAt(versions, at);
  return policy !== null && policy.enabled && covers(policy.scope, member);
};

// --- Keys and days ------------------------------------------------------------------------------

/** Fixed-width UTC with milliseconds, so instants written with or without fractions sort as strings. */
export const sortableInstant = (instant: Instant): string => new Date(instant).toISOString();
export const dayOf = (instant: Instant): string => sortableInstant(instant).slice(0, 10);
export const hourOf = (instant: Instant): string => sortableInstant(instant).slice(11, 13);

/** Chain order inside a batch: by time, then id, so the same batch always chains the same way. */
const chainOrder = (a: FileEvent, b: FileEvent): number =>
  sortableInstant(a.occurredAt).localeCompare(sortableInstant(b.occurredAt)) || a.eventId.localeCompare(b.eventId);

// --- Hash chain -----------------------------------------------------------------------------------

/*
 * One chain per corp per UTC day of occurredAt, cut into segments: each ingested batch takes the
 * day's next segment number from an atomic counter and chains its events inside the segment, from a
 * start hash bound to (corp, day, segment). The day's head folds the segment heads in segment order.
 * Concurrent batches never wait for each other: they only draw different segment numbers.
 */

/** An event as stored: its place in the chain and the hash that covers it and everything before it. */
export type ChainedEvent = FileEvent & { segment: number; position: number; hash: string };
export type Segment = { segment: number; count: number; head: string };

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Every field in a fixed order: a key order or an absent optional field cannot change the hash. */
const canonicalEvent = (event: FileEvent): string =>
  JSON.stringify([
    event.eventId,
    event.corpId,
    event.memberId,
    event.action,
    event.fileId,
    event.fileName,
    event.channel,
    event.recipients?.map((r) => [r.corpId, r.memberId ?? null]) ?? null,
    event.deviceId ?? null,
    event.ip ?? null,
    event.occurredAt,
  ]);

const segmentStart = (corpId: string, day: string, segment: number): string => sha256(`steward-file-log\n${corpId}\n${day}\n${segment}`);
const chainHash = (previous: string, event: FileEvent): string => sha256(`${previous}\n${canonicalEvent(event)}`);

/** Chains a batch's events of one corp-day into `segment`, in chain order. */
export const chainSegment = (corpId: string, day: string, segment: number, events: readonly FileEvent[]): { events: ChainedEvent[]; seal: Segment } => {
  let hash = segmentStart(corpId, day, segment);
  const chained = [...events].sort(chainOrder).map((event, position) => {
    hash = chainHash(hash, event);
    return { ...event, segment, position, hash };
  });
  return { events: chained, seal: { segment, count: chained.length, head: hash } };
};

/** The day's head: the segment heads folded in segment order. */
export const dayHead = (corpId: string, day: string, segments: readonly Segment[]): { count: number; headHash: string } => {
  let headHash = sha256(`steward-file-log-day\n${corpId}\n${day}`);
  let count = 0;
  for (const segment of [...segments].sort((a, b) => a.segment - b.segment)) {
    headHash = sha256(`${headHash}\n${segment.segment}\n${segment.count}\n${segment.head}`);
    count += segment.count;
  }
  return { count, headHash };
};

// --- Daily digest ----------------------------------------------------------------------------------

/**
 * A corp-day's digest: the seals written by then and the day's head over them, one object written once
 * the day is over (Object Lock on AWS). Events that arrive later add segments and a later digest; an
 * earlier digest still binds the segments it lists.
 */
export type DailyDigest = { corpId: string; day: string; count: number; headHash: string; segments: Segment[] };

export const dailyDigest = (corpId: string, day: string, seals: readonly Segment[]): DailyDigest => ({
  corpId,
  day,
  ...dayHead(corpId, day, seals),
  segments: [...seals].sort((a, b) => a.segment - b.segment).map(({ segment, count, head }) => ({ segment, count, head })),
});

/** The first segment a digest binds whose seal is now missing or different, or a digest that does not hash to its own head. */
export const digestFinding = (digest: DailyDigest, seals: readonly Segment[]): Finding | null => {
  const own = dayHead(digest.corpId, digest.day, digest.segments);
  if (own.headHash !== digest.headHash || own.count !== digest.count) {
    return { segment: digest.segments[0]?.segment ?? 0, position: -1, eventId: null, problem: `the digest of ${digest.segments.length} segments does not hash to its own head (altered)` };
  }
  const current = new Map(seals.map((seal) => [seal.segment, seal]));
  for (const bound of digest.segments) {
    const seal = current.get(bound.segment);
    const at = { segment: bound.segment, position: -1, eventId: null };
    if (!seal) return { ...at, problem: `segment ${bound.segment}, bound by the day's digest of ${digest.segments.length} segments, has no seal any more (removed)` };
    if (seal.count !== bound.count || seal.head !== bound.head) return { ...at, problem: `the seal of segment ${bound.segment} differs from the day's digest (rewritten)` };
  }
  return null;
};

// --- Verification ----------------------------------------------------------------------------------

export type Finding = { eventId: string | null; segment: number; position: number; problem: string };

/**
 * Checks one copy of a day (the hot store's or the archive's) against the seals: every sealed
 * segment must hold exactly its events, at positions 0..count-1, each hash chaining from the one
 * before. Answers the first bad event in chain order, or null. Runs in one pass (sorting aside).
 */
export const verifyChain = (
  corpId: string,
  day: string,
  seals: readonly Segment[],
  events: readonly ChainedEvent[],
  options: { inWrittenOrder?: boolean } = {},
): Finding | null => {
  const bySegment = new Map<number, ChainedEvent[]>();
  const findings: Finding[] = [];
  for (const event of events) {
    const list = bySegment.get(event.segment) ?? [];
    // The archive writes each segment's lines in chain order: a line moved up or down is a reorder.
    const before = list[list.length - 1];
    if (options.inWrittenOrder && before && before.position > event.position && !findings.some((f) => f.segment === event.segment)) {
      findings.push({ segment: event.segment, position: event.position, eventId: event.eventId, problem: `event ${event.eventId} was moved before ${before.eventId} (reordered)` });
    }
    list.push(event);
    bySegment.set(event.segment, list);
  }
  const sealed = new Set(seals.map((s) => s.segment));
  for (const seal of [...seals].sort((a, b) => a.segment - b.segment)) {
    const found = (bySegment.get(seal.segment) ?? []).sort((a, b) => a.position - b.position || a.eventId.localeCompare(b.eventId));
    let previous = segmentStart(corpId, day, seal.segment);
    let finding: Finding | null = null;
    for (let position = 0; position < Math.max(seal.count, found.length) && !finding; position++) {
      const event = found[position];
      const at = { segment: seal.segment, position };
      if (!event) finding = { ...at, eventId: null, problem: `event at position ${position} of segment ${seal.segment} was removed (after ${found[position - 1]?.eventId ?? 'the segment start'})` };
      else if (position >= seal.count) finding = { ...at, eventId: event.eventId, problem: `event ${event.eventId} was inserted after the end of segment ${seal.segment}` };
      else if (event.position !== position) {
        finding =
          event.position > position
            ? { ...at, eventId: event.eventId, problem: `event before ${event.eventId} (position ${position} of segment ${seal.segment}) was removed` }
            : { ...at, eventId: event.eventId, problem: `event ${event.eventId} was inserted at position ${event.position} of segment ${seal.segment}` };
      } else if (event.hash !== chainHash(previous, event) || event.corpId !== corpId || dayOf(event.occurredAt) !== day) {
        finding = { ...at, eventId: event.eventId, problem: `event ${event.eventId} was altered, reordered or inserted (its hash does not chain)` };
      } else previous = event.hash;
    }
    if (!finding && previous !== seal.head) {
      const last = found[seal.count - 1];
      finding = { segment: seal.segment, position: seal.count - 1, eventId: last?.eventId ?? null, problem: `segment ${seal.segment} does not end at its sealed head (rewritten from ${last?.eventId ?? 'its start'} back)` };
    }
    if (finding) findings.push(finding);
  }
  for (const [segment, list] of bySegment) {
    if (!sealed.has(segment)) {
      const first = list.sort((a, b) => a.position - b.position)[0]!;
      findings.push({ segment, position: first.position, eventId: first.eventId, problem: `event ${first.eventId} belongs to segment ${segment}, which was never sealed (inserted)` });
    }
  }
  return findings.sort((a, b) => a.segment - b.segment || a.position - b.position)[0] ?? null;
};

/** The first place two copies of the day (hot store, archive) disagree, in chain order. */
export const compareCopies = (hot: readonly ChainedEvent[], archive: readonly ChainedEvent[]): Finding | null => {
  const key = (e: ChainedEvent) => `${String(e.segment).padStart(10, '0')}#${String(e.position).padStart(10, '0')}`;
  const archived = new Map(archive.map((e) => [key(e), e]));
  const stored = new Map(hot.map((e) => [key(e), e]));
  for (const k of [...new Set([...archived.keys(), ...stored.keys()])].sort()) {
    const [a, h] = [archived.get(k), stored.get(k)];
    if (a && h && canonicalEvent(a) === canonicalEvent(h) && a.hash === h.hash) continue;
    const e = (h ?? a)!;
    const where = !h ? 'is in the archive only' : !a ? 'is in the hot store only' : 'differs between the hot store and the archive';
    return { segment: e.segment, position: e.position, eventId: a?.eventId ?? h!.eventId, problem: `event ${e.eventId} ${where}` };
  }
  return null;
};

/**
 * The hot store keys an event by (member, occurredAt, eventId), so when two deliveries of the same new
 * event race past the dedupe lookup, both are chained (in two segments, both archived) and the later
 * item overwrites the earlier in the hot store. Such a position is not a removal: its event is still in
 * the hot store, identical, under the other segment. This puts the archive's copy back in that place,
 * so the hot store is checked as the chain was written; anything else missing stays missing.
 */
export const withRacedCopies = (hot: readonly ChainedEvent[], archived: readonly ChainedEvent[]): ChainedEvent[] => {
  const place = (e: ChainedEvent) => `${e.segment}#${e.position}`;
  const stored = new Set(hot.map(place));
  const byEventId = new Map<string, ChainedEvent[]>();
  for (const event of hot) byEventId.set(event.eventId, [...(byEventId.get(event.eventId) ?? []), event]);
  const raced = archived.filter(
    (copy) => !stored.has(place(copy)) && (byEventId.get(copy.eventId) ?? []).some((kept) => kept.segment !== copy.segment && canonicalEvent(kept) === canonicalEvent(copy)),
  );
  return raced.length === 0 ? [...hot] : [...hot, ...raced];
};

// --- Filters and CSV --------------------------------------------------------------------------------

export type FileEventFilter = { fileId: string | null; memberId: string | null; action: FileAction | null; from: Instant | null; to: Instant | null };

/** Which single query serves a filter: the most selective key it names; the rest filter that query. */
export const queryFor = (filter: FileEventFilter): 'file' | 'member' | 'action' | 'corp' =>
  filter.fileId ? 'file' : filter.memberId ? 'member' : filter.action ? 'action' : 'corp';

/**
 * RFC 4180 quoting; a cell a spreadsheet would read as a formula (=, +, -, @, tab, CR) gets a leading
 * apostrophe, since file names come from users. Recipients are `corpId/memberId` joined by spaces.
 */
const csvCell = (value: string): string => {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
};

export const csvHeader = (): string => `${FILE_EVENT_FIELDS.join(',')}\r\n`;

export const csvRow = (event: FileEvent): string =>
  `${FILE_EVENT_FIELDS.map((field) => {
    if (field === 'recipients') return (event.recipients ?? []).map((r) => (r.memberId ? `${r.corpId}/${r.memberId}` : r.corpId)).join(' ');
    return event[field] ?? '';
  })
    .map(csvCell)
    .join(',')}\r\n`;
