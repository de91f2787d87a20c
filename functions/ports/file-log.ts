import type { ChainedEvent, DailyDigest, FileEvent, FileEventFilter, Segment } from '#core/file-log';
import type { Instant } from '#core/time';
import type { Page, PageRequest } from './stores.ts';

/** The hot store (DynamoDB, 180 days): events by member, file, action and corp, and each day's seals. */
export interface FileLog {
  /** `corpId#eventId` of those of `events` already stored: redelivered events are not chained twice. */
  storedKeys(events: readonly FileEvent[]): Promise<Set<string>>;
  /** The corp-day's next segment number (from 1), drawn atomically: concurrent batches never share one. */
  nextSegment(corpId: string, day: string): Promise<number>;
  /** Writes a chained segment's events, then its seal. */
  saveSegment(corpId: string, day: string, seal: Segment, events: readonly ChainedEvent[]): Promise<void>;
  /** One query of the filter's key, newest first (or oldest first), `from`..`to` inclusive. */
  query(corpId: string, filter: FileEventFilter, page: PageRequest, order?: 'newest' | 'oldest'): Promise<Page<FileEvent>>;
  seals(corpId: string, day: string): Promise<Segment[]>;
  /** Every event of the corp-day as stored, chain fields included (for the verifier). */
  dayEvents(corpId: string, day: string): Promise<ChainedEvent[]>;
  /** Notes that the corp-day has a segment its digest does not bind yet. */
  markDigestDue(corpId: string, day: string): Promise<void>;
  /** Corp-days marked due, of days before `beforeDay`; `mark` tells this marking from a later one. */
  dueDigests(beforeDay: string): Promise<{ corpId: string; day: string; mark: string }[]>;
  /** Clears the marking, unless a segment marked the day again since it was read. */
  clearDigestDue(corpId: string, day: string, mark: string): Promise<void>;
}

/** The archive (S3, gzip NDJSON per corp per hour) and the seals, both under Object Lock on AWS. */
export interface FileArchive {
  /** One object per hour the segment spans, then the segment's seal. */
  archive(corpId: string, day: string, seal: Segment, events: readonly ChainedEvent[]): Promise<void>;
  seals(corpId: string, day: string): Promise<Segment[]>;
  /** The corp-day's archived events, each object's lines in the order written. */
  dayEvents(corpId: string, day: string): Promise<ChainedEvent[]>;
  /** Writes a day's digest; the same seals always make the same object. */
  writeDigest(digest: DailyDigest): Promise<void>;
  /** Every digest written for the corp-day, oldest first. */
  digests(corpId: string, day: string): Promise<DailyDigest[]>;
}

export type Trace = { found: boolean; memberId?: string; memberName?: string; markedAt?: Instant };

export type Investigation = {
  investigationId: string;
  createdAt: Instant;
  createdBy: string;
  trace: Trace;
  timeline: FileEvent[];
};

/** An investigation as recorded: its timeline is kept apart (it can outgrow a DynamoDB item), `events` counts it. */
export type InvestigationRecord = Omit<Investigation, 'timeline'> & { events: number };

export interface InvestigationBook {
  save(corpId: string, investigation: InvestigationRecord): Promise<void>;
  get(corpId: string, investigationId: string): Promise<InvestigationRecord | null>;
  /** Newest first. */
  list(corpId: string, page: PageRequest): Promise<Page<InvestigationRecord>>;
}
