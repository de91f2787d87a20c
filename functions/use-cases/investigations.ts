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
export const TIMELINE_LIMIT = 5_000;

export type InvestigationPorts = Pick<Ports, 'members' | 'watermarks' | 'images' | 'clock' | 'auditTrail' | 'fileLog' | 'investigations'>;

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
  await ports.investigations.save(corpId, investigation);
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

export const getInvestigation = async (ports: Pick<Ports, 'investigations'>, corpId: string, investigationId: string): Promise<Investigation> => {
  const investigation = await ports.investigations.get(corpId, investigationId);
  if (!investigation) throw new DomainError('NOT_FOUND', `No investigation ${investigationId} in this corp.`);
  return investigation;
};

export const listInvestigations = (ports: Pick<Ports, 'investigations'>, corpId: string, page: PageRequest) => ports.investigations.list(corpId, page);
