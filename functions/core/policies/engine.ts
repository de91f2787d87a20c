import { CidrSet, parseIp } from './cidr.ts';
import { holdsSeat } from './effective.ts';
import {
  appliesWithoutSeat,
  basicSurfaces,
  DESKTOP_PLATFORMS,
  MOBILE_PLATFORMS,
  POLICY_TYPES,
  type DeviceTrust,
  type Platform,
  type PoliciesByType,
  type PolicyMember,
  type PolicyType,
  type Settings,
  type Surface,
} from './model.ts';
import { isOlderThan, parseClientVersion } from './version.ts';

export const ACTIONS = [
  'file.share',
  'file.download',
  'file.export',
  'file.preview',
  'login',
  'mail.access',
  'drive.access',
  'screenshot',
  'screen.record',
  'share.wechat',
  'open.in.other.app',
] as const;
export type Action = (typeof ACTIONS)[number];

/** The contract's stable codes, in its order; a result lists its reasons in this order. */
export const REASON_CODES = [
  'EXTERNAL_SHARE_BLOCKED',
  'DOWNLOAD_BLOCKED',
  'UNTRUSTED_DEVICE',
  'CLIENT_TOO_OLD',
  'ENTERPRISE_DEVICE_OTHER_CORP',
  'IP_NOT_ALLOWED',
  'SCREENSHOT_BLOCKED',
  'SCREEN_RECORDING_BLOCKED',
  'SHARE_TO_WECHAT_BLOCKED',
  'OPEN_IN_OTHER_APP_BLOCKED',
  'NO_SEAT',
  'PLATFORM_NOT_COVERED',
  'MEMBER_NOT_FOUND',
  'MEMBER_DEPARTED',
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];

export type DecisionRequest = {
  action: Action;
  memberId: string;
  resource?: { fileId?: string; ownerId?: string; ownerCorpId?: string };
  context: {
    platform: Platform;
    clientVersion?: string;
    deviceId?: string;
    ip?: string;
    surface?: Surface;
    recipientCorpIds?: string[];
  };
};

export type Obligation =
  | { type: 'log' }
  | { type: 'visible-watermark'; text: string }
  | { type: 'dark-watermark' }
  | { type: 'second-verification'; url: string };

export type Decision = { decision: 'allow' | 'deny'; reasons: ReasonCode[]; obligations: Obligation[] };

/**
 * What a decision needs beyond the corp's own policies: the date for watermark text (Asia/Shanghai,
 * the suite's business day) and the devices another corp marked enterprise under its own
 * `enterpriseDeviceOwnCorpOnly` (the one rule that spans corps; the caller looks them up).
 */
export type DecisionFacts = { date: string; enterpriseElsewhere: ReadonlySet<string> };

const SHANGHAI_OFFSET_MS = 8 * 3600_000;
export const decisionFacts = (now: Date, enterpriseElsewhere: ReadonlySet<string> = new Set()): DecisionFacts => ({
  date: new Date(now.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10),
  enterpriseElsewhere,
});

/** Watermark text placeholders, filled per decision. */
const PLACEHOLDER = /(\{name\}|\{memberId\}|\{date\})/;

export type ClientPolicy = {
  screenshot: 'allow' | 'block' | 'log';
  screenRecording: 'allow' | 'block';
  blockShareToWeChat: boolean;
  blockOpenInOtherApp: boolean;
  secondVerification: { url: string; afterBackgroundSeconds: number } | null;
  visibleWatermark: { surfaces: Surface[]; text: string } | null;
  darkWatermark: { surfaces: Surface[] } | null;
};

type FileRules = Settings['file-leak-prevention'] & { minimum: number[] };
type VisibleMark = { surfaces: Surface[]; surfaceSet: ReadonlySet<string>; parts: string[]; text: string };

/** The policies that apply to one kind of member (which types cover them, seat or not), shared by all such members. */
type Profile = {
  files: FileRules | null;
  visible: VisibleMark | null;
  dark: { surfaces: Surface[]; surfaceSet: ReadonlySet<string> } | null;
  devices: Settings['devices'] | null;
  screen: Settings['screen-capture'] | null;
  sharing: Settings['external-sharing'] | null;
  verification: Settings['second-verification'] | null;
  /** null: no limit for that service. */
  ip: { mail: CidrSet | null; drive: CidrSet | null } | null;
};

type Entry = { memberId: string; name: string; seat: boolean; departed: boolean; profile: Profile };

const DENY_MEMBER_NOT_FOUND: Decision = Object.freeze({ decision: 'deny', reasons: ['MEMBER_NOT_FOUND'], obligations: [] }) as Decision;
const DENY_MEMBER_DEPARTED: Decision = Object.freeze({ decision: 'deny', reasons: ['MEMBER_DEPARTED'], obligations: [] }) as Decision;
const LOG: Obligation = Object.freeze({ type: 'log' });
const DARK: Obligation = Object.freeze({ type: 'dark-watermark' });

const isDesktop = (platform: Platform) => DESKTOP_PLATFORMS.includes(platform);
const isMobile = (platform: Platform) => MOBILE_PLATFORMS.includes(platform);

/**
 * A corp's policies compiled for decisions with no I/O: every member maps to a shared profile of
 * the settings that apply to them (precomputed from scopes, departments and seats), allowlists are
 * parsed into sorted ranges, version minimums into numbers. Built again when anything it was made
 * from changes (the caller watches the corp's policy epoch).
 */
export class PolicyEngine {
  private constructor(
    readonly corpId: string,
    private readonly members: ReadonlyMap<string, Entry>,
    private readonly trustedDevices: ReadonlySet<string>,
  ) {}

  static compile(input: { corpId: string; policies: PoliciesByType; members: Iterable<PolicyMember>; devices: Iterable<DeviceTrust> }): PolicyEngine {
    const { policies } = input;
    const scopes = POLICY_TYPES.map((type) => {
      const { enabled, scope } = policies[type];
      return {
        enabled,
        all: 'all' in scope,
        members: new Set('all' in scope ? [] : scope.memberIds),
        departments: new Set('all' in scope ? [] : scope.departmentIds),
      };
    });
    // Parsed once per policy, shared by every profile that carries it.
    const flp = policies['file-leak-prevention'].settings;
    const files: FileRules = { ...flp, minimum: parseClientVersion(flp.minClientVersion) ?? [] };
    const ipSettings = policies['ip-access'].settings;
    const ip = {
      mail: ipSettings.mail.length > 0 ? new CidrSet(ipSettings.mail) : null,
      drive: ipSettings.drive.length > 0 ? new CidrSet(ipSettings.drive) : null,
    };
    const visibleSettings = policies['visible-watermark'].settings;
    const visibleMark = (surfaces: Surface[]): VisibleMark => ({
      surfaces,
      surfaceSet: new Set(surfaces),
      parts: visibleSettings.text.split(PLACEHOLDER),
      text: visibleSettings.text,
    });
    const seatMark = visibleMark(visibleSettings.surfaces);
    const basicMark = visibleMark(basicSurfaces(visibleSettings.surfaces));
    const darkSurfaces = policies['dark-watermark'].settings.surfaces;
    const dark = { surfaces: darkSurfaces, surfaceSet: new Set<string>(darkSurfaces) };

    const profiles = new Map<number, Profile>();
    const profileOf = (applying: number, seat: boolean): Profile => {
      const key = applying * 2 + (seat ? 1 : 0);
      let profile = profiles.get(key);
      if (!profile) {
        const on = (type: PolicyType) => (applying & (1 << POLICY_TYPES.indexOf(type))) !== 0;
        profile = {
          files: on('file-leak-prevention') ? files : null,
          visible: on('visible-watermark') ? (seat ? seatMark : basicMark) : null,
          dark: on('dark-watermark') ? dark : null,
          devices: on('devices') ? policies.devices.settings : null,
          screen: on('screen-capture') ? policies['screen-capture'].settings : null,
          sharing: on('external-sharing') ? policies['external-sharing'].settings : null,
          verification: on('second-verification') ? policies['second-verification'].settings : null,
          ip: on('ip-access') ? ip : null,
        };
        profiles.set(key, profile);
      }
      return profile;
    };

    const members = new Map<string, Entry>();
    for (const member of input.members) {
      const seat = holdsSeat(member);
      let applying = 0;
      scopes.forEach((scope, i) => {
        if (!seat && !appliesWithoutSeat(POLICY_TYPES[i]!)) return;
        const covered =
          scope.all || scope.members.has(member.memberId) || (member.departmentId !== null && scope.departments.has(member.departmentId));
        if (scope.enabled && covered) applying |= 1 << i;
      });
      members.set(member.memberId, { memberId: member.memberId, name: member.name, seat, departed: member.departed, profile: profileOf(applying, seat) });
    }
    const trusted = new Set<string>();
    for (const device of input.devices) if (device.trusted) trusted.add(device.deviceId);
    return new PolicyEngine(input.corpId, members, trusted);
  }

  get memberCount(): number {
    return this.members.size;
  }

  decide(request: DecisionRequest, facts: DecisionFacts): Decision {
    const { action, context } = request;
    const entry = this.members.get(request.memberId);
    const isFile = action.startsWith('file.');
    if (!entry) {
      // A member of another corp acting on one of this corp's files is judged by the file's rules.
      const visitor = isFile && request.resource?.ownerCorpId === this.corpId && request.resource.ownerId !== undefined;
      if (!visitor) return DENY_MEMBER_NOT_FOUND;
    } else if (entry.departed) {
      return DENY_MEMBER_DEPARTED;
    }
    const profile = entry?.profile ?? null;
    const reasons: ReasonCode[] = [];
    let log = false;

    switch (action) {
      case 'file.share':
      case 'file.download':
      case 'file.export':
      case 'file.preview': {
        const ownerCorpId = request.resource?.ownerCorpId ?? this.corpId;
        // A file of another corp is under that corp's policies, not these.
        const ownerId = ownerCorpId === this.corpId ? (request.resource?.ownerId ?? request.memberId) : null;
        const owner = ownerId === null ? undefined : this.members.get(ownerId);
        const rules = owner?.departed === false ? owner.profile.files : null;
        if (rules) {
          // A member of another corp (no entry here) may not preview such a file, nor so take it any other way.
          if (rules.blockExternalShare && (!entry || (action === 'file.share' && (context.recipientCorpIds ?? []).some((corpId) => corpId !== ownerCorpId)))) {
            reasons.push('EXTERNAL_SHARE_BLOCKED');
          }
          if (rules.blockDownload && (action === 'file.download' || action === 'file.export') && request.memberId !== ownerId) {
            reasons.push('DOWNLOAD_BLOCKED');
          }
          if (rules.trustedDeviceDownloadOnly && action === 'file.download' && !(entry && this.isTrusted(context.deviceId))) {
            reasons.push('UNTRUSTED_DEVICE');
          }
          if (isOlderThan(context.clientVersion, rules.minimum)) reasons.push('CLIENT_TOO_OLD');
        }
        log = rules !== null || profile?.files != null;
        break;
      }
      case 'login': {
        const devices = profile?.devices;
        if (isDesktop(context.platform)) {
          if (devices?.trustedDeviceLoginOnly && !this.isTrusted(context.deviceId)) reasons.push('UNTRUSTED_DEVICE');
          if (context.deviceId !== undefined && facts.enterpriseElsewhere.has(context.deviceId)) reasons.push('ENTERPRISE_DEVICE_OTHER_CORP');
        } else if (devices?.trustedDeviceLoginOnly) {
          return this.allow(entry!, ['PLATFORM_NOT_COVERED'], false, request, facts);
        }
        break;
      }
      case 'mail.access':
      case 'drive.access': {
        const allowlist = profile?.ip?.[action === 'mail.access' ? 'mail' : 'drive'];
        if (allowlist) {
          // No address to check: fail closed.
          const address = context.ip === undefined ? null : parseIp(context.ip);
          if (!address || !allowlist.contains(address)) reasons.push('IP_NOT_ALLOWED');
        }
        break;
      }
      case 'screenshot': {
        // Screen capture is controlled on iOS and Android only: elsewhere it is allowed as not covered, whatever the setting.
        if (!isMobile(context.platform)) return this.allow(entry!, ['PLATFORM_NOT_COVERED'], false, request, facts);
        const setting = profile?.screen?.screenshot ?? 'allow';
        if (context.platform === 'android' && setting === 'block') reasons.push('SCREENSHOT_BLOCKED');
        // iOS cannot block: a blocked screenshot there is logged, as is any under "log".
        else if (setting !== 'allow') log = true;
        break;
      }
      case 'screen.record': {
        if (!isMobile(context.platform)) return this.allow(entry!, ['PLATFORM_NOT_COVERED'], false, request, facts);
        if (profile?.screen?.screenRecording === 'block') reasons.push('SCREEN_RECORDING_BLOCKED');
        break;
      }
      case 'share.wechat':
        if (profile?.sharing?.blockShareToWeChat) reasons.push('SHARE_TO_WECHAT_BLOCKED');
        break;
      case 'open.in.other.app':
        if (profile?.sharing?.blockOpenInOtherApp) reasons.push('OPEN_IN_OTHER_APP_BLOCKED');
        break;
    }
    if (reasons.length > 0) return { decision: 'deny', reasons, obligations: [] };
    if (!entry) return { decision: 'allow', reasons: [], obligations: log ? [LOG] : [] };
    return this.allow(entry, [], log, request, facts);
  }

  /** An allowed decision: NO_SEAT says the member gets the basic behaviour; then the obligations that apply. */
  private allow(entry: Entry, reasons: ReasonCode[], log: boolean, request: DecisionRequest, facts: DecisionFacts): Decision {
    const { profile } = entry;
    const obligations: Obligation[] = log ? [LOG] : [];
    const surface = request.context.surface;
    if (surface !== undefined) {
      if (profile.visible?.surfaceSet.has(surface)) obligations.push({ type: 'visible-watermark', text: fill(profile.visible.parts, entry, facts.date) });
      if (profile.dark?.surfaceSet.has(surface)) obligations.push(DARK);
    }
    if (request.action === 'login' && profile.verification?.url) obligations.push({ type: 'second-verification', url: profile.verification.url });
    return { decision: 'allow', reasons: entry.seat ? reasons : ['NO_SEAT', ...reasons], obligations };
  }

  private isTrusted(deviceId: string | undefined): boolean {
    return deviceId !== undefined && this.trustedDevices.has(deviceId);
  }

  /**
   * What a member's client applies by itself on `platform`; the visible text keeps `{date}` for the
   * client to fill each day, so the bundle (and its ETag) changes only when a policy does.
   */
  clientPolicy(memberId: string, platform: Platform): ClientPolicy | 'MEMBER_NOT_FOUND' | 'MEMBER_DEPARTED' {
    const entry = this.members.get(memberId);
    if (!entry) return 'MEMBER_NOT_FOUND';
    if (entry.departed) return 'MEMBER_DEPARTED';
    const { profile } = entry;
    const screen = isMobile(platform) ? profile.screen : null;
    const verification = profile.verification?.url ? profile.verification : null;
    return {
      screenshot: !screen ? 'allow' : platform === 'ios' && screen.screenshot === 'block' ? 'log' : screen.screenshot,
      screenRecording: screen?.screenRecording ?? 'allow',
      blockShareToWeChat: profile.sharing?.blockShareToWeChat ?? false,
      blockOpenInOtherApp: profile.sharing?.blockOpenInOtherApp ?? false,
      secondVerification: verification && { url: verification.url!, afterBackgroundSeconds: verification.afterBackgroundSeconds },
      visibleWatermark: profile.visible && {
        surfaces: profile.visible.surfaces,
        // The client fills in the date as it draws the watermark.
        text: fill(profile.visible.parts, entry, '{date}'),
      },
      darkWatermark: profile.dark && { surfaces: profile.dark.surfaces },
    };
  }
}

const fillPart = (part: string, entry: Entry, date: string): string =>
  part === '{name}' ? entry.name : part === '{memberId}' ? entry.memberId : part === '{date}' ? date : part;

const fill = (parts: readonly string[], entry: Entry, date: string): string => {
  let text = '';
  for (const part of parts) text += fillPart(part, entry, date);
  return text;
};
