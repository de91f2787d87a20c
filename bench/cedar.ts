/**
 * `npm run bench -- cedar`: AWS Cedar (`@cedar-policy/cedar-wasm`, Node build, a devDependency)
 * deciding Steward's v2 security-policy requests in-process, measured before choosing the policy
 * engine (docs/decisions.md, "Security policies"). Prints its figures and writes section
 * `policiesCedar` of bench/results.json; about 3 minutes. Knobs: CEDAR_CALLS (measured calls for
 * b and b0; default 200k), CEDAR_A_CALLS (stateless calls, default 2,000: each re-parses the policy
 * text, some 5 ms), CEDAR_WARMUP, CEDAR_POOL (distinct requests), CEDAR_CHECK (requests whose
 * decisions must agree across a, b, d), CEDAR_D_CALLS, CEDAR_FULL_CALLS, CEDAR_IP_CHAIN=1 (see anyOf).
 *
 * Workload (the HTTP contract, "v2 additions"): one corp, all eight policy types enabled,
 * 10,000 members in 200 departments of 50, each type's scope = 1,000 member ids + 50 department
 * ids, 100 CIDRs per IP allowlist (mail, drive). The Steward policies are compiled to 21
 * schema-less Cedar policies; reasons and obligations are read back from the determining policy ids.
 * Variants:
 *   a  isAuthorized: policy set text + per-call entity slice (principal, its department, file,
 *      owner, owner's department, device) on every call (the documented stateless API).
 *   b  preparsePolicySet once + statefulIsAuthorized: same per-call entity slice (4.13 caches
 *      policy sets and schemas, not entities).
 *   b0 floor: statefulIsAuthorized of `permit(principal, action, resource);` with one entity.
 *   d  as b, but scopes written into the policies as 1,050-uid sets instead of Scope parents.
 *   full  as b, but passing all 10,000 members (+ departments, files, devices) each call.
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { percentile, recordSection } from './results.ts';

// ---------- loading cedar-wasm (and catching its linear memory to measure it) ----------

type Uid = { type: string; id: string };
type Value = boolean | number | string | Value[] | { __entity: Uid } | { [k: string]: Value };
type Entity = { uid: Uid; attrs: Record<string, Value>; parents: Uid[] };
type Answer =
  | { type: 'success'; response: { decision: 'allow' | 'deny'; diagnostics: { reason: string[]; errors: { policyId: string }[] } } }
  | { type: 'failure'; errors: { message: string }[] };
type CallBase = { principal: Uid; action: Uid; resource: Uid; context: Record<string, Value>; entities: Entity[] };
interface CedarWasm {
  getCedarVersion(): string;
  getCedarSDKVersion(): string;
  getCedarLangVersion(): string;
  isAuthorized(call: CallBase & { policies: { staticPolicies: Record<string, string> } }): Answer;
  preparsePolicySet(id: string, policies: { staticPolicies: Record<string, string> }): { type: string; errors?: unknown };
  statefulIsAuthorized(call: CallBase & { preparsedPolicySetId: string }): Answer;
  checkParseEntities(call: { entities: Entity[] }): { type: string };
}
type Memory = { buffer: ArrayBuffer };
type Wasm = { Instance: new (module: unknown, imports: unknown) => { exports: Record<string, unknown> } };

const loadAtStart = loadavg().map((x) => +x.toFixed(2));
const CALLS = Number(process.env.CEDAR_CALLS ?? 200_000);
const WARMUP = Number(process.env.CEDAR_WARMUP ?? 30_000);
const mib = (bytes: number) => +(bytes / 2 ** 20).toFixed(1);
const gc = (globalThis as { gc?: () => void }).gc;
const snapshot = () => {
  gc?.();
  const m = process.memoryUsage();
  return { rssMiB: mib(m.rss), heapUsedMiB: mib(m.heapUsed), wasmLinearMiB: mib(wasmMemory?.buffer.byteLength ?? 0) };
};

let wasmMemory: Memory | undefined;
const webAssembly = (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly;
const OriginalInstance = webAssembly.Instance;
webAssembly.Instance = function (module: unknown, imports: unknown) {
  const instance = new OriginalInstance(module, imports);
  wasmMemory = instance.exports.memory as Memory;
  return instance;
} as unknown as Wasm['Instance'];
const beforeLoad = snapshot();
const loadStarted = performance.now();
const cedar = createRequire(import.meta.url)('@cedar-policy/cedar-wasm/nodejs') as CedarWasm;
const inProcessLoadMs = performance.now() - loadStarted;
webAssembly.Instance = OriginalInstance;
const afterLoad = snapshot();

// Cold load in fresh processes: read 4 MB of wasm, compile, instantiate.
const coldLoadMs = Array.from({ length: 5 }, () =>
  Number(
    execFileSync(process.execPath, [
      '-e',
      `const t=process.hrtime.bigint();require(${JSON.stringify(createRequire(import.meta.url).resolve('@cedar-policy/cedar-wasm/nodejs'))});console.log(Number(process.hrtime.bigint()-t)/1e6)`,
    ]).toString(),
  ),
).sort((x, y) => x - y);

// ---------- the corp ----------

let seed = 0x5eed;
const random = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
const sample = (n: number, k: number) => {
  const xs = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(random() * (n - i));
    [xs[i], xs[j]] = [xs[j] as number, xs[i] as number];
  }
  return xs.slice(0, k);
};

const CORP = 'acme';
const MEMBERS = 10_000;
const DEPARTMENTS = 200;
const FILES = 20_000;
const DEVICES = 5_000;
const TYPES = ['file-leak-prevention', 'visible-watermark', 'dark-watermark', 'devices', 'screen-capture', 'external-sharing', 'second-verification', 'ip-access'] as const;
type PolicyType = (typeof TYPES)[number];

const memberId = (i: number) => `m-${i}`;
const departmentOf = (i: number) => `d-${Math.floor(i / (MEMBERS / DEPARTMENTS))}`;
const scopes = new Map<PolicyType, { members: Set<string>; departments: Set<string> }>(
  TYPES.map((type) => [
    type,
    { members: new Set(sample(MEMBERS, 1_000).map(memberId)), departments: new Set(sample(DEPARTMENTS, 50).map((d) => `d-${d}`)) },
  ]),
);
const scopeParents = (pick: (s: { members: Set<string>; departments: Set<string> }) => Set<string>, id: string): Uid[] =>
  TYPES.filter((type) => pick(scopes.get(type)!).has(id)).map((type) => ({ type: 'Scope', id: type }));

const cidrs = (n: number) =>
  Array.from({ length: n }, (_, i) =>
    i % 10 === 9 ? `2001:db8:${(i * 7).toString(16)}::/48` : `${10 + Math.floor(random() * 200)}.${Math.floor(random() * 256)}.${Math.floor(random() * 256)}.0/24`,
  );
const allowlists = { mail: cidrs(100), drive: cidrs(100) };
const addressIn = (cidr: string) =>
  cidr.includes(':') ? cidr.replace('::/48', `::${Math.floor(random() * 65535).toString(16)}`) : cidr.replace('.0/24', `.${1 + Math.floor(random() * 254)}`);

// Entities as Steward would keep them in memory, in Cedar's JSON form.
// withScopes=false: the same hierarchy without Scope parents (variant d puts scopes in the policies).
const buildEntities = (withScopes: boolean) => {
  const members = new Map<string, Entity>();
  const departments = new Map<string, Entity>();
  for (let d = 0; d < DEPARTMENTS; d++) {
    const id = `d-${d}`;
    departments.set(id, { uid: { type: 'Department', id }, attrs: {}, parents: withScopes ? scopeParents((s) => s.departments, id) : [] });
  }
  for (let i = 0; i < MEMBERS; i++) {
    const id = memberId(i);
    members.set(id, {
      uid: { type: 'Member', id },
      attrs: { seat: i % 5 !== 0, departed: i % 100 === 99, corp: CORP },
      parents: [{ type: 'Department', id: departmentOf(i) }, ...(withScopes ? scopeParents((s) => s.members, id) : [])],
    });
  }
  return { members, departments };
};
const withScopes = buildEntities(true);
const withoutScopes = buildEntities(false);
const files = new Map<string, Entity>();
const fileOwner = new Map<string, string>();
const filesOwnedBy = new Map<string, string>();
for (let f = 0; f < FILES; f++) {
  const owner = memberId(Math.floor(random() * MEMBERS));
  fileOwner.set(`f-${f}`, owner);
  filesOwnedBy.set(owner, `f-${f}`);
  files.set(`f-${f}`, { uid: { type: 'File', id: `f-${f}` }, attrs: { owner: { __entity: { type: 'Member', id: owner } }, ownerCorp: CORP }, parents: [] });
}
const devices = new Map<string, Entity>();
for (let v = 0; v < DEVICES; v++) {
  devices.set(`dev-${v}`, {
    uid: { type: 'Device', id: `dev-${v}` },
    attrs: { trusted: v % 2 === 0, kind: v % 10 === 0 ? 'enterprise' : 'personal', corp: v % 20 === 0 ? 'other' : CORP },
    parents: [],
  });
}

// ---------- the policy set (compiled from the eight enabled Steward policies) ----------

const FILE_ACTIONS = '[Action::"file.share", Action::"file.download", Action::"file.export", Action::"file.preview"]';
const DOWNLOADS = '[Action::"file.download", Action::"file.export"]';
type ScopeStyle = 'entity' | 'inline';
const inScope = (style: ScopeStyle, type: PolicyType, who: string) => {
  if (style === 'entity') return `(${who}.seat && ${who} in Scope::"${type}")`;
  const scope = scopes.get(type)!;
  const uids = [...[...scope.departments].map((d) => `Department::"${d}"`), ...[...scope.members].map((m) => `Member::"${m}"`)];
  return `(${who}.seat && ${who} in [${uids.join(', ')}])`;
};
/**
 * 100 CIDRs as one `||` expression. Written as a left-deep chain (`a || b || c ...`, Cedar nests it
 * 100 deep) the stateless isAuthorized needs about 1 MB of native stack and, from an ES module,
 * throws `RangeError: Maximum call stack size exceeded` intermittently at Node's default stack;
 * a balanced tree of parenthesised halves is 7 deep. CEDAR_IP_CHAIN=1 writes the chain.
 */
const anyOf = (terms: string[]): string => {
  if (process.env.CEDAR_IP_CHAIN === '1' || terms.length <= 2) return terms.join(' || ');
  const half = Math.ceil(terms.length / 2);
  return `(${anyOf(terms.slice(0, half))}) || (${anyOf(terms.slice(half))})`;
};
const ipRule = (action: string, list: string[], style: ScopeStyle) =>
  `forbid(principal, action == Action::"${action}", resource) when { ${inScope(style, 'ip-access', 'principal')} } unless { context has ip && (${anyOf(
    list.map((c) => `ip(context.ip).isInRange(ip("${c}"))`),
  )}) };`;

/** Policy id -> Cedar text, and what each id means when it is among the determining policies. */
const policySet = (style: ScopeStyle) => {
  const s = (type: PolicyType, who = 'principal') => inScope(style, type, who);
  const text: Record<string, string> = {
    base: 'permit(principal, action, resource);',
    'member.not-found': 'forbid(principal, action, resource) unless { principal has departed };',
    'member.departed': 'forbid(principal, action, resource) when { principal has departed && principal.departed };',
    'flp.download': `forbid(principal, action in ${DOWNLOADS}, resource is File) when { ${s('file-leak-prevention', 'resource.owner')} } unless { principal == resource.owner };`,
    'flp.trusted-device': `forbid(principal, action in ${DOWNLOADS}, resource is File) when { ${s('file-leak-prevention', 'resource.owner')} } unless { context has device && context.device has trusted && context.device.trusted && context.device.corp == "${CORP}" };`,
    'flp.external-share': `forbid(principal, action == Action::"file.share", resource is File) when { ${s('file-leak-prevention', 'resource.owner')} && context has recipientCorpIds && ![resource.ownerCorp].containsAll(context.recipientCorpIds) };`,
    'flp.client-version': `forbid(principal, action in ${FILE_ACTIONS}, resource is File) when { ${s('file-leak-prevention', 'resource.owner')} } unless { context has clientVersion && context.clientVersion >= 4001002 };`,
    'flp.log': `permit(principal, action in ${FILE_ACTIONS}, resource is File) when { ${s('file-leak-prevention')} || ${s('file-leak-prevention', 'resource.owner')} };`,
    'devices.trusted-login': `forbid(principal, action == Action::"login", resource) when { ["windows", "mac"].contains(context.platform) && ${s('devices')} } unless { context has device && context.device has trusted && context.device.trusted };`,
    'devices.enterprise': `forbid(principal, action == Action::"login", resource) when { ["windows", "mac"].contains(context.platform) && context has device && context.device has kind && context.device.kind == "enterprise" && context.device.corp != "${CORP}" };`,
    'screen.screenshot': `forbid(principal, action == Action::"screenshot", resource) when { context.platform == "android" && ${s('screen-capture')} };`,
    'screen.screenshot-ios': `permit(principal, action == Action::"screenshot", resource) when { context.platform == "ios" && ${s('screen-capture')} };`,
    'screen.record': `forbid(principal, action == Action::"screen.record", resource) when { ["ios", "android"].contains(context.platform) && ${s('screen-capture')} };`,
    'screen.not-covered': 'permit(principal, action in [Action::"screenshot", Action::"screen.record"], resource) when { !["ios", "android"].contains(context.platform) };',
    'external.wechat': `forbid(principal, action == Action::"share.wechat", resource) when { ${s('external-sharing')} };`,
    'external.open-in': `forbid(principal, action == Action::"open.in.other.app", resource) when { ${s('external-sharing')} };`,
    'second-verification': `permit(principal, action == Action::"login", resource) when { ${s('second-verification')} };`,
    'visible-watermark': `permit(principal, action, resource) when { context has surface && ${
      style === 'entity' ? 'principal in Scope::"visible-watermark"' : s('visible-watermark').replace('principal.seat && ', '')
    } && (principal.seat || ["chat", "contacts"].contains(context.surface)) };`,
    'dark-watermark': `permit(principal, action, resource) when { context has surface && ["doc", "drive", "mail"].contains(context.surface) && ${s('dark-watermark')} };`,
    'ip.mail': ipRule('mail.access', allowlists.mail, style),
    'ip.drive': ipRule('drive.access', allowlists.drive, style),
  };
  return { staticPolicies: text };
};
const REASONS: Record<string, string> = {
  'member.not-found': 'MEMBER_NOT_FOUND',
  'member.departed': 'MEMBER_DEPARTED',
  'flp.download': 'DOWNLOAD_BLOCKED',
  'flp.trusted-device': 'UNTRUSTED_DEVICE',
  'flp.external-share': 'EXTERNAL_SHARE_BLOCKED',
  'flp.client-version': 'CLIENT_TOO_OLD',
  'devices.trusted-login': 'UNTRUSTED_DEVICE',
  'devices.enterprise': 'ENTERPRISE_DEVICE_OTHER_CORP',
  'screen.screenshot': 'SCREENSHOT_BLOCKED',
  'screen.record': 'SCREEN_RECORDING_BLOCKED',
  'screen.not-covered': 'PLATFORM_NOT_COVERED',
  'external.wechat': 'SHARE_TO_WECHAT_BLOCKED',
  'external.open-in': 'OPEN_IN_OTHER_APP_BLOCKED',
  'ip.mail': 'IP_NOT_ALLOWED',
  'ip.drive': 'IP_NOT_ALLOWED',
};
const OBLIGATIONS: Record<string, string> = {
  'flp.log': 'log',
  'screen.screenshot-ios': 'log',
  'second-verification': 'second-verification',
  'visible-watermark': 'visible-watermark',
  'dark-watermark': 'dark-watermark',
};

// ---------- requests (Steward's Request shape) and the decide() under test ----------

type Request = {
  action: string;
  memberId: string;
  fileId?: string;
  context: { platform: string; clientVersion?: number; deviceId?: string; ip?: string; surface?: string; recipientCorpIds?: string[] };
};
const MIX = ['file.download', 'file.share', 'mail.access', 'login', 'screenshot'] as const;
const activeMember = () => memberId(Math.floor(random() * MEMBERS));
const makeRequest = (action: (typeof MIX)[number]): Request => {
  const who = random() < 0.005 ? 'm-unknown' : activeMember();
  const device = () => (random() < 0.7 ? { deviceId: `dev-${Math.floor(random() * DEVICES)}` } : {});
  const version = random() < 0.9 ? 4001002 + Math.floor(random() * 3) : 4000009;
  switch (action) {
    case 'file.download':
    case 'file.share': {
      let fileId = `f-${Math.floor(random() * FILES)}`;
      if (random() < 0.3) fileId = filesOwnedBy.get(who) ?? fileId;
      return {
        action,
        memberId: who,
        fileId,
        context: {
          platform: pick(['windows', 'mac', 'android', 'ios']),
          clientVersion: version,
          surface: 'drive',
          ...device(),
          ...(action === 'file.share' ? { recipientCorpIds: random() < 0.5 ? [CORP] : [CORP, 'globex'] } : {}),
        },
      };
    }
    case 'mail.access': {
      const ip = random() < 0.5 ? addressIn(pick(allowlists.mail)) : `203.0.113.${Math.floor(random() * 255)}`;
      return { action, memberId: who, context: { platform: pick(['windows', 'mac', 'web', 'ios']), ip, surface: 'mail' } };
    }
    case 'login':
      return { action, memberId: who, context: { platform: pick(['windows', 'mac', 'mac', 'windows', 'ios', 'android']), clientVersion: version, ...device() } };
    case 'screenshot':
      return { action, memberId: who, context: { platform: pick(['android', 'ios', 'windows']), surface: pick(['chat', 'doc', 'mail']) } };
  }
};
const POOL = Number(process.env.CEDAR_POOL ?? 20_000);
const requests = Array.from({ length: POOL }, (_, i) => makeRequest(MIX[i % MIX.length]!));

type Store = ReturnType<typeof buildEntities>;
/** Steward's side of a decision: the entity slice and call for one request. */
const callFor = (req: Request, store: Store): CallBase => {
  const entities: Entity[] = [];
  const addMember = (id: string) => {
    const member = store.members.get(id);
    if (!member) return;
    entities.push(member);
    const department = store.departments.get(member.parents[0]!.id);
    if (department) entities.push(department);
  };
  addMember(req.memberId);
  let resource: Uid = { type: 'Corp', id: CORP };
  if (req.fileId) {
    const file = files.get(req.fileId)!;
    entities.push(file);
    resource = file.uid;
    const owner = fileOwner.get(req.fileId)!;
    if (owner !== req.memberId) addMember(owner);
  }
  const { deviceId, ...rest } = req.context;
  const context: Record<string, Value> = rest;
  if (deviceId) {
    const device = devices.get(deviceId);
    if (device) entities.push(device);
    context.device = { __entity: { type: 'Device', id: deviceId } };
  }
  return { principal: { type: 'Member', id: req.memberId }, action: { type: 'Action', id: req.action }, resource, context, entities };
};
type Result = { decision: 'allow' | 'deny'; reasons: string[]; obligations: string[] };
/** Fail closed: Cedar skips a policy that errors (a malformed ip, a missing entity), so an allow with errors is a deny. */
const resultOf = (answer: Answer): Result => {
  if (answer.type !== 'success') throw new Error(answer.errors.map((e) => e.message).join('; '));
  const { decision, diagnostics } = answer.response;
  const ids = diagnostics.reason;
  if (decision === 'allow' && diagnostics.errors.length > 0) return { decision: 'deny', reasons: ['POLICY_ERROR'], obligations: [] };
  if (decision === 'deny') return { decision, reasons: ids.map((id) => REASONS[id] ?? id).sort(), obligations: [] };
  return {
    decision,
    reasons: ids.filter((id) => REASONS[id]).map((id) => REASONS[id]!).sort(),
    obligations: ids.filter((id) => OBLIGATIONS[id]).map((id) => OBLIGATIONS[id]!).sort(),
  };
};

// ---------- measurement ----------

const round = (x: number) => +x.toFixed(2);
const stats = (samplesUs: Float64Array) => {
  const sorted = Float64Array.from(samplesUs).sort();
  const xs = [...sorted];
  return {
    count: xs.length,
    medianUs: round(percentile(xs, 50)),
    p99Us: round(percentile(xs, 99)),
    p999Us: round(percentile(xs, 99.9)),
    maxUs: round(xs[xs.length - 1] ?? NaN),
    meanUs: round(xs.reduce((a, b) => a + b, 0) / xs.length),
  };
};
/** Times decide = build the call + cedar + read the answer back, and the cedar call alone. */
const measure = (calls: number, warmup: number, decide: (req: Request) => { call: CallBase; run: (call: CallBase) => Answer }) => {
  const total = new Float64Array(calls);
  const engine = new Float64Array(calls);
  const byAction = new Map<string, number[]>();
  let denies = 0;
  for (let i = -warmup; i < calls; i++) {
    const req = requests[(i + warmup) % POOL]!;
    const t0 = performance.now();
    const { call, run } = decide(req);
    const t1 = performance.now();
    const answer = run(call);
    const t2 = performance.now();
    const result = resultOf(answer);
    const t3 = performance.now();
    if (i < 0) continue;
    total[i] = (t3 - t0) * 1000;
    engine[i] = (t2 - t1) * 1000;
    if (result.decision === 'deny') denies++;
    let list = byAction.get(req.action);
    if (!list) byAction.set(req.action, (list = []));
    list.push(total[i]!);
  }
  return {
    decide: stats(total),
    cedarCallOnly: stats(engine),
    denyShare: round(denies / calls),
    byAction: Object.fromEntries([...byAction].map(([action, xs]) => [action, stats(Float64Array.from(xs))])),
  };
};

const entityPolicies = policySet('entity');
const inlinePolicies = policySet('inline');
const policyTextKiB = (p: { staticPolicies: Record<string, string> }) => +(Object.values(p.staticPolicies).join('\n').length / 1024).toFixed(1);

const beforeParse = snapshot();
const parseStarted = performance.now();
const parsed = cedar.preparsePolicySet('steward', entityPolicies);
const preparseMs = performance.now() - parseStarted;
if (parsed.type !== 'success') throw new Error(`preparse failed: ${JSON.stringify(parsed)}`);
const reparseStarted = performance.now();
cedar.preparsePolicySet('steward', entityPolicies);
const preparseAgainMs = performance.now() - reparseStarted;
const afterParse = snapshot();
const inlineParseStarted = performance.now();
if (cedar.preparsePolicySet('steward-inline', inlinePolicies).type !== 'success') throw new Error('inline preparse failed');
const inlinePreparseMs = performance.now() - inlineParseStarted;
if (cedar.preparsePolicySet('floor', { staticPolicies: { base: 'permit(principal, action, resource);' } }).type !== 'success') throw new Error('floor preparse failed');

// Correctness first: the three policy forms agree on every pooled request, and a few known cases.
const CHECKED = Math.min(POOL, Number(process.env.CEDAR_CHECK ?? 2_000));
const decisions = { a: [] as string[], b: [] as string[], d: [] as string[] };
for (const req of requests.slice(0, CHECKED)) {
  const a = resultOf(cedar.isAuthorized({ ...callFor(req, withScopes), policies: entityPolicies }));
  const b = resultOf(cedar.statefulIsAuthorized({ ...callFor(req, withScopes), preparsedPolicySetId: 'steward' }));
  const d = resultOf(cedar.statefulIsAuthorized({ ...callFor(req, withoutScopes), preparsedPolicySetId: 'steward-inline' }));
  decisions.a.push(JSON.stringify(a));
  decisions.b.push(JSON.stringify(b));
  decisions.d.push(JSON.stringify(d));
}
const disagreements = decisions.a.flatMap((x, i) => (x !== decisions.b[i] || x !== decisions.d[i] ? [i] : []));
if (disagreements.length > 0) {
  const i = disagreements[0]!;
  throw new Error(`${disagreements.length} requests decided differently by a, b and d, first ${JSON.stringify(requests[i])}: ${decisions.a[i]} ${decisions.b[i]} ${decisions.d[i]}`);
}
const flpOwner = [...withScopes.members.values()].find((m) => m.attrs.seat && !m.attrs.departed && m.parents.some((p) => p.id === 'file-leak-prevention'))!.uid.id;
const flpFile = filesOwnedBy.get(flpOwner);
const ipMember = [...withScopes.members.values()].find((m) => m.attrs.seat && !m.attrs.departed && m.parents.some((p) => p.id === 'ip-access'))!.uid.id;
const check = (req: Request, expect: Partial<Result>) => {
  const got = resultOf(cedar.statefulIsAuthorized({ ...callFor(req, withScopes), preparsedPolicySetId: 'steward' }));
  for (const [k, v] of Object.entries(expect)) {
    if (JSON.stringify(got[k as keyof Result]) !== JSON.stringify(v)) throw new Error(`${JSON.stringify(req)}: ${JSON.stringify(got)}`);
  }
};
const other = flpOwner === 'm-1' ? 'm-2' : 'm-1';
if (flpFile) {
  check({ action: 'file.download', memberId: other, fileId: flpFile, context: { platform: 'windows', clientVersion: 4001002, deviceId: 'dev-2' } }, { decision: 'deny', reasons: ['DOWNLOAD_BLOCKED'] });
  check({ action: 'file.download', memberId: flpOwner, fileId: flpFile, context: { platform: 'windows', clientVersion: 4001002, deviceId: 'dev-2' } }, { decision: 'allow' });
  check({ action: 'file.download', memberId: flpOwner, fileId: flpFile, context: { platform: 'windows', clientVersion: 4001002, deviceId: 'dev-1' } }, { decision: 'deny', reasons: ['UNTRUSTED_DEVICE'] });
}
check({ action: 'mail.access', memberId: ipMember, context: { platform: 'web', ip: '203.0.113.9' } }, { decision: 'deny', reasons: ['IP_NOT_ALLOWED'] });
check({ action: 'mail.access', memberId: ipMember, context: { platform: 'web' } }, { decision: 'deny', reasons: ['IP_NOT_ALLOWED'] });
check({ action: 'mail.access', memberId: ipMember, context: { platform: 'web', ip: addressIn(allowlists.mail[99]!) } }, { decision: 'allow' });
check({ action: 'mail.access', memberId: ipMember, context: { platform: 'web', ip: 'not-an-ip' } }, { decision: 'deny', reasons: ['POLICY_ERROR'] });
check({ action: 'login', memberId: 'm-99', context: { platform: 'mac' } }, { decision: 'deny', reasons: ['MEMBER_DEPARTED'] });
check({ action: 'login', memberId: 'm-nobody', context: { platform: 'mac' } }, { decision: 'deny', reasons: ['MEMBER_NOT_FOUND'] });

// a: stateless isAuthorized (policy text parsed on every call).
const variantA = measure(Number(process.env.CEDAR_A_CALLS ?? 2_000), Math.min(WARMUP, 5_000), (req) => ({
  call: callFor(req, withScopes),
  run: (call) => cedar.isAuthorized({ ...call, policies: entityPolicies }),
}));
// b: preparsed policy set.
const variantB = measure(CALLS, WARMUP, (req) => ({
  call: callFor(req, withScopes),
  run: (call) => cedar.statefulIsAuthorized({ ...call, preparsedPolicySetId: 'steward' }),
}));
// b0: the floor, what any statefulIsAuthorized call costs (one entity, one permit).
const floorEntity = withScopes.members.get('m-1')!;
const variantFloor = measure(CALLS, WARMUP, (req) => ({
  call: { principal: { type: 'Member', id: 'm-1' }, action: { type: 'Action', id: req.action }, resource: { type: 'Corp', id: CORP }, context: {}, entities: [floorEntity] },
  run: (call) => cedar.statefulIsAuthorized({ ...call, preparsedPolicySetId: 'floor' }),
}));
// d: scopes as inline uid sets in the (preparsed) policies.
const variantD = measure(Number(process.env.CEDAR_D_CALLS ?? 10_000), Math.min(WARMUP, 2_000), (req) => ({
  call: callFor(req, withoutScopes),
  run: (call) => cedar.statefulIsAuthorized({ ...call, preparsedPolicySetId: 'steward-inline' }),
}));

// full: every entity on every call (what holding all 10,000 members "in Cedar" costs without an entity cache).
const allEntities = [...withScopes.members.values(), ...withScopes.departments.values(), ...files.values(), ...devices.values()];
const memberEntitiesOnly = [...withScopes.members.values(), ...withScopes.departments.values()];
const beforeEntities = snapshot();
const checkStarted = performance.now();
const entityCheck = cedar.checkParseEntities({ entities: memberEntitiesOnly });
const checkParseMs = performance.now() - checkStarted;
if (entityCheck.type !== 'success') throw new Error('10,000 member entities did not parse');
const afterEntities = snapshot();
const variantFull = measure(Number(process.env.CEDAR_FULL_CALLS ?? 50), 5, (req) => ({
  call: { ...callFor(req, withScopes), entities: allEntities },
  run: (call) => cedar.statefulIsAuthorized({ ...call, preparsedPolicySetId: 'steward' }),
}));
const afterFull = snapshot();

const ms = (x: number) => +x.toFixed(1);
const figures = {
      package: '@cedar-policy/cedar-wasm/nodejs',
      version: { sdk: cedar.getCedarSDKVersion(), cedar: cedar.getCedarVersion(), language: cedar.getCedarLangVersion() },
      loadAverage: { atStart: loadAtStart, atEnd: loadavg().map((x) => +x.toFixed(2)) },
      targets: { medianUs: 5, p99Us: 20 },
      workload: {
        members: MEMBERS,
        departments: DEPARTMENTS,
        scopePerType: { memberIds: 1_000, departmentIds: 50 },
        cidrsPerAllowlist: 100,
        policies: Object.keys(entityPolicies.staticPolicies).length,
        policyTextKiB: { entityScopes: policyTextKiB(entityPolicies), inlineScopes: policyTextKiB(inlinePolicies) },
        mix: MIX,
        distinctRequests: POOL,
        entitiesPerCallMean: round(requests.reduce((n, r) => n + callFor(r, withScopes).entities.length, 0) / POOL),
        decisionsCheckedEqualAcrossVariants: CHECKED,
      },
      load: {
        inProcessRequireMs: ms(inProcessLoadMs),
        coldRequireMs: { min: ms(coldLoadMs[0]!), median: ms(coldLoadMs[2]!), max: ms(coldLoadMs[4]!) },
        wasmBytesMiB: 4.1,
        firstPreparsePolicySetMs: ms(preparseMs),
        preparseAgainMs: ms(preparseAgainMs),
        preparseInlineScopesPolicySetMs: ms(inlinePreparseMs),
      },
      memory: {
        note: 'wasm linear memory never shrinks, so each figure is a high-water mark; gc() runs before each snapshot when --expose-gc is given',
        beforeLoad,
        afterLoad,
        beforePreparse: beforeParse,
        afterPreparse: afterParse,
        before10kMemberEntities: beforeEntities,
        afterCheckParse10kMemberEntities: { ...afterEntities, checkParseMs: ms(checkParseMs) },
        afterFullEntityCalls: afterFull,
      },
      latencyUs: {
        'a.isAuthorized(policyText + entitySlice)': variantA,
        'b.statefulIsAuthorized(preparsed + entitySlice)': variantB,
        'b0.floor(preparsed 1 permit, 1 entity)': variantFloor,
        'd.statefulIsAuthorized(preparsed, scopes inline as uid sets)': variantD,
        'full.statefulIsAuthorized(preparsed + all entities per call)': {
          entities: allEntities.length,
          ...variantFull,
        },
      },
    };
console.log(JSON.stringify(figures, null, 2));
recordSection('policiesCedar', figures);
