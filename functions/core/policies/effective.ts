import { appliesWithoutSeat, basicSurfaces, POLICY_TYPES, type PoliciesByType, type Policy, type PolicyMember, type PolicyType, type Scope, type Settings } from './model.ts';

export type EffectiveReason = 'NO_SEAT' | 'DISABLED' | 'OUT_OF_SCOPE' | 'IN_SCOPE';
export type Effective<T extends PolicyType = PolicyType> = { applies: boolean; reason: EffectiveReason; settings: Settings[T] | null };
export type EffectivePolicies = { [T in PolicyType]: Effective<T> };

export const covers = (scope: Scope, member: Pick<PolicyMember, 'memberId' | 'departmentId'>): boolean =>
  'all' in scope ||
  scope.memberIds.includes(member.memberId) ||
  (member.departmentId !== null && scope.departmentIds.includes(member.departmentId));

/** A departed member's seat went back to the pool: only an active member holding one gets the advanced features. */
export const holdsSeat = (member: Pick<PolicyMember, 'seat' | 'departed'>): boolean => member.seat && !member.departed;

/**
 * The first reason that holds of NO_SEAT, DISABLED, OUT_OF_SCOPE, else IN_SCOPE. The visible
 * watermark skips NO_SEAT: without a seat it is the basic behaviour, on `chat` and `contacts` only.
 */
const effectivePolicy = <T extends PolicyType>(policy: Policy<T>, member: PolicyMember): Effective<T> => {
  const seat = holdsSeat(member);
  if (!seat && !appliesWithoutSeat(policy.type)) return { applies: false, reason: 'NO_SEAT', settings: null };
  if (!policy.enabled) return { applies: false, reason: 'DISABLED', settings: null };
  if (!covers(policy.scope, member)) return { applies: false, reason: 'OUT_OF_SCOPE', settings: null };
  if (!seat) {
    const settings = policy.settings as Settings['visible-watermark'];
    return { applies: true, reason: 'IN_SCOPE', settings: { ...settings, surfaces: basicSurfaces(settings.surfaces) } as Settings[T] };
  }
  return { applies: true, reason: 'IN_SCOPE', settings: policy.settings };
};

export const effectivePolicies = (policies: PoliciesByType, member: PolicyMember): EffectivePolicies =>
  Object.fromEntries(POLICY_TYPES.map((type) => [type, effectivePolicy(policies[type], member)])) as EffectivePolicies;

/**
 * The dark watermark's embed and overlay: a corp that never set the policy (version 0) keeps the v1
 * rule, a seat alone; once set, the policy must apply to the member, and on the surface when one is named.
 */
export const darkWatermarkEntitled = (policy: Policy<'dark-watermark'>, member: PolicyMember, surface: string | null): boolean => {
  if (policy.version === 0) return holdsSeat(member);
  const effective = effectivePolicy(policy, member);
  return effective.applies && (surface === null || (effective.settings!.surfaces as string[]).includes(surface));
};
