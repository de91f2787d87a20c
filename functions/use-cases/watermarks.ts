import { monotonicFactory, ulid } from 'ulid';
import { embedMark, extractMark, overlayTile } from '#core/watermark/codec';
import { instantOfMinute, minuteOf } from '#core/watermark/payload';
import { MAX_IMAGE_PIXELS, TRACE_PIXELS } from '#core/watermark/pixels';
import { formatInstant } from '#core/time';
import { DomainError } from '#core/errors';
import { darkWatermarkEntitled } from '#core/policies/effective';
import { defaultPolicy } from '#core/policies/model';
import { logger } from '#commons/logger';
import type { Ports } from '#ports/ports';
import type { Page, PageRequest } from '#ports/stores';
import type { ImageFormat, TraceRecord } from '#ports/watermarks';
import { toPolicyMember } from './policies.ts';

/** Trace ids keep their order within a minute of the stack's clock, which may stand still locally. */
const traceUlid = monotonicFactory();

export const CONTENT_TYPES: Record<ImageFormat, string> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' };

export type TraceResult =
  | { found: true; memberId: string; memberName: string; markedAt: string; confidence: number }
  | { found: false };

/** What marking and tracing read: who holds a seat, the dark-watermark policy, the corp's keys and serials, pixels, the time. */
type MarkPorts = Pick<Ports, 'members' | 'policies' | 'watermarks' | 'images' | 'clock'>;

/**
 * The dark watermark is an advanced feature: a member holding a seat gets one, and once the corp set
 * the dark-watermark policy, only while it applies to them (and on `surface`, when the client names one).
 */
const entitledMarkFor = async (ports: Pick<Ports, 'members' | 'policies' | 'watermarks' | 'clock'>, corpId: string, memberId: string, surface: string | null) => {
  const [member, policy] = await Promise.all([ports.members.getMember(corpId, memberId), ports.policies.getPolicy(corpId, 'dark-watermark')]);
  if (!member) throw new DomainError('MEMBER_NOT_FOUND', `No member ${memberId} in corp ${corpId}.`, { memberId });
  if (!darkWatermarkEntitled(policy ?? defaultPolicy('dark-watermark'), toPolicyMember(member), surface)) {
    const why = !member.seat || member.status !== 'active' ? 'holds no security advanced features seat' : "is not covered by the corp's dark-watermark policy here";
    throw new DomainError('NOT_ENTITLED', `${memberId} ${why}; the dark watermark needs both.`, { memberId });
  }
  const key = await ports.watermarks.currentKey(corpId);
  const serial = await ports.watermarks.serialOf(corpId, memberId);
  return { key, payload: { memberSerial: serial, minute: minuteOf(ports.clock.now()), keyVersion: key.version } };
};

/**
 * The image's pixels, or a refusal: not an image (415), or more pixels than the service takes on (413,
 * told from the header before decoding). A trace reads at most TRACE_PIXELS, downscaled while decoded.
 */
const decodeOrRefuse = async (ports: Pick<Ports, 'images'>, bytes: Uint8Array, fitPixels?: number) => {
  const decoded = await ports.images.decode(bytes, { maxPixels: MAX_IMAGE_PIXELS, fitPixels });
  if (!decoded) throw new DomainError('UNSUPPORTED_MEDIA_TYPE', 'The body is not a PNG, JPEG or WebP image.');
  if ('oversized' in decoded) {
    const { width, height } = decoded.oversized;
    throw new DomainError('PAYLOAD_TOO_LARGE', `The image is ${width} x ${height} px; images are limited to ${MAX_IMAGE_PIXELS} pixels (4096 x 4096).`, {
      maxPixels: MAX_IMAGE_PIXELS,
    });
  }
  return decoded;
};

/** The image with the mark in it, in the format it came in. */
const markImage = async (ports: Pick<Ports, 'images'>, { key, payload }: Awaited<ReturnType<typeof entitledMarkFor>>, bytes: Uint8Array) => {
  const { format, image } = await decodeOrRefuse(ports, bytes);
  return { contentType: CONTENT_TYPES[format], bytes: await ports.images.encode(embedMark(image, key.secret, payload), format) };
};

/** Marks an image a member is about to see; answers it in the format it came in. */
export const embedForMember = async (ports: MarkPorts, corpId: string, memberId: string, bytes: Uint8Array, surface: string | null = null) =>
  markImage(ports, await entitledMarkFor(ports, corpId, memberId, surface), bytes);

/**
 * Marks an uploaded image (`POST .../uploads`) and keeps the result under marked/ for a presigned download:
 * the marked image may be larger than a response can carry. Each embed is its own object, so two members
 * marked from one upload never share a link.
 */
export const embedUploadForMember = async (
  ports: MarkPorts & Pick<Ports, 'documents'>,
  corpId: string,
  memberId: string,
  uploadId: string,
  surface: string | null = null,
): Promise<{ contentType: string; downloadUrl: string; expiresAt: string }> => {
  const mark = await entitledMarkFor(ports, corpId, memberId, surface); // refused before the upload is read
  const marked = await markImage(ports, mark, await uploadedImage(ports, corpId, uploadId));
  const key = markedKey(corpId, `mk_${ulid(ports.clock.now().getTime())}`);
  await ports.documents.put(key, marked.bytes, marked.contentType);
  return {
    contentType: marked.contentType,
    downloadUrl: await ports.documents.presignedUrl(key, LINK_SECONDS),
    // On the stack's clock, like every instant it answers.
    expiresAt: formatInstant(new Date(ports.clock.now().getTime() + LINK_SECONDS * 1000)),
  };
};

/** The tile a client composites over its UI, so that screenshots carry the mark. */
export const overlayForMember = async (ports: MarkPorts, corpId: string, memberId: string, surface: string | null = null) => {
  const { key, payload } = await entitledMarkFor(ports, corpId, memberId, surface);
  return { contentType: CONTENT_TYPES.png, bytes: await ports.images.encode(overlayTile(key.secret, payload), 'png') };
};

/**
 * The contract's ceiling on an image. Images larger than a request body can carry go to S3 first
 * (a presigned PUT cannot bound its size), so an upload is measured when it is read.
 */
export const UPLOAD_LIMIT_BYTES = 10 * 1024 * 1024;
/** Upload and download links alike. */
const LINK_SECONDS = 15 * 60;
const uploadKey = (corpId: string, uploadId: string) => `uploads/watermarks/${corpId}/${uploadId}`;
const markedKey = (corpId: string, markId: string) => `marked/watermarks/${corpId}/${markId}`;

/** A one-off upload link for an image too large for the request body; embed or trace it by `uploadId`. */
export const createImageUpload = async (ports: Pick<Ports, 'documents' | 'clock'>, corpId: string, contentType: string) => {
  const uploadId = `up_${ulid(ports.clock.now().getTime())}`;
  return {
    uploadId,
    uploadUrl: await ports.documents.presignedUploadUrl(uploadKey(corpId, uploadId), contentType, LINK_SECONDS),
    method: 'PUT',
    headers: { 'content-type': contentType },
    expiresInSeconds: LINK_SECONDS,
    maxBytes: UPLOAD_LIMIT_BYTES,
  };
};

/** The bytes of an uploaded image. */
export const uploadedImage = async (ports: Pick<Ports, 'documents'>, corpId: string, uploadId: string): Promise<Uint8Array> => {
  const object = await ports.documents.get(uploadKey(corpId, uploadId), UPLOAD_LIMIT_BYTES);
  if (!object) throw new DomainError('UPLOAD_NOT_FOUND', `Nothing was uploaded as ${uploadId}.`);
  if ('tooLarge' in object) throw new DomainError('PAYLOAD_TOO_LARGE', `Uploaded images are limited to ${UPLOAD_LIMIT_BYTES} bytes.`);
  return object.bytes;
};

/** Who leaked it, and when; every trace is recorded with who asked. Another corp's marks read as nothing. */
export const traceImage = async (ports: Omit<MarkPorts, 'policies'> & Pick<Ports, 'auditTrail'>, corpId: string, adminId: string, bytes: Uint8Array): Promise<TraceResult> => {
  const { image } = await decodeOrRefuse(ports, bytes, TRACE_PIXELS);
  let result: TraceResult = { found: false };
  // Marks name a serial handed out before now, made before now: the decoder need not guess the rest.
  const maxSerial = await ports.watermarks.lastSerial(corpId);
  const maxMinute = minuteOf(ports.clock.now());
  for (const key of maxSerial > 0 ? await ports.watermarks.keys(corpId) : []) {
    const extraction = extractMark(image, key.secret, { keyVersion: key.version, maxSerial, maxMinute });
    if (!extraction) continue;
    const memberId = await ports.watermarks.memberOfSerial(corpId, extraction.payload.memberSerial);
    if (!memberId) continue;
    const member = await ports.members.getMember(corpId, memberId);
    result = {
      found: true,
      memberId,
      memberName: member?.name ?? '',
      markedAt: formatInstant(instantOfMinute(extraction.payload.minute)),
      confidence: extraction.confidence,
    };
    break;
  }
  const at = formatInstant(ports.clock.now());
  const traceId = `tr_${traceUlid(ports.clock.now().getTime())}`;
  await ports.watermarks.recordTrace(corpId, {
    traceId,
    adminId,
    at,
    found: result.found,
    memberId: result.found ? result.memberId : null,
    markedAt: result.found ? result.markedAt : null,
    confidence: result.found ? result.confidence : null,
    imageBytes: bytes.length,
  });
  await ports.auditTrail.record(corpId, { at, actor: adminId, action: 'watermark_traced', found: result.found, memberId: result.found ? result.memberId : null, traceId });
  logger.info('watermark traced', { corpId, adminId, found: result.found, ...(result.found && { memberId: result.memberId }) });
  return result;
};

/** The audit trail of traces, newest first. */
export const listTraces = (ports: Pick<Ports, 'watermarks'>, corpId: string, page: PageRequest): Promise<Page<TraceRecord>> =>
  ports.watermarks.traces(corpId, page);
