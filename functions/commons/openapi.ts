import { z } from 'zod';
import { BINARY_BODY_LIMIT as IMAGE_BODY_LIMIT } from './http.ts';
import * as s from './schemas.ts';
import { MAX_IMAGE_PIXELS } from '#core/watermark/pixels';
import { POLICY_TYPES } from '#core/policies/model';

const schema = (t: z.ZodType) => z.toJSONSchema(t, { io: 'input', unrepresentable: 'any' });
/** The extras some codes carry beside the problem's fields (clients, the console among them, explain them in words). */
const problemExtras = s.problem.extend({
  available: z.number().optional().describe('SEATS_EXHAUSTED: seats available now'),
  revocableUntil: z.string().optional().describe('REVOCATION_LOCKED: the instant the seat stopped being revocable'),
  invoiceId: z.string().optional().describe('INVOICE_EXISTS: the invoice already requested or issued'),
  handoverId: z.string().optional().describe('HANDOVER_RUNNING: the handover running'),
  undoableUntil: z.string().optional().describe('UNDO_WINDOW_CLOSED: the instant the handover stopped being undoable'),
  reason: z.string().optional().describe('NO_RECIPIENT: why nobody could be resolved'),
  currentVersion: z.number().optional().describe('VERSION_MISMATCH: the version in force'),
});
const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: schema(problemExtras) } },
});
const ok = (status: string, t: z.ZodType | null, description = 'OK') => ({
  [status]: t ? { description, content: { 'application/json': { schema: schema(t) } } } : { description },
});
const webhookHeaders = ['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((name) => ({
  name,
  in: 'header',
  required: true,
  schema: { type: 'string' },
}));
const corpId = { name: 'corpId', in: 'path', required: true, schema: schema(s.id) };
const memberId = { name: 'memberId', in: 'path', required: true, schema: schema(s.id) };
const paging = [
  { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } },
  { name: 'cursor', in: 'query', schema: { type: 'string' } },
];
const admin = { security: [{ adminJwt: [] }] };
const enforcer = { security: [{ enforcerJwt: [] }] };
const policyType = { name: 'type', in: 'path', required: true, schema: schema(s.policyType) };
const imageContent = Object.fromEntries(['image/png', 'image/jpeg', 'image/webp'].map((type) => [type, { schema: { type: 'string', format: 'binary' } }]));
const imageBody = { required: true, content: imageContent };
const memberQuery = { name: 'memberId', in: 'query', required: true, schema: schema(s.id) };
const surfaceQuery = { name: 'surface', in: 'query', schema: schema(s.surfaceQuery), description: "Once the corp set the dark-watermark policy: the surface the mark is for, which must be one of the policy's" };
const json = (t: z.ZodType) => ({ required: true, content: { 'application/json': { schema: schema(t) } } });
const common = {
  '400': problemResponse('VALIDATION_FAILED'),
  '401': problemResponse('UNAUTHENTICATED'),
  '403': problemResponse('FORBIDDEN'),
};

/** OpenAPI 3.1 of the contract, generated from the zod schemas that validate requests. */
export const openApiDocument = () => ({
  openapi: '3.1.0',
  info: { title: 'Steward', version: '1.0.0', description: 'Seats, revocation lock, release, offboarding handover and invoices and the dark watermark for the security advanced features add-on.' },
  components: {
    securitySchemes: {
      adminJwt: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'roles containing "admin", corpId the corp' },
      enforcerJwt: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'roles containing "enforcer", corpId the corp or "*"' },
    },
  },
  paths: {
    '/health': { get: { responses: ok('200', z.object({ status: z.literal('ok') })) } },
    '/webhooks/billing': {
      post: {
        parameters: webhookHeaders,
        requestBody: json(s.billingEvent),
        responses: { ...ok('202', s.accepted), '400': common['400'], '401': problemResponse('INVALID_SIGNATURE'), '404': problemResponse('ORDER_NOT_FOUND'), '413': problemResponse('PAYLOAD_TOO_LARGE'), '415': problemResponse('UNSUPPORTED_MEDIA_TYPE') },
      },
    },
    '/webhooks/hr': {
      post: {
        parameters: webhookHeaders,
        requestBody: json(s.hrEvent),
        responses: { ...ok('202', s.accepted), '400': common['400'], '401': problemResponse('INVALID_SIGNATURE'), '413': problemResponse('PAYLOAD_TOO_LARGE'), '415': problemResponse('UNSUPPORTED_MEDIA_TYPE') },
      },
    },
    '/webhooks/files': {
      post: {
        parameters: webhookHeaders,
        requestBody: json(s.fileEventsBatch),
        responses: {
          ...ok('202', s.fileEventsAccepted, 'Events of members out of file-leak-prevention scope at occurredAt, and events already stored, are ignored'),
          '400': common['400'],
          '401': problemResponse('INVALID_SIGNATURE'),
          '413': problemResponse('PAYLOAD_TOO_LARGE'),
          '415': problemResponse('UNSUPPORTED_MEDIA_TYPE'),
        },
      },
    },
    '/webhooks/assets': {
      post: {
        parameters: webhookHeaders,
        requestBody: json(s.assetEvent),
        responses: { ...ok('202', s.accepted), '400': common['400'], '401': problemResponse('INVALID_SIGNATURE'), '413': problemResponse('PAYLOAD_TOO_LARGE'), '415': problemResponse('UNSUPPORTED_MEDIA_TYPE') },
      },
    },
    '/corps/{corpId}/seats': { get: { ...admin, parameters: [corpId], responses: { ...ok('200', s.seatPool), ...common } } },
    '/corps/{corpId}/orders': { get: { ...admin, parameters: [corpId, ...paging], responses: { ...ok('200', s.page(s.orderView)), ...common } } },
    '/corps/{corpId}/seats/allocations': {
      post: {
        ...admin,
        parameters: [corpId],
        requestBody: json(s.allocationRequest),
        responses: {
          ...ok('201', z.object({ allocations: z.array(s.allocation) }), 'Allocated (members already holding a seat come back unchanged)'),
          ...common,
          '404': problemResponse('MEMBER_NOT_FOUND'),
          '409': problemResponse('SEATS_EXHAUSTED (with available) or MEMBER_DEPARTED'),
        },
      },
      get: { ...admin, parameters: [corpId, ...paging], responses: { ...ok('200', s.page(s.allocation)), ...common } },
    },
    '/corps/{corpId}/seats/allocations/{memberId}': {
      get: { ...admin, parameters: [corpId, memberId], responses: { ...ok('200', s.allocation), ...common, '404': problemResponse('ALLOCATION_NOT_FOUND') } },
      delete: {
        ...admin,
        parameters: [corpId, memberId],
        responses: { ...ok('204', null, 'Revoked'), ...common, '404': problemResponse('ALLOCATION_NOT_FOUND'), '409': problemResponse('REVOCATION_LOCKED (with revocableUntil)') },
      },
    },
    '/corps/{corpId}/seats/recount': {
      post: {
        ...admin,
        parameters: [corpId],
        responses: { ...ok('200', s.poolRecount, 'allocated recounted from the seat holders'), ...common, '409': problemResponse('CONFLICT (seats kept changing; retry)') },
      },
    },
    '/corps/{corpId}/members/{memberId}': {
      get: { ...admin, parameters: [corpId, memberId], responses: { ...ok('200', s.memberView), ...common, '404': problemResponse('MEMBER_NOT_FOUND') } },
    },
    '/corps/{corpId}/members/{memberId}/assets': {
      get: {
        ...admin,
        parameters: [corpId, memberId, { name: 'type', in: 'query', schema: schema(s.assetType) }, ...paging],
        responses: { ...ok('200', s.page(s.assetView)), ...common },
      },
    },
    '/corps/{corpId}/settings/handover': {
      get: { ...admin, parameters: [corpId], responses: { ...ok('200', s.handoverSettings), ...common } },
      put: {
        ...admin,
        parameters: [corpId],
        requestBody: json(s.handoverSettings),
        responses: { ...ok('200', s.handoverSettings), ...common, '404': problemResponse('MEMBER_NOT_FOUND (fallback)'), '409': problemResponse('RECIPIENT_NOT_ACTIVE (fallback)') },
      },
    },
    '/corps/{corpId}/handovers': {
      post: {
        ...admin,
        parameters: [corpId],
        requestBody: json(s.handoverRequest),
        responses: {
          ...ok('202', s.handoverView, 'Running (an awaiting_admin handover of the member is the one that runs)'),
          ...common,
          '404': problemResponse('MEMBER_NOT_FOUND'),
          '409': problemResponse('HANDOVER_RUNNING (with handoverId), RECIPIENT_NOT_ACTIVE or NO_RECIPIENT (with reason)'),
        },
      },
      get: {
        ...admin,
        parameters: [corpId, { name: 'fromMemberId', in: 'query', schema: schema(s.id) }, ...paging],
        responses: { ...ok('200', s.page(s.handoverView), 'Newest first'), ...common },
      },
    },
    '/corps/{corpId}/handovers/preview': {
      post: {
        ...admin,
        parameters: [corpId],
        requestBody: json(s.handoverRequest),
        responses: {
          ...ok('200', s.handoverPlanView, 'What POST /handovers with this body would do now; nothing moves. recipient.memberId null: nobody could be resolved and the handover would wait for an admin (reason says why)'),
          ...common,
          '404': problemResponse('MEMBER_NOT_FOUND'),
          '409': problemResponse('RECIPIENT_NOT_ACTIVE'),
        },
      },
    },
    '/corps/{corpId}/handovers/{handoverId}/undo': {
      post: {
        ...admin,
        parameters: [corpId, { name: 'handoverId', in: 'path', required: true, schema: schema(s.id) }],
        responses: {
          ...ok('202', s.handoverView, 'The undo: a new handover (undoes: the original) moving back what the original moved and nobody changed since; a repeat answers the same undo, unless that undo failed or partly failed: then a new undo replaces it'),
          ...common,
          '404': problemResponse('HANDOVER_NOT_FOUND'),
          '409': problemResponse('UNDO_WINDOW_CLOSED (with undoableUntil, 30 days after finishedAt), HANDOVER_RUNNING (the handover, or one of either member, is running), NOTHING_TO_UNDO (it never ran) or CONFLICT'),
        },
      },
    },
    '/corps/{corpId}/handovers/{handoverId}': {
      get: {
        ...admin,
        parameters: [corpId, { name: 'handoverId', in: 'path', required: true, schema: schema(s.id) }],
        responses: { ...ok('200', s.handoverView, 'reportUrl is valid for 15 minutes'), ...common, '404': problemResponse('HANDOVER_NOT_FOUND') },
      },
    },
    '/corps/{corpId}/audit': {
      get: {
        ...admin,
        parameters: [corpId, ...paging],
        responses: { ...ok('200', s.page(s.auditEntry), 'What admins did, newest first: handovers of members who still work here, traces and leak investigations'), ...common },
      },
    },
    '/corps/{corpId}/orders/{orderId}/invoices': {
      post: {
        ...admin,
        parameters: [corpId, { name: 'orderId', in: 'path', required: true, schema: schema(s.id) }],
        requestBody: json(s.invoiceRequest),
        responses: {
          ...ok('202', s.invoiceView, 'Requested; the invoice workflow issues it within 7 mainland-China working days (a retried application whose workflow is not running answers the existing invoice and starts it again)'),
          ...common,
          '409': problemResponse('ORDER_NOT_PAID, ORDER_REFUNDED or INVOICE_EXISTS (with invoiceId)'),
        },
      },
    },
    '/corps/{corpId}/invoices': {
      get: { ...admin, parameters: [corpId, ...paging], responses: { ...ok('200', s.page(s.invoiceView), 'Newest first'), ...common } },
    },
    '/corps/{corpId}/invoices/{invoiceId}': {
      get: {
        ...admin,
        parameters: [corpId, { name: 'invoiceId', in: 'path', required: true, schema: schema(s.id) }],
        responses: { ...ok('200', s.invoiceView, 'pdfUrl is valid for 15 minutes'), ...common, '404': problemResponse('INVOICE_NOT_FOUND') },
      },
    },
    '/corps/{corpId}/watermarks/embed': {
      post: {
        ...admin,
        parameters: [corpId, memberQuery, surfaceQuery, { name: 'uploadId', in: 'query', schema: schema(s.id), description: 'Mark an image uploaded through /watermarks/uploads instead of the body; the answer is then a download link' }],
        requestBody: { ...imageBody, required: false },
        responses: {
          '200': {
            description: `The marked image, in the format sent; with ?uploadId=, JSON naming a presigned GET of the marked image (valid 15 minutes)`,
            content: { ...imageContent, 'application/json': { schema: schema(s.markedDownload) } },
          },
          ...common,
          '404': problemResponse('MEMBER_NOT_FOUND, UPLOAD_NOT_FOUND'),
          '409': problemResponse('NOT_ENTITLED (the member holds no seat, or, once the corp set it, the dark-watermark policy does not apply to them or the surface)'),
          '413': problemResponse(`PAYLOAD_TOO_LARGE (a body, or the marked image, over ${IMAGE_BODY_LIMIT} bytes: use /watermarks/uploads; an upload over 10 MB; an image over ${MAX_IMAGE_PIXELS} pixels)`),
          '415': problemResponse('UNSUPPORTED_MEDIA_TYPE (not a PNG, JPEG or WebP image)'),
        },
      },
    },
    '/corps/{corpId}/watermarks/overlay': {
      get: {
        ...admin,
        parameters: [corpId, memberQuery, surfaceQuery],
        responses: {
          '200': { description: 'A 256x256 RGBA PNG tile to composite over the UI', content: { 'image/png': { schema: { type: 'string', format: 'binary' } } } },
          ...common,
          '404': problemResponse('MEMBER_NOT_FOUND'),
          '409': problemResponse('NOT_ENTITLED (the member holds no seat, or, once the corp set it, the dark-watermark policy does not apply to them or the surface)'),
        },
      },
    },
    '/corps/{corpId}/watermarks/traces': {
      get: { ...admin, parameters: [corpId, ...paging], responses: { ...ok('200', s.page(s.traceRecord), 'Every trace, newest first: who asked, when, what it found'), ...common } },
    },
    '/corps/{corpId}/watermarks/uploads': {
      post: {
        ...admin,
        parameters: [corpId],
        requestBody: json(s.traceUploadRequest),
        responses: { ...ok('201', s.traceUpload, 'PUT the image (up to 10 MB) to uploadUrl within 15 minutes, then embed or trace it with ?uploadId='), ...common },
      },
    },
    '/corps/{corpId}/investigations': {
      post: {
        ...admin,
        parameters: [corpId, { name: 'uploadId', in: 'query', schema: schema(s.id), description: 'Investigate an image uploaded through /watermarks/uploads instead of the body' }],
        requestBody: { ...imageBody, required: false },
        responses: {
          ...ok('201', s.investigationView, "The trace and the member's file events from markedAt - 1 h to markedAt + 1 h, oldest first; recorded in the audit list"),
          ...common,
          '413': problemResponse(`PAYLOAD_TOO_LARGE (a body over ${IMAGE_BODY_LIMIT} bytes: use /watermarks/uploads)`),
          '404': problemResponse('UPLOAD_NOT_FOUND'),
          '415': problemResponse('UNSUPPORTED_MEDIA_TYPE (not a PNG, JPEG or WebP image)'),
        },
      },
      get: { ...admin, parameters: [corpId, ...paging], responses: { ...ok('200', s.page(s.investigationSummary), 'Investigations, newest first, without their timelines'), ...common } },
    },
    '/corps/{corpId}/investigations/{investigationId}': {
      get: {
        ...admin,
        parameters: [corpId, { name: 'investigationId', in: 'path', required: true, schema: schema(s.id) }],
        responses: { ...ok('200', s.investigationView), ...common, '404': problemResponse('NOT_FOUND') },
      },
    },
    '/corps/{corpId}/file-events': {
      get: {
        ...admin,
        parameters: [
          corpId,
          ...(['fileId', 'memberId'] as const).map((name) => ({ name, in: 'query', schema: schema(s.id) })),
          { name: 'action', in: 'query', schema: schema(s.fileAction) },
          { name: 'from', in: 'query', schema: schema(s.instant), description: 'Inclusive' },
          { name: 'to', in: 'query', schema: schema(s.instant), description: 'Inclusive' },
          ...paging,
          { name: 'accept', in: 'header', schema: { type: 'string', enum: ['application/json', 'text/csv'] }, description: 'text/csv: the whole filtered result, no paging' },
        ],
        responses: {
          '200': {
            description: 'Newest first; with Accept: text/csv the whole result as CSV with a header row',
            content: { 'application/json': { schema: schema(s.page(s.fileEventView)) }, 'text/csv': { schema: { type: 'string' } } },
          },
          '303': { description: 'A CSV too large for a response: Location is a link to it, valid 15 minutes' },
          ...common,
        },
      },
    },
    '/corps/{corpId}/file-events/digests': {
      get: {
        ...admin,
        parameters: [corpId, { name: 'day', in: 'query', required: true, schema: schema(s.utcDay), description: 'The UTC day of occurredAt' }],
        responses: { ...ok('200', s.fileLogDigest, "The day's event count and the head of its hash chain"), ...common },
      },
    },
    '/corps/{corpId}/watermarks/trace': {
      post: {
        ...admin,
        parameters: [corpId, { name: 'uploadId', in: 'query', schema: schema(s.id), description: 'Trace an image uploaded through /watermarks/uploads instead of the body' }],
        requestBody: { ...imageBody, required: false },
        responses: {
          ...ok('200', s.traceResult, 'Who the mark names and when it was made, or found: false; every trace is recorded'),
          ...common,
          '413': problemResponse(`PAYLOAD_TOO_LARGE (a body over ${IMAGE_BODY_LIMIT} bytes: use /watermarks/uploads; an upload over 10 MB; an image over ${MAX_IMAGE_PIXELS} pixels)`),
          '404': problemResponse('UPLOAD_NOT_FOUND'),
          '415': problemResponse('UNSUPPORTED_MEDIA_TYPE (not a PNG, JPEG or WebP image)'),
        },
      },
    },
    '/corps/{corpId}/policies': {
      get: { ...admin, parameters: [corpId], responses: { ...ok('200', s.page(s.policyView), 'Every type, in the contract order, in one page (nextCursor null); defaults (version 0, disabled) for types never set'), ...common } },
    },
    '/corps/{corpId}/policies/{type}': {
      get: {
        ...admin,
        parameters: [corpId, policyType],
        responses: { ...ok('200', s.policyView, 'With ETag: "<version>"'), ...common, '404': problemResponse('POLICY_TYPE_NOT_FOUND') },
      },
      put: {
        ...admin,
        parameters: [corpId, policyType, { name: 'If-Match', in: 'header', schema: { type: 'string' }, description: 'The version read, as "<version>" ("0" for a type never set)' }],
        requestBody: { required: true, description: 'settings per type: see the policy types (fields left out take their defaults)', content: { 'application/json': { schema: { oneOf: POLICY_TYPES.map((type) => schema(s.policyRequest(type))) } } } },
        responses: {
          ...ok('200', s.policyView, 'The new version, with ETag'),
          ...common,
          '404': problemResponse('POLICY_TYPE_NOT_FOUND'),
          '409': problemResponse('CONFLICT (the policy kept changing without If-Match; send it again)'),
          '412': problemResponse('VERSION_MISMATCH (with currentVersion)'),
        },
      },
    },
    '/corps/{corpId}/policies/{type}/versions': {
      get: { ...admin, parameters: [corpId, policyType, ...paging], responses: { ...ok('200', s.page(s.policyVersionView), 'Newest first'), ...common, '404': problemResponse('POLICY_TYPE_NOT_FOUND') } },
    },
    '/corps/{corpId}/members/{memberId}/effective-policy': {
      get: { ...admin, parameters: [corpId, memberId], responses: { ...ok('200', s.effectivePolicyView, 'Per type: whether it applies, and why'), ...common, '404': problemResponse('MEMBER_NOT_FOUND') } },
    },
    '/corps/{corpId}/devices': {
      get: {
        ...admin,
        parameters: [corpId, { name: 'memberId', in: 'query', schema: schema(s.id), description: 'Only devices this member logged in on (a page may then hold fewer than limit)' }, ...paging],
        responses: { ...ok('200', s.page(s.deviceView)), ...common },
      },
    },
    '/corps/{corpId}/devices/{deviceId}': {
      put: {
        ...admin,
        parameters: [corpId, { name: 'deviceId', in: 'path', required: true, schema: schema(s.id) }],
        requestBody: json(s.deviceRequest),
        responses: { ...ok('200', s.deviceView), ...common, '404': problemResponse('DEVICE_NOT_FOUND') },
      },
    },
    '/corps/{corpId}/decisions': {
      post: {
        ...enforcer,
        parameters: [corpId],
        requestBody: json(s.decisionsRequest),
        responses: { ...ok('200', z.object({ results: z.array(s.decisionResult) }), 'One result per request, in order'), ...common },
      },
    },
    '/corps/{corpId}/members/{memberId}/client-policy': {
      get: {
        security: [{ adminJwt: [] }, { enforcerJwt: [] }],
        parameters: [corpId, memberId, { name: 'platform', in: 'query', required: true, schema: schema(s.platformQuery) }, { name: 'If-None-Match', in: 'header', schema: { type: 'string' } }],
        responses: {
          ...ok('200', s.clientPolicyView, 'With ETag: "<version>"'),
          '304': { description: 'Not modified: If-None-Match holds the current ETag' },
          ...common,
          '404': problemResponse('MEMBER_NOT_FOUND'),
          '409': problemResponse('MEMBER_DEPARTED'),
        },
      },
    },
  },
});
