import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ACTIONS, decisionFacts, PolicyEngine, type DecisionRequest } from '#core/policies/engine';
import { PLATFORMS, SURFACES, withDefaults, type DeviceTrust, type PoliciesByType, type Policy, type PolicyMember } from '#core/policies/model';
import { recordSection } from './results.ts';

/**
 * Security policy decisions (issue 15). In process: a corp with all eight types enabled, scopes of
 * 1,000 members and 50 departments, 10,000 members, 100 CIDRs per allowlist; decision latency
 * (each call timed alone) and the compiled corp's memory (heap after gc, in a child run with
 * --expose-gc). On the local stack: `POST /decisions` of 100 requests, and how long a policy change
 * takes to reach decisions after its PUT returned. Writes section `policies` of bench/results.json.
 */
const MEMBERS = 10_000;
const DEPARTMENTS = 200;
const SCOPE_MEMBERS = 1_000;
const SCOPE_DEPARTMENTS = 50;
const CIDRS = 100;

/** A deterministic generator, so runs compare. */
const random = (() => {
  let state = 0x2545f491;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
})();
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;

const cidrs = (offset: number) =>
  Array.from({ length: CIDRS }, (_, i) => (i % 4 === 3 ? `2001:db8:${(offset + i).toString(16)}::/48` : `10.${offset + i}.${i % 16 * 16}.0/20`));

const scope = { memberIds: Array.from({ length: SCOPE_MEMBERS }, (_, i) => `m-${i * 7}`), departmentIds: Array.from({ length: SCOPE_DEPARTMENTS }, (_, i) => `d-${i * 3}`) };
const settings = {
  'file-leak-prevention': { blockExternalShare: true, blockDownload: true, trustedDeviceDownloadOnly: true, minClientVersion: '4.1.2' },
  'visible-watermark': { surfaces: ['chat', 'contacts', 'doc', 'drive'], text: '{name} {memberId} {date}' },
  'dark-watermark': { surfaces: ['doc', 'drive', 'app'] },
  devices: { trustedDeviceLoginOnly: true, enterpriseDeviceOwnCorpOnly: true },
  'screen-capture': { screenshot: 'block', screenRecording: 'block' },
  'external-sharing': { blockShareToWeChat: true, blockOpenInOtherApp: true },
  'second-verification': { url: 'https://verify.example/2fa', afterBackgroundSeconds: 30 },
  'ip-access': { mail: cidrs(0), drive: cidrs(100) },
} as const;
const policyStates = Object.entries(settings).map(([type, s]) => ({ type, enabled: true, scope, settings: s }));

const policies = (): PoliciesByType =>
  withDefaults(policyStates.map((state) => ({ ...state, version: 1, changedBy: 'bench', changedAt: '2026-06-01T08:00:00Z' }) as Policy));
const members = (): PolicyMember[] =>
  Array.from({ length: MEMBERS }, (_, i) => ({
    memberId: `m-${i}`,
    name: `Member ${i}`,
    departmentId: `d-${i % DEPARTMENTS}`,
    seat: i % 5 !== 4,
    departed: i % 97 === 0,
  }));
const devices = (): DeviceTrust[] => Array.from({ length: 2_000 }, (_, i) => ({ deviceId: `dev-${i}`, trusted: i % 2 === 0, kind: 'personal' as const }));

const requests = (count: number, actions: readonly DecisionRequest['action'][] = ACTIONS): DecisionRequest[] =>
  Array.from({ length: count }, () => ({
    action: pick(actions),
    memberId: `m-${Math.floor(random() * MEMBERS * 1.01)}`,
    resource: { fileId: 'f', ownerId: `m-${Math.floor(random() * MEMBERS)}` },
    context: {
      platform: pick(PLATFORMS),
      clientVersion: pick(['4.1.2', '4.0.0', '5.1']),
      deviceId: `dev-${Math.floor(random() * 2_500)}`,
      ip: random() < 0.75 ? `10.${Math.floor(random() * 256)}.${Math.floor(random() * 256)}.9` : `2001:db8:${Math.floor(random() * 256).toString(16)}::1`,
      surface: pick(SURFACES),
      recipientCorpIds: ['bench', ...(random() < 0.3 ? ['globex'] : [])],
    },
  }));

const micros = (samples: number[]) => {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => +(sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]! * 1000).toFixed(2);
  return { count: sorted.length, p50Us: at(0.5), p99Us: at(0.99), p999Us: at(0.999) };
};

/** Heap of one compiled corp; run in a child started with --expose-gc. */
const measureMemory = () => {
  const gc = (globalThis as { gc?: () => void }).gc!;
  const heap = () => {
    gc();
    gc();
    return process.memoryUsage().heapUsed;
  };
  const baseline = heap();
  // What the container's cache holds: the engine, and the loaded inputs it rebuilds from.
  const cached: { inputs: { policies: PoliciesByType; members: PolicyMember[]; devices: DeviceTrust[] } | null; engine: PolicyEngine } = (() => {
    const inputs = { policies: policies(), members: members(), devices: devices() };
    return { inputs, engine: PolicyEngine.compile({ corpId: 'bench', ...inputs }) };
  })();
  const withInputs = heap() - baseline;
  cached.inputs = null;
  const engineOnly = heap() - baseline;
  const engine = cached.engine;
  if (engine.memberCount !== MEMBERS) throw new Error('engine lost members');
  return { engineMB: +(engineOnly / 2 ** 20).toFixed(2), engineAndCachedInputsMB: +(withInputs / 2 ** 20).toFixed(2) };
};

if (process.argv.includes('--memory-only')) {
  console.log(JSON.stringify(measureMemory()));
  process.exit(0);
}

const inProcess = () => {
  const compileStart = performance.now();
  const engine = PolicyEngine.compile({ corpId: 'bench', policies: policies(), members: members(), devices: devices() });
  const compileMs = +(performance.now() - compileStart).toFixed(1);
  const facts = decisionFacts(new Date('2026-06-01T08:00:00Z'), new Set(['dev-7', 'dev-11']));
  const batch = requests(20_000);
  let allowed = 0;
  // Warm up (the JIT), then time each decision alone.
  for (let round = 0; round < 5; round++) for (const request of batch) allowed += engine.decide(request, facts).decision === 'allow' ? 1 : 0;
  const samples: number[] = [];
  for (let round = 0; round < 10; round++) {
    for (const request of batch) {
      const start = performance.now();
      engine.decide(request, facts);
      samples.push(performance.now() - start);
    }
  }
  // The throughput view: a whole batch timed at once, divided.
  const loopStart = performance.now();
  for (let round = 0; round < 10; round++) for (const request of batch) engine.decide(request, facts);
  const meanUs = +(((performance.now() - loopStart) / (10 * batch.length)) * 1000).toFixed(3);
  return { compileMs, decisions: micros(samples), meanUsBatched: meanUs, allowedShare: +(allowed / (5 * batch.length)).toFixed(2) };
};

const memory = () => {
  const child = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), '--memory-only'], { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`memory run failed: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').at(-1)!) as ReturnType<typeof measureMemory>;
};

/**
 * CPU time and run-queue wait (ms, all threads, from /proc/<pid>/task/<tid>/schedstat) of this process
 * and of its children: DynamoDB Local and the Decisions containers. On a machine shared with others,
 * wall-clock percentiles follow their load; CPU time per batch does much less. Linux only (null elsewhere).
 */
const processTimes = (): Record<string, { cpuMs: number; waitMs: number }> | null => {
  try {
    const times = (pid: number) =>
      readdirSync(`/proc/${pid}/task`).reduce(
        (sum, tid) => {
          const [run, wait] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ').map(Number);
          return { cpuMs: sum.cpuMs + run! / 1e6, waitMs: sum.waitMs + wait! / 1e6 };
        },
        { cpuMs: 0, waitMs: 0 },
      );
    const result: Record<string, { cpuMs: number; waitMs: number }> = { 'stack process (router, endpoint, IAM; and this bench client)': times(process.pid) };
    for (const line of execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' }).trim().split('\n')) {
      const [pid, ...args] = line.trim().split(/\s+/);
      const command = args.join(' ');
      let name: string | null = null;
      if (command.includes('DynamoDBLocal.jar')) name = 'DynamoDB Local (JVM)';
      else if (command.includes('bootstrap.mjs') && /AWS_LAMBDA_FUNCTION_NAME=Decisions/.test(readFileSync(`/proc/${pid}/environ`, 'latin1').replaceAll('\0', '\n'))) name = 'Decisions container';
      if (!name) continue;
      const t = times(Number(pid));
      const before = result[name] ?? { cpuMs: 0, waitMs: 0 };
      result[name] = { cpuMs: before.cpuMs + t.cpuMs, waitMs: before.waitMs + t.waitMs };
    }
    return result;
  } catch {
    return null;
  }
};

const perBatch = (before: ReturnType<typeof processTimes>, after: ReturnType<typeof processTimes>, batches: number) =>
  before && after
    ? Object.fromEntries(
        Object.entries(after).map(([name, t]) => [
          name,
          { cpuMs: +((t.cpuMs - (before[name]?.cpuMs ?? 0)) / batches).toFixed(2), runQueueWaitMs: +((t.waitMs - (before[name]?.waitMs ?? 0)) / batches).toFixed(2) },
        ]),
      )
    : null;

const WARM_UP_BATCHES = 2000;
const TIMED_BATCHES = 1000;

const onLocalStack = async () => {
  const { startLocalStack } = await import('../local/stack.ts');
  const { adminToken, enforcerToken } = await import('../scripts/token.ts');
  const stack = await startLocalStack({ logs: 'file' });
  try {
    await fetch(`${stack.url}/local/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ now: '2026-06-01T08:00:00Z' }) });
    // 10,000 members written straight into the table (seats included): the webhooks would take minutes.
    const raw = new DynamoDBClient({ endpoint: stack.dynamoDbEndpoint, region: 'cn-north-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const db = DynamoDBDocumentClient.from(raw);
    // The main table (the file log has one of its own).
    const table = stack.resourceName('StorageTable');
    const items = members().map((m) => ({
      PK: 'CORP#bench',
      SK: `MEMBER#${m.memberId}`,
      corpId: 'bench',
      memberId: m.memberId,
      name: m.name,
      departmentId: m.departmentId,
      memberStatus: m.departed ? 'departed' : 'active',
      ...(m.seat && { seat: { allocationId: `a-${m.memberId}`, allocatedAt: '2026-05-01T00:00:00Z', revocableUntil: '2026-05-08T00:00:00Z' } }),
    }));
    for (let i = 0; i < items.length; i += 25) {
      await db.send(new BatchWriteCommand({ RequestItems: { [table!]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
    }
    const admin = await adminToken('bench');
    const enforcer = await enforcerToken('bench');
    const put = async (type: string, body: unknown) => {
      const response = await fetch(`${stack.url}/corps/bench/policies/${type}`, { method: 'PUT', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (response.status !== 200) throw new Error(`PUT ${type} answered ${response.status}: ${await response.text()}`);
    };
    for (const { type, ...body } of policyStates) await put(type, body);
    const decide = async (batch: DecisionRequest[]) => {
      const response = await fetch(`${stack.url}/corps/bench/decisions`, { method: 'POST', headers: { authorization: `Bearer ${enforcer}`, 'content-type': 'application/json' }, body: JSON.stringify({ requests: batch }) });
      if (response.status !== 200) throw new Error(`decisions answered ${response.status}`);
      return (await response.json()) as { results: { decision: string; reasons: string[] }[] };
    };
    const timedBatches = async (count: number, make: () => DecisionRequest[]) => {
      const samples: number[] = [];
      for (let i = 0; i < count; i++) {
        const batch = make();
        const start = performance.now();
        await decide(batch);
        samples.push(performance.now() - start);
      }
      const sorted = samples.sort((a, b) => a - b);
      const at = (p: number) => +sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!.toFixed(2);
      return { count, p50Ms: at(0.5), p90Ms: at(0.9), p99Ms: at(0.99) };
    };
    // The stack's own cost of a call, and of one that reads only the epoch (the engine cached), to read the figures by.
    const timedCalls = async (count: number, call: () => Promise<Response>) => {
      const samples: number[] = [];
      for (let i = 0; i < count; i++) {
        const start = performance.now();
        const response = await call();
        await response.arrayBuffer();
        samples.push(performance.now() - start);
      }
      const sorted = samples.sort((a, b) => a - b);
      const at = (p: number) => +sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!.toFixed(2);
      return { count, p50Ms: at(0.5), p90Ms: at(0.9), p99Ms: at(0.99) };
    };
    const withoutLogins = ACTIONS.filter((action) => action !== 'login');
    // First calls compile the corp in each container; they are timed apart.
    const cold = await timedBatches(3, () => requests(100, withoutLogins));
    // Steady state: DynamoDB Local's JVM (C1 only) and the container's V8 reach their compiled code over
    // the first thousands of calls; a deployed function serving decisions is there after seconds.
    const freshJit = await timedBatches(300, () => requests(100, withoutLogins));
    await timedBatches(WARM_UP_BATCHES, () => requests(100, withoutLogins));
    const timesBefore = processTimes();
    const batches = await timedBatches(TIMED_BATCHES, () => requests(100, withoutLogins));
    const cpuPerBatch = perBatch(timesBefore, processTimes(), TIMED_BATCHES);
    // Desktop logins also register their devices (one UpdateItem per device, in parallel).
    const withLogins = await timedBatches(200, () => requests(100));
    const health = await timedCalls(TIMED_BATCHES, () => fetch(`${stack.url}/health`));
    const clientPolicy = await timedCalls(TIMED_BATCHES, () => fetch(`${stack.url}/corps/bench/members/m-7/client-policy?platform=ios`, { headers: { authorization: `Bearer ${enforcer}` } }));

    // The one read every batch makes, straight from this process to DynamoDB Local: no router, sandbox or endpoint.
    const epochKeys = [{ PK: 'CORP#bench', SK: 'POLICY_EPOCH' }, { PK: 'CORP#bench', SK: 'POOL' }];
    const epochReadDirect = await timedCalls(TIMED_BATCHES, async () => {
      await db.send(new BatchGetCommand({ RequestItems: { [table!]: { Keys: epochKeys, ConsistentRead: true } } }));
      return new Response();
    });

    // A change is visible when the next decision after the PUT's answer shows it; measured to the first such answer.
    const probe: DecisionRequest = { action: 'share.wechat', memberId: 'm-7', context: { platform: 'android' } };
    const delays: number[] = [];
    let decisionsNeeded = 0;
    for (let i = 0; i < 20; i++) {
      const block = i % 2 === 0 ? false : true;
      await put('external-sharing', { enabled: true, scope, settings: { blockShareToWeChat: block, blockOpenInOtherApp: true } });
      const returned = performance.now();
      for (let tries = 1; ; tries++) {
        const [result] = (await decide([probe])).results;
        if ((result!.decision === 'deny') === block) {
          delays.push(performance.now() - returned);
          decisionsNeeded = Math.max(decisionsNeeded, tries);
          break;
        }
        if (tries > 1000) throw new Error('policy change never reached decisions');
      }
    }
    const sortedDelays = delays.sort((a, b) => a - b);
    return {
      health,
      clientPolicy,
      epochReadDirectToDynamoDbLocal: epochReadDirect,
      warmUpBatches: WARM_UP_BATCHES,
      decisionsBatchOf100: batches,
      decisionsBatchOf100FreshJit: freshJit,
      decisionsBatchOf100CpuPerBatch: cpuPerBatch,
      decisionsBatchOf100WithDesktopLogins: withLogins,
      firstBatchesCompilingMs: cold,
      policyChangeVisibleMs: { p50: +sortedDelays[9]!.toFixed(1), max: +sortedDelays.at(-1)!.toFixed(1), decisionsNeeded },
    };
  } finally {
    await stack.stop();
  }
};

const local = { inProcess: inProcess(), memory: memory() };
console.log(JSON.stringify(local, null, 2));
const figures = { ...local, localStack: await onLocalStack() };
const setup = { members: MEMBERS, departments: DEPARTMENTS, scope: { members: SCOPE_MEMBERS, departments: SCOPE_DEPARTMENTS }, cidrsPerAllowlist: CIDRS, typesEnabled: 8 };
console.log(JSON.stringify({ setup, ...figures }, null, 2));
recordSection('policies', { setup, ...figures });
