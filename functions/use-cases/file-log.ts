import { monotonicFactory } from 'ulid';
import {
  chainSegment,
  compareCopies,
  dailyDigest,
  digestFinding,
  verifyChain,
  withRacedCopies,
  type Finding,
  csvHeader,
  csvRow,
  dayHead,
  dayOf,
  inFileLeakScopeAt,
  isHotDay,
  type FileEvent,
  type FileEventFilter,
} from '#core/file-log';
import { DomainError } from '#core/errors';
import type { Policy } from '#core/policies/model';
import { logger } from '#commons/logger';
import type { Ports } from '#ports/ports';
import type { Page, PageRequest } from '#ports/stores';

const groupBy = <T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> => {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(keyOf(item), [...(groups.get(keyOf(item)) ?? []), item]);
  return groups;
};

/** Every version of the corp's file-leak-prevention policy: the one in force at any t is among them. */
const fileLeakVersions = async (ports: Pick<Ports, 'policies'>, corpId: string): Promise<Policy<'file-leak-prevention'>[]> => {
  const versions: Policy<'file-leak-prevention'>[] = [];
  let cursor: string | null = null;
  do {
    const page = await ports.policies.listVersions(corpId, 'file-leak-prevention', { limit: 200, cursor });
    versions.push(...page.items.map((v) => v.policy as Policy<'file-leak-prevention'>));
    cursor = page.nextCursor;
  } while (cursor);
  return versions;
};

/** Of a corp's events, those whose member was in file-leak-prevention scope at occurredAt. */
const inScope = async (ports: Pick<Ports, 'members' | 'policies'>, corpId: string, events: readonly FileEvent[]): Promise<FileEvent[]> => {
  const [members, versions] = await Promise.all([
    ports.members.getMembers(corpId, events.map((e) => e.memberId)),
    fileLeakVersions(ports, corpId),
  ]);
  // A member this corp never saw (another corp's, or unknown) held no seat here: ignored like any out of scope.
  return events.filter((event) => {
    const member = members.get(event.memberId);
    return member !== undefined && inFileLeakScopeAt(member, versions, event.occurredAt);
  });
};

export type IngestPorts = Pick<Ports, 'members' | 'policies' | 'fileLog' | 'fileArchive'>;

/**
 * Keeps the events of members in scope at occurredAt that are not stored yet, chains each corp-day's
 * share as a new segment, archives it (S3: one object per hour, then the seal) and stores it (DynamoDB).
 * A redelivered event is found stored and ignored, so a redelivered batch changes nothing.
 */
export const ingestFileEvents = async (ports: IngestPorts, events: readonly FileEvent[]): Promise<{ accepted: number; ignored: number }> => {
  const kept = (await Promise.all([...groupBy(events, (e) => e.corpId)].map(([corpId, list]) => inScope(ports, corpId, list)))).flat();
  const stored = kept.length > 0 ? await ports.fileLog.storedKeys(kept) : new Set<string>();
  const fresh = kept.filter((e) => !stored.has(`${e.corpId}#${e.eventId}`));
  await Promise.all(
    [...groupBy(fresh, (e) => `${e.corpId}\n${dayOf(e.occurredAt)}`)].map(async ([key, list]) => {
      const [corpId, day] = key.split('\n') as [string, string];
      const segment = await ports.fileLog.nextSegment(corpId, day);
      const { events: chained, seal } = chainSegment(corpId, day, segment, list);
      // Marked before and after: a digester run in between, or a crash after the seals, leaves the day marked.
      await ports.fileLog.markDigestDue(corpId, day);
      // The archive first: its seal (Object Lock on AWS) is the evidence both copies are checked against.
      await ports.fileArchive.archive(corpId, day, seal, chained);
      await ports.fileLog.saveSegment(corpId, day, seal, chained);
      await ports.fileLog.markDigestDue(corpId, day);
    }),
  );
  logger.info('file events ingested', { received: events.length, inScope: kept.length, accepted: fresh.length });
  return { accepted: fresh.length, ignored: events.length - fresh.length };
};

const fileEventFilterOf = (filter: FileEventFilter): FileEventFilter => {
  if (filter.from && filter.to && Date.parse(filter.from) > Date.parse(filter.to)) {
    throw new DomainError('VALIDATION_FAILED', 'The request is not valid.', { errors: [{ path: '/from', message: 'from must not be after to' }] });
  }
  return filter;
};

export const listFileEvents = (ports: Pick<Ports, 'fileLog'>, corpId: string, filter: FileEventFilter, page: PageRequest): Promise<Page<FileEvent>> =>
  ports.fileLog.query(corpId, fileEventFilterOf(filter), page);

/** Rows read per query while the CSV is built: the whole result, page after page. */
const CSV_PAGE = 1000;
/** Exports are kept a day, and their link works 15 minutes. */
const EXPORT_LINK_S = 15 * 60;
const exportUlid = monotonicFactory();

/**
 * The whole filtered result as CSV with a header row. Up to `inlineLimit` bytes it is answered in the
 * response; a larger one (a Lambda response is capped at 6 MB) is written to S3 and answered as a link.
 */
export const fileEventsCsv = async (
  ports: Pick<Ports, 'fileLog' | 'documents' | 'clock'>,
  corpId: string,
  filter: FileEventFilter,
  inlineLimit: number,
): Promise<{ csv: string } | { url: string }> => {
  const chunks = [csvHeader()];
  let size = chunks[0]!.length;
  let cursor: string | null = null;
  do {
    const page: Page<FileEvent> = await ports.fileLog.query(corpId, fileEventFilterOf(filter), { limit: CSV_PAGE, cursor });
    for (const event of page.items) {
      const row = csvRow(event);
      chunks.push(row);
      size += Buffer.byteLength(row);
    }
    cursor = page.nextCursor;
  } while (cursor);
  const csv = chunks.join('');
  if (size <= inlineLimit) return { csv };
  const key = `exports/${corpId}/${exportUlid(ports.clock.now().getTime())}.csv`;
  await ports.documents.put(key, csv, 'text/csv; charset=utf-8');
  return { url: await ports.documents.presignedUrl(key, EXPORT_LINK_S) };
};

/** The day's count and head hash, from its seals: the hot store's within HOT_DAYS, the archive's after. */
export const fileLogDigest = async (ports: Pick<Ports, 'fileLog' | 'fileArchive' | 'clock'>, corpId: string, day: string) => {
  const hot = isHotDay(day, dayOf(ports.clock.now().toISOString()));
  return { day, ...dayHead(corpId, day, await (hot ? ports.fileLog.seals(corpId, day) : ports.fileArchive.seals(corpId, day))) };
};

/**
 * Writes the digest of every corp-day that is over (before `today`, UTC) and has segments no digest
 * binds yet, from the archive's seals. Run on a schedule; a corp-day that fails stays marked for the next run.
 */
export const digestFileLogDays = async (ports: Pick<Ports, 'fileLog' | 'fileArchive'>, today: string): Promise<{ digested: number }> => {
  let digested = 0;
  for (const { corpId, day, mark } of await ports.fileLog.dueDigests(today)) {
    const seals = await ports.fileArchive.seals(corpId, day);
    if (seals.length > 0) await ports.fileArchive.writeDigest(dailyDigest(corpId, day, seals));
    await ports.fileLog.clearDigestDue(corpId, day, mark);
    digested++;
  }
  if (digested > 0) logger.info('file log days digested', { digested });
  return { digested };
};

export type DayVerdict = {
  corpId: string;
  day: string;
  count: number;
  headHash: string;
  /** False past HOT_DAYS: the hot store's copy has expired (wholly or partly) and only the archive is checked. */
  hotStoreChecked: boolean;
  finding: (Finding & { store: 'hot store' | 'archive' }) | null;
};

/**
 * Checks a corp-day end to end. The archive's seals (written first, locked on AWS) are the reference:
 * the hot store's events and the archive's must each chain to them, agree with each other, and the
 * hot store's seals (which the digest route reads) must match them. Each daily digest written for the
 * day must still find the seals it binds, so a segment removed from both copies with its seal is caught.
 */
export const verifyFileLogDay = async (ports: Pick<Ports, 'fileLog' | 'fileArchive'>, corpId: string, day: string, today: string): Promise<DayVerdict> => {
  const hotStoreChecked = isHotDay(day, today);
  const [archiveSeals, hotSeals, hot, archived, digests] = await Promise.all([
    ports.fileArchive.seals(corpId, day),
    hotStoreChecked ? ports.fileLog.seals(corpId, day) : [],
    hotStoreChecked ? ports.fileLog.dayEvents(corpId, day) : [],
    ports.fileArchive.dayEvents(corpId, day),
    ports.fileArchive.digests(corpId, day),
  ]);
  const verdict = (finding: DayVerdict['finding']): DayVerdict => ({ corpId, day, ...dayHead(corpId, day, archiveSeals), hotStoreChecked, finding });
  // A digest binds the seals of its day: a seal removed or rewritten with its events shows here first.
  const digested = digests.map((digest) => digestFinding(digest, archiveSeals)).find((f) => f !== null);
  if (digested) return verdict({ ...digested, store: 'archive' });
  if (!hotStoreChecked) {
    const inArchive = verifyChain(corpId, day, archiveSeals, archived, { inWrittenOrder: true });
    return verdict(inArchive && { ...inArchive, store: 'archive' });
  }
  const hotAsWritten = withRacedCopies(hot, archived);
  const inHot = verifyChain(corpId, day, archiveSeals, hotAsWritten);
  const inArchive = verifyChain(corpId, day, archiveSeals, archived, { inWrittenOrder: true });
  const sealed = new Map(archiveSeals.map((seal) => [seal.segment, seal]));
  const forgedSeal = hotSeals.find((seal) => sealed.get(seal.segment)?.head !== seal.head || sealed.get(seal.segment)?.count !== seal.count);
  const finding: DayVerdict['finding'] = inHot
    ? { ...inHot, store: 'hot store' }
    : inArchive
      ? { ...inArchive, store: 'archive' }
      : forgedSeal
        ? { segment: forgedSeal.segment, position: -1, eventId: null, problem: `the seal of segment ${forgedSeal.segment} differs from the archive's`, store: 'hot store' }
        : ((f) => (f ? { ...f, store: 'hot store' as const } : null))(compareCopies(hotAsWritten, archived));
  return verdict(finding);
};
