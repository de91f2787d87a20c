import type { Decision, DecisionRequest, Obligation, ReasonCode } from '#core/policies/engine';
import type { DeviceTrust, PoliciesByType, PolicyMember, PolicyType } from '#core/policies/model';

/**
 * The decision rules read straight off the contract (v2, "Decisions"), written plainly and apart from
 * the compiled engine: linear scans, BigInt address arithmetic, nothing precomputed. The property test
 * checks the engine against it.
 */

const ipToBigInt = (text: string): { family: 4 | 6; value: bigint } | null => {
  if (/^\d+\.\d+\.\d+\.\d+$/.test(text)) {
    const octets = text.split('.');
    if (octets.some((o) => (o.length > 1 && o.startsWith('0')) || Number(o) > 255)) return null;
    return { family: 4, value: octets.reduce((acc, o) => acc * 256n + BigInt(o), 0n) };
  }
  if (!text.includes(':')) return null;
  let head = text;
  let v4tail: bigint | null = null;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    const v4 = ipToBigInt(text.slice(lastColon + 1));
    if (!v4 || v4.family !== 4) return null;
    v4tail = v4.value;
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const sides = head.split('::');
  if (sides.length > 2) return null;
  const groups = (s: string) => (s === '' ? [] : s.split(':'));
  const left = groups(sides[0]!);
  const right = sides.length === 2 ? groups(sides[1]!) : [];
  const all = sides.length === 2 ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  if (all.length !== 8 || (sides.length === 2 && left.length + right.length > 7)) return null;
  if (all.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return null;
  let value = all.reduce((acc, g) => acc * 65536n + BigInt(parseInt(g, 16)), 0n);
  if (v4tail !== null) value = (value & ~0xffffffffn) | v4tail;
  if (value >> 32n === 0xffffn) return { family: 4, value: value & 0xffffffffn };
  return { family: 6, value };
};

const inCidr = (ip: string, cidr: string): boolean => {
  const address = ipToBigInt(ip);
  const [base, prefixText] = cidr.split('/');
  const network = ipToBigInt(base!);
  if (!address || !network) return false;
  // A mapped IPv4 prefix stays IPv6 in a list.
  const networkFamily = base!.includes(':') ? 6 : 4;
  if (networkFamily === 6 && network.family === 4) return false;
  if (address.family !== networkFamily) return false;
  const bits = networkFamily === 4 ? 32n : 128n;
  const hostBits = bits - BigInt(prefixText!);
  return address.value >> hostBits === network.value >> hostBits;
};

const olderThan = (version: string | undefined, minimum: string): boolean => {
  if (version === undefined || !/^\d{1,9}(\.\d{1,9}){0,3}$/.test(version)) return true;
  const a = version.split('.').map(Number);
  const b = minimum.split('.').map(Number);
  for (let i = 0; i < 4; i++) {
    if ((a[i] ?? 0) < (b[i] ?? 0)) return true;
    if ((a[i] ?? 0) > (b[i] ?? 0)) return false;
  }
  return false;
};

export type ReferenceWorld = {
  corpId: string;
  policies: PoliciesByType;
  members: PolicyMember[];
  devices: DeviceTrust[];
  /** Devices another corp marked enterprise with its devices policy enabled and enterpriseDeviceOwnCorpOnly. */
  enterpriseElsewhere: string[];
  date: string;
};

export const referenceDecide = (world: ReferenceWorld, request: DecisionRequest): Decision => {
  const deny = (reasons: ReasonCode[]): Decision => ({ decision: 'deny', reasons, obligations: [] });
  const find = (memberId: string) => world.members.find((m) => m.memberId === memberId);
  // "In scope": holds a seat now, and the enabled policy's scope covers them.
  const inScope = (member: PolicyMember | undefined, type: PolicyType): boolean => {
    if (!member || member.departed || !member.seat) return false;
    const policy = world.policies[type];
    if (!policy.enabled) return false;
    const scope = policy.scope;
    return 'all' in scope || scope.memberIds.includes(member.memberId) || (member.departmentId !== null && scope.departmentIds.includes(member.departmentId));
  };
  const visibleCovers = (member: PolicyMember): boolean => {
    const policy = world.policies['visible-watermark'];
    const scope = policy.scope;
    return policy.enabled && ('all' in scope || scope.memberIds.includes(member.memberId) || (member.departmentId !== null && scope.departmentIds.includes(member.departmentId)));
  };
  const trusted = (deviceId: string | undefined) => world.devices.some((d) => d.deviceId === deviceId && d.trusted);
  const { action, context } = request;
  const member = find(request.memberId);
  const isFile = action.startsWith('file.');

  if (!member && !(isFile && request.resource?.ownerCorpId === world.corpId && request.resource?.ownerId !== undefined)) return deny(['MEMBER_NOT_FOUND']);
  if (member?.departed) return deny(['MEMBER_DEPARTED']);

  const reasons: ReasonCode[] = [];
  const info: ReasonCode[] = [];
  let log = false;
  const flp = world.policies['file-leak-prevention'].settings;
  if (isFile) {
    const ownerCorp = request.resource?.ownerCorpId ?? world.corpId;
    const ownerId = request.resource?.ownerId ?? request.memberId;
    const ownerInScope = ownerCorp === world.corpId && inScope(find(ownerId), 'file-leak-prevention');
    const sharedOut = action === 'file.share' && (context.recipientCorpIds ?? []).some((c) => c !== ownerCorp);
    if (ownerInScope && flp.blockExternalShare && (sharedOut || !member)) reasons.push('EXTERNAL_SHARE_BLOCKED');
    if (ownerInScope && flp.blockDownload && (action === 'file.download' || action === 'file.export') && request.memberId !== ownerId) reasons.push('DOWNLOAD_BLOCKED');
    if (ownerInScope && flp.trustedDeviceDownloadOnly && action === 'file.download' && !(member && trusted(context.deviceId))) reasons.push('UNTRUSTED_DEVICE');
    if (ownerInScope && olderThan(context.clientVersion, flp.minClientVersion)) reasons.push('CLIENT_TOO_OLD');
    if (ownerInScope || inScope(member, 'file-leak-prevention')) log = true;
  }
  if (action === 'login') {
    const desktop = context.platform === 'windows' || context.platform === 'mac';
    const strict = inScope(member, 'devices') && world.policies.devices.settings.trustedDeviceLoginOnly;
    if (desktop && strict && !trusted(context.deviceId)) reasons.push('UNTRUSTED_DEVICE');
    if (desktop && context.deviceId !== undefined && world.enterpriseElsewhere.includes(context.deviceId)) reasons.push('ENTERPRISE_DEVICE_OTHER_CORP');
    if (!desktop && strict) info.push('PLATFORM_NOT_COVERED');
  }
  if (action === 'mail.access' || action === 'drive.access') {
    const list = world.policies['ip-access'].settings[action === 'mail.access' ? 'mail' : 'drive'];
    if (inScope(member, 'ip-access') && list.length > 0 && !(context.ip !== undefined && list.some((cidr) => inCidr(context.ip!, cidr)))) {
      reasons.push('IP_NOT_ALLOWED');
    }
  }
  const screen = world.policies['screen-capture'].settings;
  const mobile = context.platform === 'ios' || context.platform === 'android';
  if ((action === 'screenshot' || action === 'screen.record') && !mobile) info.push('PLATFORM_NOT_COVERED');
  if (action === 'screenshot' && mobile && inScope(member, 'screen-capture') && screen.screenshot !== 'allow') {
    if (context.platform === 'android' && screen.screenshot === 'block') reasons.push('SCREENSHOT_BLOCKED');
    else log = true;
  }
  if (action === 'screen.record' && mobile && inScope(member, 'screen-capture') && screen.screenRecording === 'block') reasons.push('SCREEN_RECORDING_BLOCKED');
  const sharing = world.policies['external-sharing'].settings;
  if (action === 'share.wechat' && inScope(member, 'external-sharing') && sharing.blockShareToWeChat) reasons.push('SHARE_TO_WECHAT_BLOCKED');
  if (action === 'open.in.other.app' && inScope(member, 'external-sharing') && sharing.blockOpenInOtherApp) reasons.push('OPEN_IN_OTHER_APP_BLOCKED');

  if (reasons.length > 0) return deny(reasons);
  const obligations: Obligation[] = log ? [{ type: 'log' }] : [];
  if (!member) return { decision: 'allow', reasons: [], obligations };
  const seat = member.seat;
  const surface = context.surface;
  if (surface !== undefined && visibleCovers(member)) {
    const { surfaces, text } = world.policies['visible-watermark'].settings;
    const allowed = seat ? surfaces : surfaces.filter((s) => s === 'chat' || s === 'contacts');
    if (allowed.includes(surface)) {
      obligations.push({ type: 'visible-watermark', text: text.replaceAll('{name}', member.name).replaceAll('{memberId}', member.memberId).replaceAll('{date}', world.date) });
    }
  }
  if (surface !== undefined && inScope(member, 'dark-watermark') && world.policies['dark-watermark'].settings.surfaces.includes(surface)) obligations.push({ type: 'dark-watermark' });
  if (action === 'login' && inScope(member, 'second-verification')) obligations.push({ type: 'second-verification', url: world.policies['second-verification'].settings.url! });
  return { decision: 'allow', reasons: seat ? info : ['NO_SEAT', ...info], obligations };
};
