import { adminCorpId } from '#commons/auth';
import { BINARY_BODY_LIMIT, httpHandler, pageRequest, queryParam, type HttpRequest, type HttpResult } from '#commons/http';
import { Problem } from '#commons/problem';
import { portsFrom } from '#commons/provider';
import { fileAction, id, instant, utcDay } from '#commons/schemas';
import type { FileEventFilter } from '#core/file-log';
import { clock } from '#providers/clock';
import { documents } from '#providers/documents';
import { fileArchive, fileLog } from '#providers/file-log';
import { fileEventsCsv, fileLogDigest, listFileEvents } from '#use-cases/file-log';

const ports = portsFrom({ fileLog, fileArchive, documents, clock });

const filterOf = (request: HttpRequest): FileEventFilter => ({
  fileId: queryParam(request, 'fileId', id),
  memberId: queryParam(request, 'memberId', id),
  action: queryParam(request, 'action', fileAction),
  from: queryParam(request, 'from', instant),
  to: queryParam(request, 'to', instant),
});

/** `Accept: text/csv` (before JSON when both are named) asks for the whole result as CSV. */
const wantsCsv = (request: HttpRequest): boolean => {
  const accept = (request.headers.accept ?? '').toLowerCase();
  const csv = accept.indexOf('text/csv');
  const json = accept.indexOf('application/json');
  return csv >= 0 && (json < 0 || csv < json);
};

/** The file operation log (admin): filtered lists, the whole result as CSV, and each day's digest. */
export const handler = httpHandler({
  'GET /corps/{corpId}/file-events': async (request): Promise<HttpResult> => {
    const corpId = adminCorpId(request);
    const filter = filterOf(request);
    if (!wantsCsv(request)) return { status: 200, body: await listFileEvents(ports, corpId, filter, pageRequest(request)) };
    // A result too large for a Lambda response is written to S3 and followed through a 303 to its link.
    const answer = await fileEventsCsv(ports, corpId, filter, BINARY_BODY_LIMIT);
    if ('url' in answer) return { status: 303, headers: { location: answer.url } };
    return {
      status: 200,
      binary: Buffer.from(answer.csv),
      headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="file-events-${corpId}.csv"` },
    };
  },

  'GET /corps/{corpId}/file-events/digests': async (request) => {
    const corpId = adminCorpId(request);
    const day = queryParam(request, 'day', utcDay);
    if (!day) throw Problem.validation([{ path: '/day', message: 'day (YYYY-MM-DD) is required' }]);
    return { status: 200, body: await fileLogDigest(ports, corpId, day) };
  },
});
