import { describe, expect, it } from 'vitest';
import { CidrSet, isCidr, parseIp } from '#core/policies/cidr';
import { darkWatermarkEntitled, effectivePolicies } from '#core/policies/effective';
import { decisionFacts, PolicyEngine, type DecisionRequest } from '#core/policies/engine';
import { withDefaults, type DeviceTrust, type PoliciesByType, type Policy, type PolicyMember, type PolicyType, type Settings } from '#core/policies/model';
import { isOlderThan, parseClientVersion } from '#core/policies/version';

const CORP = 'acme';
const NOW = new Date('2026-03-01T20:00:00Z'); // already 2026-03-02 in Shanghai
const facts = decisionFacts(NOW);

const set = <T extends PolicyType>(type: T, settings: Partial<Settings[T]>, scope: Policy['scope'] = { all: true }): Policy<T> => ({
  ...withDefaults([])[type],
  enabled: true,
  scope,
  settings: { ...withDefaults([])[type].settings, ...settings },
  version: 1,
});

const member = (memberId: string, extra: Partial<PolicyMember> = {}): PolicyMember => ({
  memberId,
  name: `Name ${memberId}`,
  departmentId: null,
  seat: true,
  departed: false,
  ...extra,
});

const MEMBERS = [
  member('owner'),
  member('seated'),
  member('seated-out', { departmentId: 'sales' }),
  member('seatless', { seat: false }),
  member('gone', { seat: false, departed: true }),
];

const engine = (policies: Policy[], devices: DeviceTrust[] = [], members = MEMBERS, scopeOut = true) =>
  PolicyEngine.compile({ corpId: CORP, policies: withDefaults(scopeOut ? policies : policies), members, devices });

const scopeAllBut = { memberIds: ['owner', 'seated', 'seatless', 'gone'], departmentIds: ['eng'] };
const request = (action: DecisionRequest['action'], memberId: string, extra: Partial<DecisionRequest> = {}, context: Partial<DecisionRequest['context']> = {}): DecisionRequest => ({
  action,
  memberId,
  ...extra,
  context: { platform: 'windows', clientVersion: '4.1.2', ...context },
});

describe('client versions', () => {
  it('compare numerically, part by part; missing parts are 0; a missing or malformed one is too old', () => {
    const min = parseClientVersion('4.1.2')!;
    expect(isOlderThan('4.1.2', min)).toBe(false);
    expect(isOlderThan('4.1.10', min)).toBe(false);
    expect(isOlderThan('4.2', min)).toBe(false);
    expect(isOlderThan('4.1', min)).toBe(true);
    expect(isOlderThan('4.1.1', min)).toBe(true);
    expect(isOlderThan('10.0.0', min)).toBe(false);
    expect(isOlderThan(undefined, min)).toBe(true);
    expect(isOlderThan('4.1.2-beta', min)).toBe(true);
  });
});

describe('CIDR sets', () => {
  it('refuse malformed CIDRs and host bits', () => {
    for (const bad of ['10.0.0.0', '10.0.0.0/33', '10.0.0.1/8', '256.0.0.0/8', '010.0.0.0/8', '2001:db8::/129', '2001:db8::1/32', '1:2:3:4:5:6:7:8:9/128', 'x/8', '::1::/128']) {
      expect(isCidr(bad), bad).toBe(false);
    }
    for (const good of ['10.0.0.0/8', '0.0.0.0/0', '192.168.1.7/32', '2001:db8::/32', '::/0', '::1/128', '::ffff:10.0.0.0/104']) expect(isCidr(good), good).toBe(true);
  });

  it('match IPv4 and IPv6 addresses, and IPv4-mapped IPv6 addresses as IPv4', () => {
    const cidrs = new CidrSet(['10.0.0.0/8', '192.168.1.0/24', '192.168.2.0/24', '2001:db8::/32', 'fe80::/10']);
    const has = (ip: string) => cidrs.contains(parseIp(ip)!);
    expect(has('10.255.255.255')).toBe(true);
    expect(has('11.0.0.0')).toBe(false);
    expect(has('192.168.2.200')).toBe(true);
    expect(has('192.168.3.1')).toBe(false);
    expect(has('::ffff:10.1.2.3')).toBe(true);
    // A mapped prefix names the IPv4 prefix: it matches plain and mapped IPv4 addresses alike.
    const mapped = new CidrSet(['::ffff:172.16.0.0/108']);
    expect(mapped.contains(parseIp('172.31.255.255')!)).toBe(true);
    expect(mapped.contains(parseIp('::ffff:172.16.0.1')!)).toBe(true);
    expect(mapped.contains(parseIp('172.32.0.0')!)).toBe(false);
    expect(isCidr('::ffff:172.16.0.1/108')).toBe(false);
    expect(has('2001:db8:ffff:ffff::1')).toBe(true);
    expect(has('2001:db9::')).toBe(false);
    expect(has('febf:ffff::1')).toBe(true);
    expect(has('fec0::')).toBe(false);
    expect(parseIp('not-an-ip')).toBeNull();
    expect(parseIp('1.2.3')).toBeNull();
  });
});

describe('effective policy', () => {
  const policies = withDefaults([
    set('screen-capture', { screenshot: 'block' }, scopeAllBut),
    set('visible-watermark', { surfaces: ['chat', 'doc', 'mail'], text: '{name}' }, { all: true }),
  ]);
  it('gives the first reason that holds: NO_SEAT, DISABLED, OUT_OF_SCOPE, else IN_SCOPE', () => {
    expect(effectivePolicies(policies, member('seated'))['screen-capture']).toEqual({ applies: true, reason: 'IN_SCOPE', settings: { screenshot: 'block', screenRecording: 'allow' } });
    expect(effectivePolicies(policies, member('x', { departmentId: 'sales' }))['screen-capture']).toMatchObject({ applies: false, reason: 'OUT_OF_SCOPE', settings: null });
    expect(effectivePolicies(policies, member('x', { departmentId: 'eng' }))['screen-capture'].reason).toBe('IN_SCOPE');
    expect(effectivePolicies(policies, member('seated')).devices).toEqual({ applies: false, reason: 'DISABLED', settings: null });
    expect(effectivePolicies(policies, member('seated', { seat: false })).devices).toEqual({ applies: false, reason: 'NO_SEAT', settings: null });
    expect(effectivePolicies(policies, member('gone', { departed: true }))['screen-capture'].reason).toBe('NO_SEAT');
  });
  it('gives a member without a seat the visible watermark on chat and contacts only', () => {
    expect(effectivePolicies(policies, member('seatless', { seat: false }))['visible-watermark']).toEqual({
      applies: true,
      reason: 'IN_SCOPE',
      settings: { surfaces: ['chat'], text: '{name}' },
    });
  });
  it('entitles to the dark watermark by seat until the corp sets the policy, then by its scope and surfaces', () => {
    const never = withDefaults([])['dark-watermark'];
    expect(darkWatermarkEntitled(never, member('a'), null)).toBe(true);
    expect(darkWatermarkEntitled(never, member('a', { seat: false }), null)).toBe(false);
    const scoped = set('dark-watermark', { surfaces: ['doc'] }, { memberIds: ['a'], departmentIds: [] });
    expect(darkWatermarkEntitled(scoped, member('a'), null)).toBe(true);
    expect(darkWatermarkEntitled(scoped, member('a'), 'doc')).toBe(true);
    expect(darkWatermarkEntitled(scoped, member('a'), 'chat')).toBe(false);
    expect(darkWatermarkEntitled(scoped, member('b'), null)).toBe(false);
    expect(darkWatermarkEntitled({ ...scoped, enabled: false }, member('a'), null)).toBe(false);
  });
});

describe('decisions', () => {
  it('deny departed and unknown members whatever the action', () => {
    const e = engine([]);
    expect(e.decide(request('login', 'gone'), facts)).toEqual({ decision: 'deny', reasons: ['MEMBER_DEPARTED'], obligations: [] });
    expect(e.decide(request('file.preview', 'nobody'), facts)).toEqual({ decision: 'deny', reasons: ['MEMBER_NOT_FOUND'], obligations: [] });
  });

  it('allow with reasons [] when no rule denies, and NO_SEAT for a member without a seat', () => {
    const e = engine([]);
    expect(e.decide(request('share.wechat', 'seated'), facts)).toEqual({ decision: 'allow', reasons: [], obligations: [] });
    expect(e.decide(request('share.wechat', 'seatless'), facts)).toEqual({ decision: 'allow', reasons: ['NO_SEAT'], obligations: [] });
  });

  describe('file-leak-prevention', () => {
    const e = engine(
      [set('file-leak-prevention', { blockDownload: true, blockExternalShare: true, trustedDeviceDownloadOnly: true }, scopeAllBut)],
      [{ deviceId: 'd-trusted', trusted: true, kind: 'enterprise' }, { deviceId: 'd-known', trusted: false, kind: 'personal' }],
    );
    const file = (ownerId = 'owner', ownerCorpId?: string) => ({ resource: { fileId: 'f1', ownerId, ...(ownerCorpId && { ownerCorpId }) } });

    it('blocks download and export for everyone but the owner; preview stays allowed, with a log', () => {
      expect(e.decide(request('file.download', 'seated', file(), { deviceId: 'd-trusted' }), facts)).toEqual({ decision: 'deny', reasons: ['DOWNLOAD_BLOCKED'], obligations: [] });
      expect(e.decide(request('file.export', 'seatless', file()), facts).reasons).toEqual(['DOWNLOAD_BLOCKED']);
      expect(e.decide(request('file.export', 'owner', file()), facts)).toEqual({ decision: 'allow', reasons: [], obligations: [{ type: 'log' }] });
      expect(e.decide(request('file.preview', 'seated', file()), facts)).toEqual({ decision: 'allow', reasons: [], obligations: [{ type: 'log' }] });
    });

    it('downloads only from a device trusted in the corp, the owner too', () => {
      expect(e.decide(request('file.download', 'owner', file(), { deviceId: 'd-trusted' }), facts).decision).toBe('allow');
      expect(e.decide(request('file.download', 'owner', file(), { deviceId: 'd-known' }), facts).reasons).toEqual(['UNTRUSTED_DEVICE']);
      expect(e.decide(request('file.download', 'owner', file(), {}), facts).reasons).toEqual(['UNTRUSTED_DEVICE']);
      expect(e.decide(request('file.download', 'seated', file(), {}), facts).reasons).toEqual(['DOWNLOAD_BLOCKED', 'UNTRUSTED_DEVICE']);
    });

    it('blocks sharing to other corps, not to the owner corp', () => {
      expect(e.decide(request('file.share', 'owner', file(), { recipientCorpIds: ['acme', 'globex'] }), facts).reasons).toEqual(['EXTERNAL_SHARE_BLOCKED']);
      expect(e.decide(request('file.share', 'owner', file(), { recipientCorpIds: ['acme'] }), facts)).toEqual({ decision: 'allow', reasons: [], obligations: [{ type: 'log' }] });
    });

    it("denies another corp's member a preview of the file, or any other way to take it, and judges them by the file's rules only", () => {
      for (const action of ['file.preview', 'file.download', 'file.export', 'file.share'] as const) {
        expect(e.decide(request(action, 'stranger', file('owner', CORP)), facts)).toEqual({ decision: 'deny', reasons: expect.arrayContaining(['EXTERNAL_SHARE_BLOCKED']), obligations: [] });
      }
      expect(e.decide(request('file.preview', 'stranger', file('seated-out', CORP)), facts)).toEqual({ decision: 'allow', reasons: [], obligations: [] });
      expect(e.decide(request('file.preview', 'stranger', file('owner', 'globex')), facts).reasons).toEqual(['MEMBER_NOT_FOUND']);
    });

    it('denies any file action from a client older than minClientVersion, or that gives none', () => {
      expect(e.decide(request('file.preview', 'seated', file(), { clientVersion: '4.1.1' }), facts).reasons).toEqual(['CLIENT_TOO_OLD']);
      expect(e.decide({ ...request('file.preview', 'seated', file()), context: { platform: 'web' } }, facts).reasons).toEqual(['CLIENT_TOO_OLD']);
      // The file of an owner out of scope is not under the policy.
      expect(e.decide(request('file.preview', 'seated', file('seated-out'), { clientVersion: '1.0' }), facts)).toEqual({ decision: 'allow', reasons: [], obligations: [{ type: 'log' }] });
      expect(e.decide(request('file.preview', 'seated-out', file('seated-out'), { clientVersion: '1.0' }), facts)).toEqual({ decision: 'allow', reasons: [], obligations: [] });
    });

    it('takes the requester as the owner when the request names none', () => {
      expect(e.decide(request('file.export', 'owner', {}), facts).decision).toBe('allow');
      expect(e.decide(request('file.share', 'owner', {}, { recipientCorpIds: ['globex'] }), facts).reasons).toEqual(['EXTERNAL_SHARE_BLOCKED']);
    });

    it('stops at once for an owner whose seat went (the file is no longer under the policy)', () => {
      const released = engine(
        [set('file-leak-prevention', { blockDownload: true }, scopeAllBut)],
        [],
        MEMBERS.map((m) => (m.memberId === 'owner' ? { ...m, seat: false } : m)),
      );
      expect(released.decide(request('file.download', 'seated', file()), facts)).toEqual({ decision: 'allow', reasons: [], obligations: [{ type: 'log' }] });
    });
  });

  describe('devices', () => {
    const devices = [{ deviceId: 'd-trusted', trusted: true, kind: 'personal' as const }];
    const e = engine([set('devices', { trustedDeviceLoginOnly: true }, scopeAllBut)], devices);
    it('lets in only trusted devices on windows and mac; other platforms are not covered', () => {
      expect(e.decide(request('login', 'seated', {}, { deviceId: 'd-trusted' }), facts)).toEqual({ decision: 'allow', reasons: [], obligations: [] });
      expect(e.decide(request('login', 'seated', {}, { deviceId: 'd-new', platform: 'mac' }), facts).reasons).toEqual(['UNTRUSTED_DEVICE']);
      expect(e.decide(request('login', 'seated', {}, { platform: 'ios' }), facts)).toEqual({ decision: 'allow', reasons: ['PLATFORM_NOT_COVERED'], obligations: [] });
      expect(e.decide(request('login', 'seated-out', {}, { deviceId: 'd-new' }), facts).decision).toBe('allow');
      expect(e.decide(request('login', 'seatless', {}, { deviceId: 'd-new' }), facts)).toEqual({ decision: 'allow', reasons: ['NO_SEAT'], obligations: [] });
    });
    it('denies a login on a device another corp keeps to itself, whoever asks', () => {
      const elsewhere = decisionFacts(NOW, new Set(['d-theirs']));
      expect(e.decide(request('login', 'seatless', {}, { deviceId: 'd-theirs' }), elsewhere).reasons).toEqual(['ENTERPRISE_DEVICE_OTHER_CORP']);
      expect(e.decide(request('login', 'seated', {}, { deviceId: 'd-theirs' }), elsewhere).reasons).toEqual(['UNTRUSTED_DEVICE', 'ENTERPRISE_DEVICE_OTHER_CORP']);
      expect(e.decide(request('login', 'seatless', {}, { deviceId: 'd-theirs', platform: 'linux' }), elsewhere).decision).toBe('allow');
    });
  });

  it('ip-access: allowlists per service, IPv4 and IPv6, fail closed without an address', () => {
    const e = engine([set('ip-access', { mail: ['10.0.0.0/8', '2001:db8::/32'], drive: [] }, scopeAllBut)]);
    expect(e.decide(request('mail.access', 'seated', {}, { ip: '10.1.2.3' }), facts).decision).toBe('allow');
    expect(e.decide(request('mail.access', 'seated', {}, { ip: '2001:db8::7' }), facts).decision).toBe('allow');
    expect(e.decide(request('mail.access', 'seated', {}, { ip: '11.1.2.3' }), facts).reasons).toEqual(['IP_NOT_ALLOWED']);
    expect(e.decide(request('mail.access', 'seated', {}, {}), facts).reasons).toEqual(['IP_NOT_ALLOWED']);
    expect(e.decide(request('drive.access', 'seated', {}, { ip: '11.1.2.3' }), facts).decision).toBe('allow');
    expect(e.decide(request('mail.access', 'seated-out', {}, { ip: '11.1.2.3' }), facts).decision).toBe('allow');
    expect(e.decide(request('mail.access', 'seatless', {}, {}), facts)).toEqual({ decision: 'allow', reasons: ['NO_SEAT'], obligations: [] });
  });

  it('screen-capture: Android blocks, iOS logs, desktop and web are not covered', () => {
    const e = engine([set('screen-capture', { screenshot: 'block', screenRecording: 'block' }, scopeAllBut)]);
    expect(e.decide(request('screenshot', 'seated', {}, { platform: 'android' }), facts).reasons).toEqual(['SCREENSHOT_BLOCKED']);
    expect(e.decide(request('screenshot', 'seated', {}, { platform: 'ios' }), facts)).toEqual({ decision: 'allow', reasons: [], obligations: [{ type: 'log' }] });
    expect(e.decide(request('screenshot', 'seated', {}, { platform: 'web' }), facts)).toEqual({ decision: 'allow', reasons: ['PLATFORM_NOT_COVERED'], obligations: [] });
    expect(e.decide(request('screen.record', 'seated', {}, { platform: 'ios' }), facts).reasons).toEqual(['SCREEN_RECORDING_BLOCKED']);
    expect(e.decide(request('screen.record', 'seated', {}, { platform: 'android' }), facts).reasons).toEqual(['SCREEN_RECORDING_BLOCKED']);
    expect(e.decide(request('screen.record', 'seated', {}, { platform: 'mac' }), facts).reasons).toEqual(['PLATFORM_NOT_COVERED']);
    expect(e.decide(request('screenshot', 'seated-out', {}, { platform: 'android' }), facts).decision).toBe('allow');
    expect(e.decide(request('screenshot', 'seatless', {}, { platform: 'android' }), facts)).toEqual({ decision: 'allow', reasons: ['NO_SEAT'], obligations: [] });
    // Not covered on desktop and web whatever the setting, and for members it does not apply to.
    expect(e.decide(request('screenshot', 'seated-out', {}, { platform: 'windows' }), facts)).toEqual({ decision: 'allow', reasons: ['PLATFORM_NOT_COVERED'], obligations: [] });
    expect(e.decide(request('screen.record', 'seatless', {}, { platform: 'web' }), facts)).toEqual({ decision: 'allow', reasons: ['NO_SEAT', 'PLATFORM_NOT_COVERED'], obligations: [] });
    expect(engine([]).decide(request('screenshot', 'seated', {}, { platform: 'mac' }), facts).reasons).toEqual(['PLATFORM_NOT_COVERED']);
    const logOnly = engine([set('screen-capture', { screenshot: 'log' })]);
    expect(logOnly.decide(request('screenshot', 'seated', {}, { platform: 'android' }), facts)).toEqual({ decision: 'allow', reasons: [], obligations: [{ type: 'log' }] });
  });

  it('external-sharing: WeChat and other apps', () => {
    const e = engine([set('external-sharing', { blockShareToWeChat: true, blockOpenInOtherApp: true }, scopeAllBut)]);
    expect(e.decide(request('share.wechat', 'seated'), facts).reasons).toEqual(['SHARE_TO_WECHAT_BLOCKED']);
    expect(e.decide(request('open.in.other.app', 'seated'), facts).reasons).toEqual(['OPEN_IN_OTHER_APP_BLOCKED']);
    expect(e.decide(request('share.wechat', 'seated-out'), facts).decision).toBe('allow');
  });

  it('watermarks: obligations on the surfaces that apply, text filled (date in Asia/Shanghai); basic visible watermark without a seat', () => {
    const e = engine([
      set('visible-watermark', { surfaces: ['chat', 'doc'], text: '{name} / {memberId} / {date}' }),
      set('dark-watermark', { surfaces: ['doc'] }, scopeAllBut),
    ]);
    expect(e.decide(request('file.preview', 'seated', {}, { surface: 'doc' }), facts).obligations).toEqual([
      { type: 'visible-watermark', text: 'Name seated / seated / 2026-03-02' },
      { type: 'dark-watermark' },
    ]);
    expect(e.decide(request('file.preview', 'seated-out', {}, { surface: 'doc' }), facts).obligations).toEqual([{ type: 'visible-watermark', text: 'Name seated-out / seated-out / 2026-03-02' }]);
    expect(e.decide(request('file.preview', 'seatless', {}, { surface: 'doc' }), facts).obligations).toEqual([]);
    expect(e.decide(request('file.preview', 'seatless', {}, { surface: 'chat' }), facts).obligations).toEqual([{ type: 'visible-watermark', text: 'Name seatless / seatless / 2026-03-02' }]);
    expect(e.decide(request('file.preview', 'seated', {}, {}), facts).obligations).toEqual([]);
  });

  it('second-verification on login when it applies', () => {
    const e = engine([set('second-verification', { url: 'https://verify.example/x', afterBackgroundSeconds: 30 }, scopeAllBut)]);
    expect(e.decide(request('login', 'seated'), facts).obligations).toEqual([{ type: 'second-verification', url: 'https://verify.example/x' }]);
    expect(e.decide(request('login', 'seated-out'), facts).obligations).toEqual([]);
    expect(e.decide(request('mail.access', 'seated'), facts).obligations).toEqual([]);
  });
});

describe('client policy', () => {
  const policies: PoliciesByType = withDefaults([
    set('screen-capture', { screenshot: 'block', screenRecording: 'block' }),
    set('external-sharing', { blockShareToWeChat: true }),
    set('second-verification', { url: 'https://verify.example/', afterBackgroundSeconds: 60 }),
    set('visible-watermark', { surfaces: ['chat', 'doc'], text: '{name} {date}' }),
    set('dark-watermark', { surfaces: ['doc'] }),
  ]);
  const e = PolicyEngine.compile({ corpId: CORP, policies, members: MEMBERS, devices: [] });
  it('says log for a blocked screenshot on iOS, block on Android, allow on desktop', () => {
    expect(e.clientPolicy('seated', 'ios')).toEqual({
      screenshot: 'log',
      screenRecording: 'block',
      blockShareToWeChat: true,
      blockOpenInOtherApp: false,
      secondVerification: { url: 'https://verify.example/', afterBackgroundSeconds: 60 },
      visibleWatermark: { surfaces: ['chat', 'doc'], text: 'Name seated {date}' },
      darkWatermark: { surfaces: ['doc'] },
    });
    expect(e.clientPolicy('seated', 'android')).toMatchObject({ screenshot: 'block', screenRecording: 'block' });
    expect(e.clientPolicy('seated', 'windows')).toMatchObject({ screenshot: 'allow', screenRecording: 'allow' });
  });
  it('gives a member without a seat the basic behaviour only', () => {
    expect(e.clientPolicy('seatless', 'android')).toEqual({
      screenshot: 'allow',
      screenRecording: 'allow',
      blockShareToWeChat: false,
      blockOpenInOtherApp: false,
      secondVerification: null,
      visibleWatermark: { surfaces: ['chat'], text: 'Name seatless {date}' },
      darkWatermark: null,
    });
    expect(e.clientPolicy('gone', 'ios')).toBe('MEMBER_DEPARTED');
    expect(e.clientPolicy('nobody', 'ios')).toBe('MEMBER_NOT_FOUND');
  });
});
