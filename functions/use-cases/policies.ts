import { DomainError } from '#core/errors';
import { effectivePolicies, type EffectivePolicies } from '#core/policies/effective';
import { isPolicyType, POLICY_TYPES, withDefaults, type DeviceKind, type Policy, type PolicyMember, type PolicyState, type PolicyType } from '#core/policies/model';
import { formatInstant } from '#core/time';
import { logger } from '#commons/logger';
import type { Device, PolicyVersion } from '#ports/policies';
import type { Ports } from '#ports/ports';
import type { Member, Page, PageRequest } from '#ports/stores';

/** An unknown type is a missing resource (404), told before the body is looked at. */
export const policyTypeOf = (type: string): PolicyType => {
  if (!isPolicyType(type)) {
    throw new DomainError('POLICY_TYPE_NOT_FOUND', `No policy type ${type}; the types are ${POLICY_TYPES.join(', ')}.`, { policyType: type });
  }
  return type;
};

export const toPolicyMember = (member: Member): PolicyMember => ({
  memberId: member.memberId,
  name: member.name,
  departmentId: member.departmentId,
  seat: member.status === 'active' && member.seat !== null,
  departed: member.status === 'departed',
});

/** Every type, defaults (version 0, disabled) for those never set, in the contract's order. */
export const listPolicies = async (ports: Pick<Ports, 'policies'>, corpId: string): Promise<Policy[]> => {
  const byType = withDefaults(await ports.policies.listPolicies(corpId));
  return POLICY_TYPES.map((type) => byType[type]);
};

export const getPolicy = async (ports: Pick<Ports, 'policies'>, corpId: string, type: PolicyType): Promise<Policy> => {
  const stored = await ports.policies.getPolicy(corpId, type);
  return withDefaults(stored ? [stored] : [])[type];
};

const versionMismatch = (type: PolicyType, current: number) =>
  new DomainError('VERSION_MISMATCH', `The ${type} policy is at version ${current}; read it again and send If-Match: "${current}".`, { currentVersion: current });

/**
 * Sets a policy as its next version, kept in its history. With `ifMatch` (the version the admin
 * read; 0 for a type never set) a policy changed since answers VERSION_MISMATCH and nothing changes;
 * without, the write goes on top of whatever is current.
 */
export const putPolicy = async (
  ports: Pick<Ports, 'policies' | 'clock'>,
  corpId: string,
  state: PolicyState,
  adminId: string,
  ifMatch: number | null,
): Promise<Policy> => {
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = (await ports.policies.getPolicy(corpId, state.type))?.version ?? 0;
    if (ifMatch !== null && ifMatch !== current) throw versionMismatch(state.type, current);
    const policy = { ...state, version: current + 1, changedBy: adminId, changedAt: formatInstant(ports.clock.now()) } as Policy;
    if (await ports.policies.savePolicy(corpId, policy, current)) {
      logger.info('policy set', { corpId, type: state.type, version: policy.version, enabled: policy.enabled, adminId });
      return policy;
    }
    if (ifMatch !== null) throw versionMismatch(state.type, (await ports.policies.getPolicy(corpId, state.type))?.version ?? 0);
  }
  throw new DomainError('CONFLICT', `The ${state.type} policy kept changing; send the change again.`);
};

export const listPolicyVersions = (ports: Pick<Ports, 'policies'>, corpId: string, type: PolicyType, page: PageRequest): Promise<Page<PolicyVersion>> =>
  ports.policies.listVersions(corpId, type, page);

export const effectivePolicyOf = async (ports: Pick<Ports, 'policies' | 'members'>, corpId: string, memberId: string): Promise<EffectivePolicies> => {
  const [member, stored] = await Promise.all([ports.members.getMember(corpId, memberId), ports.policies.listPolicies(corpId)]);
  if (!member) throw new DomainError('MEMBER_NOT_FOUND', `No member ${memberId} in corp ${corpId}.`, { memberId });
  return effectivePolicies(withDefaults(stored), toPolicyMember(member));
};

export const listDevices = (ports: Pick<Ports, 'devices'>, corpId: string, memberId: string | null, page: PageRequest): Promise<Page<Device>> =>
  ports.devices.listDevices(corpId, memberId, page);

/** Trust and kind, set by an admin; a device this corp never saw at a login is DEVICE_NOT_FOUND. */
export const setDevice = async (ports: Pick<Ports, 'devices'>, corpId: string, deviceId: string, trust: { trusted: boolean; kind: DeviceKind }): Promise<Device> => {
  const device = await ports.devices.setDevice(corpId, deviceId, trust);
  if (!device) throw new DomainError('DEVICE_NOT_FOUND', `Corp ${corpId} never saw device ${deviceId} at a login.`, { deviceId });
  logger.info('device set', { corpId, deviceId, ...trust });
  return device;
};
