import type { DeviceKind, DeviceTrust, Platform, Policy, PolicyType } from '#core/policies/model';
import type { Instant } from '#core/time';
import type { Page, PageRequest } from './stores.ts';

export type PolicyVersion = { version: number; changedBy: string; changedAt: Instant; policy: Policy };

/**
 * What a corp's compiled policies were made from, as counters: each policy change, member change
 * (profile, departure) and device trust change bumps its own, and `seats` is the pool's count of seat
 * grants and releases. Equal epochs: the compiled engine is current.
 */
export type PolicyEpoch = { policies: number; members: number; devices: number; seats: number };

export interface PolicyBook {
  /** The policies a corp has set (types never set are absent). */
  listPolicies(corpId: string): Promise<Policy[]>;
  getPolicy<T extends PolicyType>(corpId: string, type: T): Promise<Policy<T> | null>;
  /** One type's policy in each of several corps (the enterprise-device rule spans corps). */
  getPolicyOfCorps<T extends PolicyType>(corpIds: readonly string[], type: T): Promise<Map<string, Policy<T>>>;
  /**
   * Stores `policy` (its version is the next) with its history line and bumps the epoch, if the stored
   * version is still `previousVersion` (0: never set); false when another change landed first.
   */
  savePolicy(corpId: string, policy: Policy, previousVersion: number): Promise<boolean>;
  listVersions(corpId: string, type: PolicyType, page: PageRequest): Promise<Page<PolicyVersion>>;
  /** Strongly consistent, so a change that returned is seen by the next read. */
  readEpoch(corpId: string): Promise<PolicyEpoch>;
}

export type Device = DeviceTrust & { platform: Platform; memberIds: string[]; firstSeenAt: Instant; lastSeenAt: Instant };
export type DeviceLogin = { deviceId: string; platform: Platform; memberId: string };

export interface DeviceRegistry {
  /** Records desktop logins: a device seen for the first time is untrusted and personal. */
  recordLogins(corpId: string, logins: readonly DeviceLogin[], at: Instant): Promise<void>;
  listDevices(corpId: string, memberId: string | null, page: PageRequest): Promise<Page<Device>>;
  /** Trust and kind of every device the corp has seen, for the engine. */
  allDevices(corpId: string): Promise<DeviceTrust[]>;
  /**
   * Sets a device's trust and kind, its cross-corp enterprise mark and the corp's epoch together;
   * null when the corp never saw the device.
   */
  setDevice(corpId: string, deviceId: string, trust: { trusted: boolean; kind: DeviceKind }): Promise<Device | null>;
  /** For each device, the corps that marked it enterprise (devices no corp marked are absent). */
  enterpriseOwners(deviceIds: readonly string[]): Promise<Map<string, string[]>>;
}
