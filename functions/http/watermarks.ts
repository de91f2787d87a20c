import { adminCorpId, corpAdmin } from '#commons/auth';
import { httpHandler, jsonBody, pageRequest, queryParam, type HttpRequest } from '#commons/http';
import { Problem } from '#commons/problem';
import { portsFrom } from '#commons/provider';
import { id, traceUploadRequest } from '#commons/schemas';
import { clock } from '#providers/clock';
import { documents } from '#providers/documents';
import { images } from '#providers/images';
import { members } from '#providers/member-directory';
import { watermarks } from '#providers/watermark-book';
import { createTraceUpload, embedForMember, listTraces, overlayForMember, traceImage, uploadedImage } from '#use-cases/watermarks';

const ports = portsFrom({ members, watermarks, images, documents, clock });

/** Images up to 10 MB travel in the body. */
export const IMAGE_BODY_LIMIT = 10 * 1024 * 1024;
const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp'];

/** Size and declared type are checked before any work; the bytes themselves are checked on decoding. */
const imageBody = (request: HttpRequest): Uint8Array => {
  const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (!IMAGE_TYPES.includes(type)) throw new Problem(415, 'UNSUPPORTED_MEDIA_TYPE', `Send the image as ${IMAGE_TYPES.join(', ')}, not "${type}".`);
  if (request.rawBody.length > IMAGE_BODY_LIMIT) throw new Problem(413, 'PAYLOAD_TOO_LARGE', `Images are limited to ${IMAGE_BODY_LIMIT} bytes.`);
  if (request.rawBody.length === 0) throw new Problem(415, 'UNSUPPORTED_MEDIA_TYPE', 'The body is empty.');
  return new Uint8Array(request.rawBody);
};

const memberOf = (request: HttpRequest): string => {
  const memberId = queryParam(request, 'memberId', id);
  if (!memberId) throw Problem.validation([{ path: '/memberId', message: 'memberId is required' }]);
  return memberId;
};

/** Dark watermark: mark what a member sees, and trace a leaked picture back to the member and minute. */
export const handler = httpHandler({
  'POST /corps/{corpId}/watermarks/embed': async (request) => {
    const corpId = adminCorpId(request);
    const marked = await embedForMember(ports, corpId, memberOf(request), imageBody(request));
    return { status: 200, binary: marked.bytes, headers: { 'content-type': marked.contentType } };
  },

  'GET /corps/{corpId}/watermarks/overlay': async (request) => {
    const corpId = adminCorpId(request);
    const tile = await overlayForMember(ports, corpId, memberOf(request));
    return { status: 200, binary: tile.bytes, headers: { 'content-type': tile.contentType, 'cache-control': 'private, max-age=60' } };
  },

  'POST /corps/{corpId}/watermarks/trace': async (request) => {
    const { corpId, adminId } = corpAdmin(request);
    // An image over 10 MB is uploaded first (POST .../uploads) and named here by its uploadId.
    const uploadId = queryParam(request, 'uploadId', id);
    const image = uploadId ? await uploadedImage(ports, corpId, uploadId) : imageBody(request);
    return { status: 200, body: await traceImage(ports, corpId, adminId, image) };
  },

  'GET /corps/{corpId}/watermarks/traces': async (request) => {
    const corpId = adminCorpId(request);
    return { status: 200, body: await listTraces(ports, corpId, pageRequest(request)) };
  },

  'POST /corps/{corpId}/watermarks/uploads': async (request) => {
    const corpId = adminCorpId(request);
    const { contentType } = jsonBody(request, traceUploadRequest);
    return { status: 201, body: await createTraceUpload(ports, corpId, contentType) };
  },
});
