import * as z from 'zod';
import { ASSET_TYPES } from '#core/handover';
import { ID_PATTERN } from '#core/ids';
import { taxIdProblem } from '#core/tax-id';
import { isCidr } from '#core/policies/cidr';
import { ACTIONS, REASON_CODES } from '#core/policies/engine';
import { MAX_SCOPE_IDS, PLATFORMS, POLICY_TYPES, SURFACES, type PolicyType } from '#core/policies/model';
import { isClientVersion } from '#core/policies/version';
import { FILE_ACTIONS, FILE_CHANNELS, MAX_EVENTS_PER_BATCH } from '#core/file-log';

/** Request and event schemas: they validate input and generate docs/openapi.json. */
export const id = z.string().regex(ID_PATTERN, 'Must match ^[A-Za-z0-9_.:-]{1,64}$');
export const instant = z.iso.datetime({ message: 'Must be an RFC 3339 UTC timestamp ending in Z' });

export const money = z.object({
  value: z.string().regex(/^\d{1,12}(\.\d{1,2})?$/, 'Must be a decimal amount such as "59000.00"'),
  currency: z.string().regex(/^[A-Z]{3}$/, 'Must be an ISO 4217 code such as "CNY"'),
});

export const term = z
  .object({ start: instant, end: instant })
  .refine((t) => Date.parse(t.start) < Date.parse(t.end), { message: 'term.start must be before term.end', path: ['end'] });

export const SECURITY_ADVANCED = 'security-advanced';

export const orderPaid = z.object({
  type: z.literal('order.paid'),
  data: z.object({
    orderId: id,
    corpId: id,
    product: z.literal(SECURITY_ADVANCED, { message: `Only "${SECURITY_ADVANCED}" orders carry seats` }),
    seats: z.number().int().min(1).max(1_000_000),
    amount: money,
    paidAt: instant,
    term,
  }),
});

export const orderRefunded = z.object({
  type: z.literal('order.refunded'),
  data: z.object({ orderId: id, corpId: id, refundedAt: instant }),
});

export const billingEvent = z.discriminatedUnion('type', [orderPaid, orderRefunded]);

export const employeeUpserted = z.object({
  type: z.literal('employee.upserted'),
  data: z.object({
    corpId: id,
    memberId: id,
    name: z.string().min(1).max(200),
    managerId: id.nullable(),
    departmentId: id.nullable().optional(),
    /** Extension: `null` clears a departure scheduled for a later date, as `employee.departure_cancelled` does. */
    departedAt: z.null().optional(),
  }),
});

export const employeeDeparted = z.object({
  type: z.literal('employee.departed'),
  data: z.object({ corpId: id, memberId: id, departedAt: instant }),
});

/** Extension: drops a departure scheduled for a later date (docs/api.md). */
export const departureCancelled = z.object({
  type: z.literal('employee.departure_cancelled'),
  data: z.object({ corpId: id, memberId: id }),
});

export const hrEvent = z.discriminatedUnion('type', [employeeUpserted, employeeDeparted, departureCancelled]);

export const assetType = z.enum(ASSET_TYPES);

/** Extension: the service's per-asset version, larger with every change; a stale event changes nothing. */
const assetVersion = z
  .number()
  .int()
  .min(0)
  .max(Number.MAX_SAFE_INTEGER)
  .optional()
  .describe('Larger with every change of the asset at the service (a revision, or the change time in epoch milliseconds)');

export const assetUpserted = z.object({
  type: z.literal('asset.upserted'),
  data: z
    .object({
      corpId: id,
      assetType,
      assetId: id,
      ownerId: id,
      title: z.string().max(500),
      externalShares: z.number().int().min(0).default(0),
      startsAt: instant.optional(),
      endsAt: instant.optional(),
      version: assetVersion,
    })
    .superRefine((asset, context) => {
      if (asset.assetType !== 'calendar') return;
      for (const field of ['startsAt', 'endsAt'] as const) {
        if (!asset[field]) context.addIssue({ code: 'custom', path: [field], message: 'Calendar events need startsAt and endsAt' });
      }
      if (asset.startsAt && asset.endsAt && Date.parse(asset.endsAt) < Date.parse(asset.startsAt)) {
        context.addIssue({ code: 'custom', path: ['endsAt'], message: 'endsAt must not be before startsAt' });
      }
    }),
});

export const assetDeleted = z.object({
  type: z.literal('asset.deleted'),
  data: z.object({ corpId: id, assetType, assetId: id, version: assetVersion }),
});

export const assetEvent = z.discriminatedUnion('type', [assetUpserted, assetDeleted]);

export const assetView = z.object({
  assetType,
  assetId: id,
  ownerId: id,
  title: z.string(),
  externalShares: z.number(),
  startsAt: instant.optional(),
  endsAt: instant.optional(),
  updatedAt: instant,
  version: z.number().optional(),
});

export const handoverSettings = z.object({ auto: z.boolean(), fallbackRecipientId: id.nullable().default(null) });

export const handoverRequest = z
  .object({
    fromMemberId: id,
    toMemberId: id.optional(),
    assetTypes: z.array(assetType).min(1).max(ASSET_TYPES.length).optional(),
  })
  .refine((request) => request.toMemberId !== request.fromMemberId, {
    message: 'A member cannot hand over to themselves',
    path: ['toMemberId'],
  });

/** One entry of a corp's admin audit list. */
export const auditEntry = z.discriminatedUnion('action', [
  z.object({
    at: instant,
    actor: z.string(),
    action: z.literal('member_assets_handed_over'),
    memberId: id,
    handoverId: z.string(),
    toMemberId: id,
    assetTypes: z.array(assetType),
  }),
  // A leaked picture traced (POST .../watermarks/trace) or investigated (POST .../investigations).
  z.object({
    at: instant,
    actor: z.string(),
    action: z.enum(['watermark_traced', 'leak_investigated']),
    found: z.boolean(),
    memberId: id.nullable(),
    traceId: z.string().optional(),
    investigationId: z.string().optional(),
  }),
]);

const typeCounts = z.object({ transferred: z.number(), failed: z.number(), skipped: z.number() });

const recipientPlan = z
  .object({
    memberId: id.nullable(),
    via: z.enum(['chosen', 'manager', 'fallback']).nullable().describe('chosen: named in toMemberId; null: nobody'),
    chain: z.array(z.object({ memberId: id, status: z.enum(['active', 'departed', 'unknown']) })).describe('The managers walked up the chain, in order'),
    reason: z.string().nullable().describe('Why nobody would receive: the handover would wait for an admin'),
  })
  .describe('Who would receive the assets, and why');
const planCounts = z.object({ transfer: z.number(), skip: z.number() });
const planSummary = {
  recipient: recipientPlan,
  assetTypes: z.array(assetType),
  counts: z.object({ doc: planCounts, drive: planCounts, calendar: planCounts }),
  skipped: z.array(z.object({ assetType, reason: z.string(), count: z.number() })).describe('What would stay with the member, by type and reason'),
  total: z.number(),
  plannedAt: instant,
  planUrl: z.string().describe('The full plan (every asset) as JSON in S3, valid 15 minutes'),
};

export const handoverPlanView = z.object({
  planId: z.string(),
  fromMemberId: id,
  toMemberId: id.nullable(),
  ...planSummary,
  assets: z
    .array(z.object({ assetType, assetId: id, title: z.string(), action: z.enum(['transfer', 'skip']), reason: z.string().nullable() }))
    .describe('The first 100 assets, in the order the handover takes them'),
});

export const handoverView = z.object({
  handoverId: z.string(),
  fromMemberId: id,
  toMemberId: id.nullable(),
  mode: z.enum(['auto', 'manual']),
  status: z.enum(['running', 'succeeded', 'partially_failed', 'failed', 'awaiting_admin']),
  assetTypes: z.array(assetType),
  counts: z.object({ doc: typeCounts, drive: typeCounts, calendar: typeCounts }),
  createdAt: instant,
  finishedAt: instant.nullable(),
  reportUrl: z.string().nullable(),
  reason: z.string().optional(),
  plan: z.object(planSummary).optional().describe('The plan recorded before the handover ran (departures)'),
  undoes: z.string().optional().describe('This handover is the undo of that one'),
  undoneBy: z.string().optional().describe('The undo of this handover'),
});

export const taxId = z.string().superRefine((code, context) => {
  const problem = taxIdProblem(code);
  if (problem) context.addIssue({ code: 'custom', message: `Not a unified social credit code: ${problem}` });
});

export const invoiceRequest = z.object({
  title: z.string().trim().min(1).max(100),
  taxId,
  email: z.email().max(254),
});

export const invoiceView = z.object({
  invoiceId: z.string(),
  orderId: id,
  status: z.enum(['requested', 'issued', 'overdue', 'reversed', 'cancelled', 'failed']),
  kind: z.enum(['blue', 'red']).describe('red: a red-letter (红字) invoice reversing `reverses`, with a negative amount'),
  reverses: z.string().nullable(),
  reversedBy: z.string().nullable(),
  closedReason: z.string().nullable().describe('Why a cancelled or failed invoice was closed'),
  requestedAt: instant,
  dueBy: instant,
  dueByProvisional: z.boolean(),
  issuedAt: instant.nullable(),
  amount: z.object({ value: z.string().regex(/^-?\d{1,12}(\.\d{1,2})?$/), currency: z.string() }),
  pdfUrl: z.string().nullable(),
  invoiceNumber: z.string().nullable(),
  title: z.string(),
  taxId: z.string(),
  email: z.string(),
});

const calendarDay = z.iso.date({ message: 'Must be a date such as 2027-01-01' });

/** A State Council holiday schedule for one year, as operators load it (`npm run calendar`). */
export const yearSchedule = z
  .object({
    year: z.number().int().min(2000).max(2100),
    holidays: z.array(calendarDay),
    workdays: z.array(calendarDay),
  })
  .superRefine((schedule, context) => {
    for (const field of ['holidays', 'workdays'] as const) {
      schedule[field].forEach((day, i) => {
        if (!day.startsWith(`${schedule.year}-`)) context.addIssue({ code: 'custom', path: [field, i], message: `Not in ${schedule.year}` });
      });
    }
    const both = schedule.holidays.filter((day) => schedule.workdays.includes(day));
    if (both.length > 0) context.addIssue({ code: 'custom', path: ['workdays'], message: `Both a holiday and a working day: ${both.join(', ')}` });
  });

export const traceResult = z.union([
  z.object({ found: z.literal(true), memberId: id, memberName: z.string(), markedAt: instant, confidence: z.number() }),
  z.object({ found: z.literal(false) }),
]);

export const traceRecord = z.object({
  traceId: z.string(),
  adminId: z.string(),
  at: instant,
  found: z.boolean(),
  memberId: id.nullable(),
  markedAt: instant.nullable(),
  confidence: z.number().nullable(),
  imageBytes: z.number(),
});

export const traceUploadRequest = z.object({ contentType: z.enum(['image/png', 'image/jpeg', 'image/webp']) });

export const traceUpload = z.object({
  uploadId: z.string(),
  uploadUrl: z.string(),
  method: z.literal('PUT'),
  headers: z.record(z.string(), z.string()),
  expiresInSeconds: z.number(),
  maxBytes: z.number(),
});

/** `POST .../embed?uploadId=`: the marked image is in S3, behind a presigned GET. */
export const markedDownload = z.object({
  contentType: z.enum(['image/png', 'image/jpeg', 'image/webp']),
  downloadUrl: z.string(),
  expiresAt: instant,
});

export const allocationRequest = z.object({
  memberIds: z.array(id).min(1).max(100),
});

export const clockRequest = z.union([
  z.object({ advanceBy: z.string().min(2) }).strict(),
  z.object({ now: instant }).strict(),
]);

export const allocation = z.object({
  memberId: id,
  allocatedAt: instant,
  revocableUntil: instant,
  status: z.enum(['revocable', 'locked']),
});

export const seatPool = z.object({ purchased: z.number(), allocated: z.number(), available: z.number() });

/** `POST /corps/{corpId}/seats/recount`: the pool before and after `allocated` was recounted. */
export const poolRecount = z.object({ before: seatPool, after: seatPool });

/** `GET /corps/{corpId}/members/{memberId}`. */
export const memberView = z.object({
  memberId: id,
  name: z.string(),
  managerId: id.nullable(),
  departmentId: id.nullable(),
  status: z.enum(['active', 'departed']),
  departedAt: instant.nullable(),
  scheduledDeparture: z.object({ departedAt: instant }).nullable(),
  seat: allocation.nullable(),
});

export const orderView = z.object({
  orderId: id,
  seats: z.number(),
  status: z.enum(['active', 'refunded', 'expired', 'pending']),
  paidAt: instant,
  term,
  amount: money,
  refundedAt: instant.nullable(),
});

export const problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number(),
  detail: z.string(),
  code: z.string(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});

export const accepted = z.object({ accepted: z.literal(true), eventId: z.string() });

export const page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });

// Security policies (contract v2).

const surface = z.enum(SURFACES);
const platform = z.enum(PLATFORMS);
const idList = z.array(id).max(MAX_SCOPE_IDS, `At most ${MAX_SCOPE_IDS} ids`);

export const scope = z.union([
  z.strictObject({ all: z.literal(true) }),
  z.strictObject({ memberIds: idList.default([]), departmentIds: idList.default([]) }),
]);

const cidr = z.string().max(64).refine(isCidr, { message: 'Must be an IPv4 or IPv6 CIDR with its host bits zero, such as 10.0.0.0/8 or 2001:db8::/32' });
const cidrList = z.array(cidr).max(1000).default([]);
const httpsUrl = z.url({ protocol: /^https$/, message: 'Must be an https URL' }).max(2048);

/** Each type's settings; a field left out takes its default (`functions/core/policies/model.ts`), an unknown one is refused. */
const policySettings = {
  'file-leak-prevention': z.strictObject({
    blockExternalShare: z.boolean().default(false),
    blockDownload: z.boolean().default(false),
    trustedDeviceDownloadOnly: z.boolean().default(false),
    minClientVersion: z.string().refine(isClientVersion, { message: 'Must be a dotted version such as 4.1.2' }).default('4.1.2'),
  }),
  'visible-watermark': z.strictObject({
    surfaces: z.array(surface).max(SURFACES.length).default([...SURFACES]),
    text: z.string().min(1).max(200).default('{name} {memberId} {date}').describe('Placeholders: {name}, {memberId}, {date} (Asia/Shanghai)'),
  }),
  'dark-watermark': z.strictObject({ surfaces: z.array(surface).max(SURFACES.length).default([...SURFACES]) }),
  devices: z.strictObject({ trustedDeviceLoginOnly: z.boolean().default(false), enterpriseDeviceOwnCorpOnly: z.boolean().default(false) }),
  'screen-capture': z.strictObject({ screenshot: z.enum(['allow', 'block', 'log']).default('allow'), screenRecording: z.enum(['allow', 'block']).default('allow') }),
  'external-sharing': z.strictObject({ blockShareToWeChat: z.boolean().default(false), blockOpenInOtherApp: z.boolean().default(false) }),
  'second-verification': z.strictObject({ url: httpsUrl, afterBackgroundSeconds: z.number().int().min(0).max(86_400).default(0) }),
  'ip-access': z.strictObject({ mail: cidrList, drive: cidrList }),
} satisfies { [T in PolicyType]: z.ZodType };

export const policyRequest = <T extends PolicyType>(type: T) =>
  z.strictObject({ enabled: z.boolean(), scope, settings: policySettings[type] });

export const policyType = z.enum(POLICY_TYPES);

export const policyView = z.object({
  type: policyType,
  enabled: z.boolean(),
  scope,
  settings: z.record(z.string(), z.unknown()),
  version: z.number().int().describe('0: never set (the defaults)'),
  changedBy: z.string().nullable(),
  changedAt: instant.nullable(),
});

export const policyVersionView = z.object({ version: z.number().int(), changedBy: z.string(), changedAt: instant, policy: policyView });

export const effectivePolicyView = z.record(
  policyType,
  z.object({ applies: z.boolean(), reason: z.enum(['NO_SEAT', 'OUT_OF_SCOPE', 'DISABLED', 'IN_SCOPE']), settings: z.record(z.string(), z.unknown()).nullable() }),
);

const decisionRequest = z.object({
  action: z.enum(ACTIONS),
  memberId: id,
  resource: z.object({ fileId: z.string().min(1).max(256).optional(), ownerId: id.optional(), ownerCorpId: id.optional() }).optional(),
  context: z.object({
    platform,
    clientVersion: z.string().max(32).optional(),
    deviceId: id.optional(),
    ip: z.union([z.ipv4(), z.ipv6()], { message: 'Must be an IPv4 or IPv6 address' }).optional(),
    surface: surface.optional(),
    recipientCorpIds: z.array(id).max(100).optional(),
  }),
});

const MAX_DECISION_REQUESTS = 100;
export const decisionsRequest = z.object({ requests: z.array(decisionRequest).min(1).max(MAX_DECISION_REQUESTS) });

export const decisionResult = z.object({
  decision: z.enum(['allow', 'deny']),
  reasons: z.array(z.enum(REASON_CODES)),
  obligations: z.array(
    z.union([
      z.object({ type: z.literal('log') }),
      z.object({ type: z.literal('visible-watermark'), text: z.string() }),
      z.object({ type: z.literal('dark-watermark') }),
      z.object({ type: z.literal('second-verification'), url: z.string() }),
    ]),
  ),
});

export const clientPolicyView = z.object({
  version: z.string().describe('Also the ETag'),
  screenshot: z.enum(['allow', 'block', 'log']),
  screenRecording: z.enum(['allow', 'block']),
  blockShareToWeChat: z.boolean(),
  blockOpenInOtherApp: z.boolean(),
  secondVerification: z.object({ url: z.string(), afterBackgroundSeconds: z.number() }).nullable(),
  visibleWatermark: z.object({ surfaces: z.array(surface), text: z.string().describe('{name} and {memberId} filled; {date} left for the client') }).nullable(),
  darkWatermark: z.object({ surfaces: z.array(surface) }).nullable(),
});

export const platformQuery = platform;
export const surfaceQuery = surface;

export const deviceRequest = z.strictObject({ trusted: z.boolean(), kind: z.enum(['personal', 'enterprise']) });

export const deviceView = z.object({
  deviceId: id,
  platform,
  memberIds: z.array(id),
  firstSeenAt: instant,
  lastSeenAt: instant,
  trusted: z.boolean(),
  kind: z.enum(['personal', 'enterprise']),
});

// --- File operation log and leak investigation (contract v2) ---

export const fileAction = z.enum(FILE_ACTIONS);
export const fileEvent = z.strictObject({
  eventId: id,
  corpId: id,
  memberId: id,
  action: fileAction,
  fileId: id,
  fileName: z.string().min(1).max(1024),
  channel: z.enum(FILE_CHANNELS),
  recipients: z.array(z.strictObject({ corpId: id, memberId: id.optional() })).max(1000).optional(),
  deviceId: id.optional(),
  ip: z.union([z.ipv4(), z.ipv6()]).optional(),
  occurredAt: instant,
});
export const fileEventsBatch = z.strictObject({
  events: z
    .array(fileEvent)
    .min(1)
    .max(MAX_EVENTS_PER_BATCH)
    .refine((events) => new Set(events.map((e) => e.eventId)).size === events.length, 'eventId must be unique within a batch'),
});
export const fileEventsAccepted = z.object({ accepted: z.number().int(), ignored: z.number().int() });
export const fileEventView = fileEvent;
export const utcDay = z.iso.date({ message: 'Must be a UTC day, YYYY-MM-DD' });
export const fileLogDigest = z.object({ day: utcDay, count: z.number().int(), headHash: z.string() });

export const investigationView = z.object({
  investigationId: z.string(),
  createdAt: instant,
  createdBy: z.string(),
  trace: z.object({ found: z.boolean(), memberId: id.optional(), memberName: z.string().optional(), markedAt: instant.optional() }),
  timeline: z.array(fileEventView),
});
export const investigationSummary = investigationView.omit({ timeline: true }).extend({ events: z.number().int() });
