import type { Instant } from '../time.ts';

/** The eight policy types of the add-on (contract v2), in the contract's order. */
export const POLICY_TYPES = [
  'file-leak-prevention',
  'visible-watermark',
  'dark-watermark',
  'devices',
  'screen-capture',
  'external-sharing',
  'second-verification',
  'ip-access',
] as const;
export type PolicyType = (typeof POLICY_TYPES)[number];

export const isPolicyType = (value: string): value is PolicyType => (POLICY_TYPES as readonly string[]).includes(value);

/** Where a watermark shows. */
export const SURFACES = ['chat', 'contacts', 'doc', 'drive', 'mail', 'calendar', 'app', 'web'] as const;
export type Surface = (typeof SURFACES)[number];
/** The visible watermark of a member without a seat (the basic behaviour) shows on these only. */
const BASIC_SURFACES: readonly Surface[] = ['chat', 'contacts'];

/** The basic behaviour: without a seat only the visible watermark applies, and only on the basic surfaces. */
export const appliesWithoutSeat = (type: PolicyType): boolean => type === 'visible-watermark';
export const basicSurfaces = (surfaces: readonly Surface[]): Surface[] => surfaces.filter((surface) => BASIC_SURFACES.includes(surface));

export const PLATFORMS = ['windows', 'mac', 'linux', 'ios', 'android', 'web'] as const;
export type Platform = (typeof PLATFORMS)[number];
/** The `devices` rules and the device registry cover desktop clients on these only. */
export const DESKTOP_PLATFORMS: readonly Platform[] = ['windows', 'mac'];
/** Screen capture can be controlled on these only. */
export const MOBILE_PLATFORMS: readonly Platform[] = ['ios', 'android'];

export type Settings = {
  'file-leak-prevention': { blockExternalShare: boolean; blockDownload: boolean; trustedDeviceDownloadOnly: boolean; minClientVersion: string };
  'visible-watermark': { surfaces: Surface[]; text: string };
  'dark-watermark': { surfaces: Surface[] };
  devices: { trustedDeviceLoginOnly: boolean; enterpriseDeviceOwnCorpOnly: boolean };
  'screen-capture': { screenshot: 'allow' | 'block' | 'log'; screenRecording: 'allow' | 'block' };
  'external-sharing': { blockShareToWeChat: boolean; blockOpenInOtherApp: boolean };
  /** `url` is null only in the default of a corp that never set the policy (a PUT must name one). */
  'second-verification': { url: string | null; afterBackgroundSeconds: number };
  /** An empty list sets no limit. */
  'ip-access': { mail: string[]; drive: string[] };
};

/** The union of listed members and departments, or everyone. */
export type Scope = { all: true } | { memberIds: string[]; departmentIds: string[] };
export const MAX_SCOPE_IDS = 1000;

/** What an admin sets. */
export type PolicyState<T extends PolicyType = PolicyType> = { type: T; enabled: boolean; scope: Scope; settings: Settings[T] };
/** A policy as stored and answered; version 0 is the default of a type never set. */
export type Policy<T extends PolicyType = PolicyType> = PolicyState<T> & { version: number; changedBy: string | null; changedAt: Instant | null };
export type PoliciesByType = { [T in PolicyType]: Policy<T> };

const DEFAULT_SETTINGS: { [T in PolicyType]: Settings[T] } = {
  'file-leak-prevention': { blockExternalShare: false, blockDownload: false, trustedDeviceDownloadOnly: false, minClientVersion: '4.1.2' },
  'visible-watermark': { surfaces: [...SURFACES], text: '{name} {memberId} {date}' },
  'dark-watermark': { surfaces: [...SURFACES] },
  devices: { trustedDeviceLoginOnly: false, enterpriseDeviceOwnCorpOnly: false },
  'screen-capture': { screenshot: 'allow', screenRecording: 'allow' },
  'external-sharing': { blockShareToWeChat: false, blockOpenInOtherApp: false },
  'second-verification': { url: null, afterBackgroundSeconds: 0 },
  'ip-access': { mail: [], drive: [] },
};

/** A type never set: disabled, covering no one, default settings. */
export const defaultPolicy = <T extends PolicyType>(type: T): Policy<T> => ({
  type,
  enabled: false,
  scope: { memberIds: [], departmentIds: [] },
  settings: structuredClone(DEFAULT_SETTINGS[type]),
  version: 0,
  changedBy: null,
  changedAt: null,
});

/** Every type, the stored policy where there is one, the default elsewhere. */
export const withDefaults = (stored: readonly Policy[]): PoliciesByType => {
  const byType = Object.fromEntries(POLICY_TYPES.map((type) => [type, defaultPolicy(type)])) as Record<PolicyType, Policy>;
  for (const policy of stored) byType[policy.type] = policy;
  return byType as PoliciesByType;
};

/** What a member is to the policies: who they are, their department, whether they hold a seat now. */
export type PolicyMember = { memberId: string; name: string; departmentId: string | null; seat: boolean; departed: boolean };

export type DeviceKind = 'personal' | 'enterprise';
export type DeviceTrust = { deviceId: string; trusted: boolean; kind: DeviceKind };
