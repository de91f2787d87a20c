import { adminCorpId, corpAdmin } from '#commons/auth';
import { BINARY_BODY_LIMIT, httpHandler, idParam, jsonBody, pageRequest, queryParam, type HttpRequest } from '#commons/http';
import { Problem } from '#commons/problem';
import { portsFrom } from '#commons/provider';
import { id, surfaceQuery, traceUploadRequest } from '#commons/schemas';
import { clock } from '#providers/clock';
import { documents } from '#providers/documents';
import { images } from '#providers/images';
import { members } from '#providers/member-directory';
import { policies } from '#providers/policy-book';
import { watermarks } from '#providers/watermark-book';
import { auditTrail } from '#providers/audit-trail';
import { fileLog } from '#providers/file-log';
import { investigations } from '#providers/investigation-book';
import { getInvestigation, investigateLeak, listInvestigations } from '#use-cases/investigations';
import {
  createImageUpload,
  embedForMember,
  embedUploadForMember,
  listTraces,
  overlayForMember,
  traceImage,
  uploadedImage,
  UPLOAD_LIMIT_BYTES,
} from '#use-cases/watermarks';

const ports = portsFrom({ members, policies, watermarks, images, documents, clock, auditTrail, fileLog, investigations });

/**
 * What a Lambda payload can carry (4,669,440 bytes): an image body larger than that could never reach the
 * function on AWS, nor a marked image that large leave it. Larger images, up to the contract's 10 MB, go
 * through `POST .../uploads`.
 */
export const IMAGE_BODY_LIMIT = BINARY_BODY_LIMIT;
const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp'];

const tooLargeForBody = (what: string) =>
  new Problem(
    413,
    'PAYLOAD_TOO_LARGE',
    `${what} over ${IMAGE_BODY_LIMIT} bytes cannot travel in a request or response body (a Lambda payload is capped at 6 MB, base64-encoded); ` +
      `upload the image (up to ${UPLOAD_LIMIT_BYTES} bytes) with POST /corps/{corpId}/watermarks/uploads, then name it with ?uploadId= on embed or trace.`,
    { maxBytes: IMAGE_BODY_LIMIT, uploadLimitBytes: UPLOAD_LIMIT_BYTES },
  );

/** Size and declared type are checked before any work; the bytes themselves are checked on decoding. */
const imageBody = (request: HttpRequest): Uint8Array => {
  const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (!IMAGE_TYPES.includes(type)) throw new Problem(415, 'UNSUPPORTED_MEDIA_TYPE', `Send the image as ${IMAGE_TYPES.join(', ')}, not "${type}".`);
  if (request.rawBody.length > IMAGE_BODY_LIMIT) throw tooLargeForBody('An image');
  if (request.rawBody.length === 0) throw new Problem(415, 'UNSUPPORTED_MEDIA_TYPE', 'The body is empty.');
  return new Uint8Array(request.rawBody);
};

const memberOf = (request: HttpRequest): string => {
  const memberId = queryParam(request, 'memberId', id);
  if (!memberId) throw Problem.validation([{ path: '/memberId', message: 'memberId is required' }]);
  return memberId;
};

/** Dark watermark: mark what a member sees, trace a leaked picture back to the member and minute, and investigate it. */
export const handler = httpHandler({
  'POST /corps/{corpId}/watermarks/embed': async (request) => {
    const corpId = adminCorpId(request);
    const memberId = memberOf(request);
    // An uploaded image is marked into S3 and answered as a download link: the result may not fit a response.
    const uploadId = queryParam(request, 'uploadId', id);
    const surface = queryParam(request, 'surface', surfaceQuery);
    if (uploadId) return { status: 200, body: await embedUploadForMember(ports, corpId, memberId, uploadId, surface) };
    const marked = await embedForMember(ports, corpId, memberId, imageBody(request), surface);
    if (marked.bytes.length > IMAGE_BODY_LIMIT) throw tooLargeForBody('The marked image');
    return { status: 200, binary: marked.bytes, headers: { 'content-type': marked.contentType } };
  },

  'GET /corps/{corpId}/watermarks/overlay': async (request) => {
    const corpId = adminCorpId(request);
    const tile = await overlayForMember(ports, corpId, memberOf(request), queryParam(request, 'surface', surfaceQuery));
    return { status: 200, binary: tile.bytes, headers: { 'content-type': tile.contentType, 'cache-control': 'private, max-age=60' } };
  },

  'POST /corps/{corpId}/watermarks/trace': async (request) => {
    const { corpId, adminId } = corpAdmin(request);
    // An image too large for the body is uploaded first (POST .../uploads) and named here by its uploadId.
    const uploadId = queryParam(request, 'uploadId', id);
    const image = uploadId ? await uploadedImage(ports, corpId, uploadId) : imageBody(request);
    return { status: 200, body: await traceImage(ports, corpId, adminId, image) };
  },

  'GET /corps/{corpId}/watermarks/traces': async (request) => {
    const corpId = adminCorpId(request);
    return { status: 200, body: await listTraces(ports, corpId, pageRequest(request)) };
  },

  // Leak investigation: the trace plus the member's file events around the minute it names.
  'POST /corps/{corpId}/investigations': async (request) => {
    const { corpId, adminId } = corpAdmin(request);
    const uploadId = queryParam(request, 'uploadId', id);
    const image = uploadId ? await uploadedImage(ports, corpId, uploadId) : imageBody(request);
    return { status: 201, body: await investigateLeak(ports, corpId, adminId, image) };
  },

  'GET /corps/{corpId}/investigations': async (request) => {
    const corpId = adminCorpId(request);
    return { status: 200, body: await listInvestigations(ports, corpId, pageRequest(request)) };
  },

  'GET /corps/{corpId}/investigations/{investigationId}': async (request) => {
    const corpId = adminCorpId(request);
    return { status: 200, body: await getInvestigation(ports, corpId, idParam(request, 'investigationId')) };
  },

  'POST /corps/{corpId}/watermarks/uploads': async (request) => {
    const corpId = adminCorpId(request);
    const { contentType } = jsonBody(request, traceUploadRequest);
    return { status: 201, body: await createImageUpload(ports, corpId, contentType) };
  },
});
