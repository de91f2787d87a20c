import { createHash } from 'node:crypto';
import { countMetric } from '#commons/metrics';
import { DomainError } from '#core/errors';
import { decisionFacts, PolicyEngine, type ClientPolicy, type Decision, type DecisionRequest } from '#core/policies/engine';
import { DESKTOP_PLATFORMS, withDefaults, type DeviceTrust, type PoliciesByType, type Platform, type PolicyMember } from '#core/policies/model';
import { formatInstant } from '#core/time';
import type { PolicyEpoch } from '#ports/policies';
import type { Ports } from '#ports/ports';
import { toPolicyMember } from './policies.ts';

type DecisionPorts = Pick<Ports, 'policies' | 'members' | 'devices' | 'clock'>;

type Compiled = { epoch: PolicyEpoch; policies: PoliciesByType; members: PolicyMember[]; devices: DeviceTrust[]; engine: PolicyEngine };

/**
 * Compiled engines of this container, per corp. Each use reads the corp's epoch (one consistent
 * read of two small items) and rebuilds only from the parts that changed, so a policy, member,
 * seat or device change is seen by the next decision after it returned.
 */
const engines = new Map<string, Compiled>();
const MAX_CACHED_CORPS = 64;

const engineFor = async (ports: DecisionPorts, corpId: string): Promise<PolicyEngine> => {
  const epoch = await ports.policies.readEpoch(corpId);
  const cached = engines.get(corpId);
  if (
    cached &&
    cached.epoch.policies === epoch.policies &&
    cached.epoch.members === epoch.members &&
    cached.epoch.seats === epoch.seats &&
    cached.epoch.devices === epoch.devices
  ) {
    return cached.engine;
  }
  const [policies, members, devices] = await Promise.all([
    cached?.epoch.policies === epoch.policies ? cached.policies : ports.policies.listPolicies(corpId).then(withDefaults),
    cached?.epoch.members === epoch.members && cached.epoch.seats === epoch.seats
      ? cached.members
      : ports.members.allMembers(corpId).then((all) => all.map(toPolicyMember)),
    cached?.epoch.devices === epoch.devices ? cached.devices : ports.devices.allDevices(corpId),
  ]);
  const engine = PolicyEngine.compile({ corpId, policies, members, devices });
  engines.delete(corpId);
  if (engines.size >= MAX_CACHED_CORPS) engines.delete(engines.keys().next().value!);
  engines.set(corpId, { epoch, policies, members, devices, engine });
  return engine;
};

const isDesktopLogin = (request: DecisionRequest): request is DecisionRequest & { context: { deviceId: string } } =>
  request.action === 'login' && request.context.deviceId !== undefined && DESKTOP_PLATFORMS.includes(request.context.platform);

/**
 * Devices another corp marked enterprise while its `devices` policy is enabled with
 * enterpriseDeviceOwnCorpOnly (its scope does not matter). Two reads, and only for desktop logins.
 */
const enterpriseElsewhere = async (ports: DecisionPorts, corpId: string, deviceIds: string[]): Promise<Set<string>> => {
  if (deviceIds.length === 0) return new Set();
  const owners = await ports.devices.enterpriseOwners(deviceIds);
  const others = [...new Set([...owners.values()].flat().filter((owner) => owner !== corpId))];
  if (others.length === 0) return new Set();
  const policies = await ports.policies.getPolicyOfCorps(others, 'devices');
  const enforcing = new Set(others.filter((owner) => {
    const policy = policies.get(owner);
    return policy?.enabled === true && policy.settings.enterpriseDeviceOwnCorpOnly;
  }));
  return new Set([...owners].filter(([, corps]) => corps.some((owner) => enforcing.has(owner))).map(([deviceId]) => deviceId));
};

/**
 * A batch of decisions, in order. Every desktop login, allowed or denied, registers its device
 * (platform, member) before the answer goes out.
 */
export const decide = async (ports: DecisionPorts, corpId: string, requests: DecisionRequest[]): Promise<Decision[]> => {
  const logins = requests.filter(isDesktopLogin);
  const [engine, elsewhere] = await Promise.all([
    engineFor(ports, corpId),
    enterpriseElsewhere(ports, corpId, logins.map((request) => request.context.deviceId)),
  ]);
  const now = ports.clock.now();
  const facts = decisionFacts(now, elsewhere);
  const results = requests.map((request) => engine.decide(request, facts));
  const allowed = results.filter((result) => result.decision === 'allow').length;
  if (allowed) countMetric('Decisions', { result: 'allow' }, allowed);
  if (results.length > allowed) countMetric('Decisions', { result: 'deny' }, results.length - allowed);
  if (logins.length > 0) {
    await ports.devices.recordLogins(
      corpId,
      logins.map((request) => ({ deviceId: request.context.deviceId, platform: request.context.platform, memberId: request.memberId })),
      formatInstant(now),
    );
  }
  return results;
};

export type VersionedClientPolicy = ClientPolicy & { version: string };

/** The client bundle; its version (and ETag) is a digest of its content, so it changes only when the bundle does. */
export const clientPolicyOf = async (ports: DecisionPorts, corpId: string, memberId: string, platform: Platform): Promise<VersionedClientPolicy> => {
  const bundle = (await engineFor(ports, corpId)).clientPolicy(memberId, platform);
  if (bundle === 'MEMBER_NOT_FOUND') throw new DomainError('MEMBER_NOT_FOUND', `No member ${memberId} in corp ${corpId}.`, { memberId });
  if (bundle === 'MEMBER_DEPARTED') throw new DomainError('MEMBER_DEPARTED', `${memberId} has left corp ${corpId}.`, { memberId });
  const version = createHash('sha256').update(JSON.stringify(bundle)).digest('base64url').slice(0, 22);
  return { version, ...bundle };
};
