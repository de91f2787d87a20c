import { gunzipSync, gzipSync } from 'node:zlib';
import { monotonicFactory } from 'ulid';
import { DomainError } from '#core/errors';
import type { FileEvent } from '#core/file-log';
import { formatInstant } from '#core/time';
import type { Investigation } from '#ports/file-log';
import type { Ports } from '#ports/ports';
import type { PageRequest } from '#ports/stores';
import { traceImage } from './watermarks.ts';

const investigationUlid = monotonicFactory();
const HOUR_MS = 3_600_000;
/** A member's hour either side of a leak: more than this many events are cut, oldest kept. */
const TIMELINE_LIMIT = 5_000;

export type InvestigationPorts = Pick<Ports, 'members' | 'watermarks' | 'images' | 'clock' | 'auditTrail' | 'fileLog' | 'investigations' | 'documents'>;

/** Where an investigation's timeline is kept: up to 5,000 events outgrow a DynamoDB item (400 KB). */
const timelineKey = (corpId: string, investigationId: string) => `investigations/${corpId}/${investigationId}.json.gz`;
/** A timeline of TIMELINE_LIMIT events at the contract's largest fields stays well under this once compressed. */
const TIMELINE_MAX_BYTES = 64 * 1024 * 1024;

/**
 * Traces a leaked picture and, when it names a member, keeps their file events from markedAt - 1 h to
 * markedAt + 1 h, oldest first. The trace and the investigation both go into the admin audit list.
 */
export const investigateLeak = async (ports: InvestigationPorts, corpId: string, adminId: string, image: Uint8Array): Promise<Investigation> => {
  const result = await traceImage(ports, corpId, adminId, image);
  const timeline: FileEvent[] = [];
  if (result.found) {
    const at = Date.parse(result.markedAt);
    const filter = {
      memberId: result.memberId,
      fileId: null,
      action: null,
      from: formatInstant(new Date(at - HOUR_MS)),
      to: formatInstant(new Date(at + HOUR_MS)),
    };
    let cursor: string | null = null;
    do {
      const page = await ports.fileLog.query(corpId, filter, { limit: 200, cursor }, 'oldest');
      timeline.push(...page.items);
      cursor = timeline.length < TIMELINE_LIMIT ? page.nextCursor : null;
    } while (cursor);
  }
  const now = ports.clock.now();
  const investigation: Investigation = {
    investigationId: `inv_${investigationUlid(now.getTime())}`,
    createdAt: formatInstant(now),
    createdBy: adminId,
    trace: result.found ? { found: true, memberId: result.memberId, memberName: result.memberName, markedAt: result.markedAt } : { found: false },
    timeline: timeline.slice(0, TIMELINE_LIMIT),
  };
  // The timeline first: a record is only ever saved with its timeline in place.
  await ports.documents.put(timelineKey(corpId, investigation.investigationId), gzipSync(JSON.stringify(investigation.timeline)), 'application/gzip');
  const { timeline: _, ...record } = investigation;
  await ports.investigations.save(corpId, { ...record, events: investigation.timeline.length });
  await ports.auditTrail.record(corpId, {
    at: investigation.createdAt,
    actor: adminId,
    action: 'leak_investigated',
    found: result.found,
    memberId: result.found ? result.memberId : null,
    investigationId: investigation.investigationId,
  });
  return investigation;
};

export const getInvestigation = async (ports: Pick<Ports, 'investigations' | 'documents'>, corpId: string, investigationId: string): Promise<Investigation> => {
  const record = await ports.investigations.get(corpId, investigationId);
  if (!record) throw new DomainError('NOT_FOUND', `No investigation ${investigationId} in this corp.`);
  const stored = await ports.documents.get(timelineKey(corpId, investigationId), TIMELINE_MAX_BYTES);
  if (!stored || !('bytes' in stored)) throw new Error(`The timeline of investigation ${investigationId} is missing`);
  const { events: _, ...investigation } = record;
  return { ...investigation, timeline: JSON.parse(gunzipSync(stored.bytes).toString('utf8')) as FileEvent[] };
};

export const listInvestigations = (ports: Pick<Ports, 'investigations'>, corpId: string, page: PageRequest) => ports.investigations.list(corpId, page);
