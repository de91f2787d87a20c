import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { client } from './client.ts';
import { orderPaidEvent } from '../fixtures.ts';
import { adminToken, enforcerToken } from '../../scripts/token.ts';
import { testAssembly } from '../support/assembly.ts';

/*
 * Contract v2 (security policies, decisions, devices) on the local stack, run from the synthesised
 * bundles: every policy type, reason code and obligation for a seat holder in scope, one out of
 * scope, a member without a seat and a departed one; the enterprise-device rule across two corps;
 * bad input changing nothing; seats flipping decisions at once; the client bundle's ETag.
 */
let stack: LocalStack;
let api: ReturnType<typeof client>;

beforeAll(async () => {
  stack = await startLocalStack({ from: (await testAssembly()).dir, logs: 'file' });
  api = client(stack.url);
  await api.local('POST', '/local/clock', { now: '2026-06-01T08:00:00Z' });
});
afterAll(() => stack?.stop());

type Answer = { status: number; body: any; etag: string | null; type: string | null };
const call = async (token: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> => {
  const response = await fetch(`${stack.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const type = response.headers.get('content-type');
  const text = type?.includes('json') ? await response.text() : '';
  return { status: response.status, body: text ? JSON.parse(text) : null, etag: response.headers.get('etag'), type };
};
const admin = async (corpId: string, method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
  call(await adminToken(corpId), method, path, body, headers);
const decide = async (corpId: string, requests: unknown[], token?: string) =>
  call(token ?? (await enforcerToken()), 'POST', `/corps/${corpId}/decisions`, { requests });

const hire = (corpId: string, memberId: string, departmentId: string | null) =>
  api.webhook('hr', { type: 'employee.upserted', data: { corpId, memberId, name: `Name ${memberId}`, managerId: null, departmentId } });
const depart = (corpId: string, memberId: string) =>
  api.webhook('hr', { type: 'employee.departed', data: { corpId, memberId, departedAt: '2026-06-01T07:00:00Z' } });
const seat = (corpId: string, ...memberIds: string[]) => admin(corpId, 'POST', `/corps/${corpId}/seats/allocations`, { memberIds });

/** Scope of every policy in corp `pol`: the owner by id, everyone in engineering by department. */
const SCOPE = { memberIds: ['owner'], departmentIds: ['eng'] };
const POLICIES = {
  'file-leak-prevention': { blockExternalShare: true, blockDownload: true, trustedDeviceDownloadOnly: true, minClientVersion: '4.1.2' },
  'visible-watermark': { surfaces: ['chat', 'doc'], text: '{name}|{memberId}|{date}' },
  'dark-watermark': { surfaces: ['doc'] },
  devices: { trustedDeviceLoginOnly: true, enterpriseDeviceOwnCorpOnly: true },
  'screen-capture': { screenshot: 'block', screenRecording: 'block' },
  'external-sharing': { blockShareToWeChat: true, blockOpenInOtherApp: true },
  'second-verification': { url: 'https://verify.example/2fa', afterBackgroundSeconds: 30 },
  'ip-access': { mail: ['10.0.0.0/8', '2001:db8::/32'], drive: ['192.168.0.0/16'] },
} as const;

const setUpCorp = async (corpId: string) => {
  expect((await api.webhook('billing', orderPaidEvent(corpId, 'o-1', 20))).status).toBe(202);
  for (const [memberId, department] of [['owner', 'ops'], ['in', 'eng'], ['out', 'sales'], ['noseat', 'eng'], ['gone', 'eng']] as const) {
    expect((await hire(corpId, memberId, department)).status).toBe(202);
  }
  expect((await seat(corpId, 'owner', 'in', 'out', 'gone')).status).toBe(201);
  expect((await depart(corpId, 'gone')).status).toBe(202);
};

const file = { fileId: 'f-1', ownerId: 'owner' };
const ok = (reasons: string[] = [], obligations: unknown[] = []) => ({ decision: 'allow', reasons, obligations });
const no = (...reasons: string[]) => ({ decision: 'deny', reasons, obligations: [] });

describe('security policies on the local stack', () => {
  beforeAll(async () => {
    await setUpCorp('pol');
    for (const [type, settings] of Object.entries(POLICIES)) {
      const put = await admin('pol', 'PUT', `/corps/pol/policies/${type}`, { enabled: true, scope: SCOPE, settings });
      expect([type, put.status, put.body.version, put.etag]).toEqual([type, 200, 1, '"1"']);
    }
  });

  it('keeps departments from employee.upserted on the member', async () => {
    expect((await admin('pol', 'GET', '/corps/pol/members/in')).body).toMatchObject({ departmentId: 'eng', status: 'active' });
  });

  it('lists every type, defaults for those never set, and answers one with its ETag', async () => {
    const fresh = await admin('fresh', 'GET', '/corps/fresh/policies');
    expect(fresh.body.items.map((p: any) => [p.type, p.enabled, p.version])).toEqual(Object.keys(POLICIES).map((type) => [type, false, 0]));
    const one = await admin('pol', 'GET', '/corps/pol/policies/ip-access');
    expect(one.etag).toBe('"1"');
    expect(one.body).toMatchObject({ type: 'ip-access', enabled: true, scope: SCOPE, settings: POLICIES['ip-access'], version: 1, changedBy: 'admin-1' });
    expect(one.body.changedAt).toMatch(/^2026-06-01T08:0\d:\d\dZ$/); // the stack's clock runs on from where it was set
  });

  it('gives the effective policy per member with its reason', async () => {
    const reasons = async (memberId: string) => {
      const { body } = await admin('pol', 'GET', `/corps/pol/members/${memberId}/effective-policy`);
      return Object.fromEntries(Object.entries(body).map(([type, e]: [string, any]) => [type, `${e.applies}:${e.reason}`]));
    };
    const all = (value: string) => Object.fromEntries(Object.keys(POLICIES).map((type) => [type, value]));
    expect(await reasons('in')).toEqual(all('true:IN_SCOPE'));
    expect(await reasons('out')).toEqual(all('false:OUT_OF_SCOPE'));
    expect(await reasons('noseat')).toEqual({ ...all('false:NO_SEAT'), 'visible-watermark': 'true:IN_SCOPE' });
    expect(await reasons('gone')).toEqual({ ...all('false:NO_SEAT'), 'visible-watermark': 'true:IN_SCOPE' });
    const noseat = (await admin('pol', 'GET', '/corps/pol/members/noseat/effective-policy')).body;
    expect(noseat['visible-watermark'].settings).toEqual({ surfaces: ['chat'], text: '{name}|{memberId}|{date}' });
    expect(noseat.devices.settings).toBeNull();
    expect((await admin('fresh', 'GET', '/corps/fresh/members/in/effective-policy')).body.code).toBe('MEMBER_NOT_FOUND');
  });

  it('decides every rule, with its reason codes and obligations, for each kind of member', async () => {
    const asked = (memberId: string) => [
      { action: 'file.share', memberId, resource: { ownerId: memberId }, context: { platform: 'android', clientVersion: '4.1.2', recipientCorpIds: ['globex'] } },
      { action: 'file.download', memberId, resource: file, context: { platform: 'windows', clientVersion: '4.1.2', deviceId: 'dev-1' } },
      { action: 'file.export', memberId: 'owner', resource: file, context: { platform: 'windows', clientVersion: '5.0' } },
      { action: 'file.preview', memberId, resource: file, context: { platform: 'web', clientVersion: '4.0.9', surface: 'doc' } },
      { action: 'file.preview', memberId, resource: file, context: { platform: 'web', clientVersion: '4.1.2', surface: 'doc' } },
      { action: 'file.preview', memberId, resource: file, context: { platform: 'web', clientVersion: '4.1.2', surface: 'chat' } },
      { action: 'login', memberId, context: { platform: 'windows', deviceId: 'dev-1' } },
      { action: 'login', memberId, context: { platform: 'ios' } },
      { action: 'mail.access', memberId, context: { platform: 'web', ip: '11.0.0.1' } },
      { action: 'mail.access', memberId, context: { platform: 'web', ip: '2001:db8::1' } },
      { action: 'drive.access', memberId, context: { platform: 'web' } },
      { action: 'screenshot', memberId, context: { platform: 'android' } },
      { action: 'screenshot', memberId, context: { platform: 'ios' } },
      { action: 'screenshot', memberId, context: { platform: 'mac' } },
      { action: 'screen.record', memberId, context: { platform: 'ios' } },
      { action: 'share.wechat', memberId, context: { platform: 'android' } },
      { action: 'open.in.other.app', memberId, context: { platform: 'ios' } },
    ];
    const text = (memberId: string) => ({ type: 'visible-watermark', text: `Name ${memberId}|${memberId}|2026-06-01` });
    const log = { type: 'log' };
    const expected = {
      in: [
        no('EXTERNAL_SHARE_BLOCKED'),
        no('DOWNLOAD_BLOCKED', 'UNTRUSTED_DEVICE'),
        ok([], [log]),
        no('CLIENT_TOO_OLD'),
        ok([], [log, text('in'), { type: 'dark-watermark' }]),
        ok([], [log, text('in')]),
        no('UNTRUSTED_DEVICE'),
        ok(['PLATFORM_NOT_COVERED'], [{ type: 'second-verification', url: 'https://verify.example/2fa' }]),
        no('IP_NOT_ALLOWED'),
        ok(),
        no('IP_NOT_ALLOWED'),
        no('SCREENSHOT_BLOCKED'),
        ok([], [log]),
        ok(['PLATFORM_NOT_COVERED']),
        no('SCREEN_RECORDING_BLOCKED'),
        no('SHARE_TO_WECHAT_BLOCKED'),
        no('OPEN_IN_OTHER_APP_BLOCKED'),
      ],
      // Out of scope: only the owner's file rules reach them.
      // A desktop screenshot is not covered whoever takes it.
      out: [ok(), no('DOWNLOAD_BLOCKED', 'UNTRUSTED_DEVICE'), ok([], [log]), no('CLIENT_TOO_OLD'), ok([], [log]), ok([], [log]), ok(), ok(), ok(), ok(), ok(), ok(), ok(), ok(['PLATFORM_NOT_COVERED']), ok(), ok(), ok()],
      // No seat: the basic behaviour (visible watermark on chat), and the owner's file rules.
      noseat: [
        ok(['NO_SEAT']), no('DOWNLOAD_BLOCKED', 'UNTRUSTED_DEVICE'), ok([], [log]), no('CLIENT_TOO_OLD'), ok(['NO_SEAT'], [log]), ok(['NO_SEAT'], [log, text('noseat')]),
        ...Array.from({ length: 7 }, () => ok(['NO_SEAT'])),
        ok(['NO_SEAT', 'PLATFORM_NOT_COVERED']),
        ...Array.from({ length: 3 }, () => ok(['NO_SEAT'])),
      ],
      gone: [...Array.from({ length: 2 }, () => no('MEMBER_DEPARTED')), ok([], [log]), ...Array.from({ length: 14 }, () => no('MEMBER_DEPARTED'))],
    };
    for (const [memberId, results] of Object.entries(expected)) {
      const answer = await decide('pol', asked(memberId));
      expect([memberId, answer.status]).toEqual([memberId, 200]);
      answer.body.results.forEach((result: unknown, i: number) => expect([memberId, i, result]).toEqual([memberId, i, results[i]]));
    }
    const strangers = await decide('pol', [
      { action: 'login', memberId: 'nobody', context: { platform: 'mac' } },
      { action: 'file.preview', memberId: 'visitor', resource: { ...file, ownerCorpId: 'pol' }, context: { platform: 'web', clientVersion: '4.2' } },
      { action: 'file.export', memberId: 'visitor', resource: { ...file, ownerCorpId: 'pol' }, context: { platform: 'web', clientVersion: '4.2' } },
    ]);
    expect(strangers.body.results).toEqual([no('MEMBER_NOT_FOUND'), no('EXTERNAL_SHARE_BLOCKED'), no('EXTERNAL_SHARE_BLOCKED', 'DOWNLOAD_BLOCKED')]);
  });

  it('registers desktop logins, lets admins trust a device, and decides by it at once', async () => {
    await decide('pol', [{ action: 'login', memberId: 'out', context: { platform: 'mac', deviceId: 'dev-1' } }]);
    const listed = await admin('pol', 'GET', '/corps/pol/devices?memberId=in');
    // Every login registers, allowed or denied (the departed member's too); the platform is the last login's.
    expect(listed.body.items).toEqual([
      { deviceId: 'dev-1', platform: 'mac', memberIds: ['gone', 'in', 'noseat', 'out'], firstSeenAt: expect.any(String), lastSeenAt: expect.any(String), trusted: false, kind: 'personal' },
    ]);
    expect(listed.body.items[0].firstSeenAt <= listed.body.items[0].lastSeenAt).toBe(true);
    expect((await admin('pol', 'GET', '/corps/pol/devices?memberId=owner')).body.items).toEqual([]);
    const trusted = await admin('pol', 'PUT', '/corps/pol/devices/dev-1', { trusted: true, kind: 'personal' });
    expect([trusted.status, trusted.body.trusted]).toEqual([200, true]);
    const after = await decide('pol', [
      { action: 'login', memberId: 'in', context: { platform: 'windows', deviceId: 'dev-1' } },
      { action: 'file.download', memberId: 'owner', resource: file, context: { platform: 'windows', clientVersion: '4.1.2', deviceId: 'dev-1' } },
    ]);
    expect(after.body.results).toEqual([ok([], [{ type: 'second-verification', url: 'https://verify.example/2fa' }]), ok([], [{ type: 'log' }])]);
    const unknown = await admin('pol', 'PUT', '/corps/pol/devices/dev-never', { trusted: true, kind: 'enterprise' });
    expect([unknown.status, unknown.body.code, unknown.type]).toEqual([404, 'DEVICE_NOT_FOUND', 'application/problem+json']);
  });

  it('keeps a device corp A marked enterprise to corp A while A enforces it, whatever corp B decides', async () => {
    await hire('corp-b', 'b1', null);
    const login = (corpId: string, memberId: string) => ({ action: 'login', memberId, context: { platform: 'windows', deviceId: 'dev-shared' } });
    // Corp A (pol) sees the device at a login, then marks it enterprise.
    expect((await decide('pol', [login('pol', 'out')])).body.results).toEqual([ok()]);
    expect((await decide('corp-b', [login('corp-b', 'b1')])).body.results).toEqual([ok(['NO_SEAT'])]);
    expect((await admin('pol', 'PUT', '/corps/pol/devices/dev-shared', { trusted: false, kind: 'enterprise' })).status).toBe(200);
    expect((await decide('corp-b', [login('corp-b', 'b1')])).body.results).toEqual([no('ENTERPRISE_DEVICE_OTHER_CORP')]);
    // Its own corp still lets it in (the member is out of the devices scope, so trust is not asked).
    expect((await decide('pol', [login('pol', 'out')])).body.results).toEqual([ok()]);
    // Not enforced any more: B lets it in again; enforced again, then the mark dropped: the same.
    const devicesPolicy = (enterpriseDeviceOwnCorpOnly: boolean) =>
      admin('pol', 'PUT', '/corps/pol/policies/devices', { enabled: true, scope: SCOPE, settings: { ...POLICIES.devices, enterpriseDeviceOwnCorpOnly } });
    expect((await devicesPolicy(false)).status).toBe(200);
    expect((await decide('corp-b', [login('corp-b', 'b1')])).body.results).toEqual([ok(['NO_SEAT'])]);
    expect((await devicesPolicy(true)).status).toBe(200);
    expect((await decide('corp-b', [login('corp-b', 'b1')])).body.results).toEqual([no('ENTERPRISE_DEVICE_OTHER_CORP')]);
    expect((await admin('pol', 'PUT', '/corps/pol/devices/dev-shared', { trusted: false, kind: 'personal' })).status).toBe(200);
    expect((await decide('corp-b', [login('corp-b', 'b1')])).body.results).toEqual([ok(['NO_SEAT'])]);
    expect((await admin('corp-b', 'GET', '/corps/corp-b/devices')).body.items.map((d: any) => [d.deviceId, d.memberIds])).toEqual([['dev-shared', ['b1']]]);
  });

  it('flips a member’s decisions at once when their seat is revoked or released', async () => {
    await setUpCorp('flip');
    await hire('flip', 'leaver', 'eng');
    expect((await seat('flip', 'leaver')).status).toBe(201);
    expect((await admin('flip', 'PUT', '/corps/flip/policies/external-sharing', { enabled: true, scope: SCOPE, settings: POLICIES['external-sharing'] })).status).toBe(200);
    const wechat = (memberId: string) => ({ action: 'share.wechat', memberId, context: { platform: 'android' } });
    expect((await decide('flip', [wechat('in'), wechat('leaver')])).body.results).toEqual([no('SHARE_TO_WECHAT_BLOCKED'), no('SHARE_TO_WECHAT_BLOCKED')]);
    expect((await admin('flip', 'DELETE', '/corps/flip/seats/allocations/in')).status).toBe(204);
    expect((await decide('flip', [wechat('in')])).body.results).toEqual([ok(['NO_SEAT'])]);
    expect((await seat('flip', 'in')).status).toBe(201);
    expect((await decide('flip', [wechat('in')])).body.results).toEqual([no('SHARE_TO_WECHAT_BLOCKED')]);
    expect((await depart('flip', 'leaver')).status).toBe(202);
    expect((await decide('flip', [wechat('leaver')])).body.results).toEqual([no('MEMBER_DEPARTED')]);
    // A department change moves a member out of scope.
    await hire('flip', 'in', 'sales');
    expect((await decide('flip', [wechat('in')])).body.results).toEqual([ok()]);
  });

  it('keeps every version, newest first, and refuses a stale If-Match without changing anything', async () => {
    const path = '/corps/pol/policies/screen-capture';
    const body = (screenshot: string) => ({ enabled: true, scope: SCOPE, settings: { screenshot, screenRecording: 'block' } });
    const second = await admin('pol', 'PUT', path, body('log'), { 'if-match': '"1"' });
    expect([second.status, second.body.version, second.etag]).toEqual([200, 2, '"2"']);
    const stale = await admin('pol', 'PUT', path, body('allow'), { 'if-match': '"1"' });
    expect([stale.status, stale.type, stale.body.code, stale.body.currentVersion]).toEqual([412, 'application/problem+json', 'VERSION_MISMATCH', 2]);
    expect((await admin('pol', 'GET', path)).body.settings.screenshot).toBe('log');
    const versions = (await admin('pol', 'GET', `${path}/versions`)).body.items;
    expect(versions.map((v: any) => [v.version, v.changedBy, v.policy.settings.screenshot])).toEqual([[2, 'admin-1', 'log'], [1, 'admin-1', 'block']]);
    expect((await admin('pol', 'PUT', path, body('block'), { 'if-match': '"2"' })).body.version).toBe(3);
    const never = await admin('pol2', 'PUT', '/corps/pol2/policies/screen-capture', body('block'), { 'if-match': '"0"' });
    expect([never.status, never.body.version]).toEqual([200, 1]);
  });

  it('refuses bad input with its problem and changes nothing', async () => {
    const state = async () => ({
      policies: (await admin('pol', 'GET', '/corps/pol/policies')).body.items.map((p: any) => [p.type, p.version]),
      ipVersions: (await admin('pol', 'GET', '/corps/pol/policies/ip-access/versions')).body.items.length,
      devices: (await admin('pol', 'GET', '/corps/pol/devices')).body.items.map((d: any) => [d.deviceId, d.trusted, d.kind, d.memberIds]),
    });
    const before = await state();
    const put = (type: string, settings: unknown, headers?: Record<string, string>) =>
      admin('pol', 'PUT', `/corps/pol/policies/${type}`, { enabled: true, scope: SCOPE, settings }, headers);
    const problems: [string, Promise<Answer>, number, string, string?][] = [
      ['unknown type', put('no-such-type', {}), 404, 'POLICY_TYPE_NOT_FOUND'],
      ['unknown type read', admin('pol', 'GET', '/corps/pol/policies/no-such-type'), 404, 'POLICY_TYPE_NOT_FOUND'],
      ['bad IPv4 CIDR', put('ip-access', { mail: ['10.0.0.0/33'] }), 400, 'VALIDATION_FAILED', '/settings/mail/0'],
      ['bad IPv6 CIDR', put('ip-access', { drive: ['192.168.0.0/16', '2001:db8::g/32'] }), 400, 'VALIDATION_FAILED', '/settings/drive/1'],
      ['host bits set', put('ip-access', { mail: ['10.0.0.1/8'] }), 400, 'VALIDATION_FAILED', '/settings/mail/0'],
      ['http URL', put('second-verification', { url: 'http://verify.example/' }), 400, 'VALIDATION_FAILED', '/settings/url'],
      ['not a URL', put('second-verification', { url: 'verify' }), 400, 'VALIDATION_FAILED', '/settings/url'],
      ['unknown surface', put('dark-watermark', { surfaces: ['doc', 'fax'] }), 400, 'VALIDATION_FAILED', '/settings/surfaces/1'],
      ['unknown setting', put('devices', { trustedDeviceLoginOnly: true, typo: 1 }), 400, 'VALIDATION_FAILED'],
      ['scope over 1,000 ids', admin('pol', 'PUT', '/corps/pol/policies/devices', { enabled: true, scope: { memberIds: Array.from({ length: 1001 }, (_, i) => `m${i}`) }, settings: {} }), 400, 'VALIDATION_FAILED'],
      ['stale If-Match', put('ip-access', { mail: [] }, { 'if-match': '"0"' }), 412, 'VERSION_MISMATCH'],
      ['If-Match naming no version', put('ip-access', { mail: [] }, { 'if-match': 'whatever' }), 412, 'VERSION_MISMATCH'],
      ['bad device kind', admin('pol', 'PUT', '/corps/pol/devices/dev-1', { trusted: false, kind: 'borrowed' }), 400, 'VALIDATION_FAILED'],
      ['enforcer on an admin route', (async () => call(await enforcerToken('pol'), 'PUT', '/corps/pol/devices/dev-1', { trusted: false, kind: 'personal' }))(), 403, 'FORBIDDEN'],
      ['enforcer setting a policy', (async () => call(await enforcerToken(), 'PUT', '/corps/pol/policies/ip-access', { enabled: false, scope: { all: true }, settings: {} }))(), 403, 'FORBIDDEN'],
    ];
    for (const [name, answer, status, code, path] of problems) {
      const { status: got, body, type } = await answer;
      expect([name, got, type, body.code]).toEqual([name, status, 'application/problem+json', code]);
      if (path) expect(body.errors.map((e: any) => e.path)).toContain(path);
    }
    const login = { action: 'login', memberId: 'in', context: { platform: 'windows', deviceId: 'dev-refused' } };
    const refused: [string, Promise<Answer>, number, string][] = [
      ['101 requests', decide('pol', Array.from({ length: 101 }, () => login)), 400, 'VALIDATION_FAILED'],
      ['no requests', decide('pol', []), 400, 'VALIDATION_FAILED'],
      ['an unknown action', decide('pol', [login, { ...login, action: 'print' }]), 400, 'VALIDATION_FAILED'],
      ['an admin token', (async () => decide('pol', [login], await adminToken('pol')))(), 403, 'FORBIDDEN'],
      ['an enforcer of another corp', (async () => decide('pol', [login], await enforcerToken('corp-b')))(), 403, 'FORBIDDEN'],
      ['a token with no role', (async () => decide('pol', [login], await adminToken('pol', 'x', '1h', { roles: [] })))(), 403, 'FORBIDDEN'],
      ['client-policy for another corp’s enforcer', (async () => call(await enforcerToken('corp-b'), 'GET', '/corps/pol/members/in/client-policy?platform=ios'))(), 403, 'FORBIDDEN'],
      ['client-policy without platform', (async () => call(await enforcerToken(), 'GET', '/corps/pol/members/in/client-policy'))(), 400, 'VALIDATION_FAILED'],
    ];
    for (const [name, answer, status, code] of refused) {
      const { status: got, body, type } = await answer;
      expect([name, got, type, body.code]).toEqual([name, status, 'application/problem+json', code]);
    }
    expect(await state()).toEqual(before);
  });

  it('serves the client bundle with an ETag, 304 while it holds, a new one after a change', async () => {
    const path = '/corps/pol/members/in/client-policy?platform=ios';
    const first = await call(await enforcerToken(), 'GET', path);
    expect(first.status).toBe(200);
    expect(first.etag).toBe(`"${first.body.version}"`);
    expect(first.body).toMatchObject({
      screenRecording: 'block',
      blockShareToWeChat: true,
      blockOpenInOtherApp: true,
      secondVerification: { url: 'https://verify.example/2fa', afterBackgroundSeconds: 30 },
      visibleWatermark: { surfaces: ['chat', 'doc'], text: 'Name in|in|{date}' },
      darkWatermark: { surfaces: ['doc'] },
    });
    const byAdmin = await call(await adminToken('pol'), 'GET', path, undefined, { 'if-none-match': first.etag! });
    expect([byAdmin.status, byAdmin.body, byAdmin.etag]).toEqual([304, null, first.etag]);
    expect((await call(await enforcerToken('pol'), 'GET', '/corps/pol/members/noseat/client-policy?platform=android')).body).toMatchObject({
      screenshot: 'allow',
      screenRecording: 'allow',
      secondVerification: null,
      visibleWatermark: { surfaces: ['chat'], text: 'Name noseat|noseat|{date}' },
      darkWatermark: null,
    });
    expect((await admin('pol', 'PUT', '/corps/pol/policies/external-sharing', { enabled: true, scope: SCOPE, settings: { blockShareToWeChat: false } })).status).toBe(200);
    const changed = await call(await enforcerToken(), 'GET', path, undefined, { 'if-none-match': first.etag! });
    expect([changed.status, changed.body.blockShareToWeChat]).toEqual([200, false]);
    expect(changed.etag).not.toBe(first.etag);
  });

  it('gives the dark watermark overlay by seat until the corp sets the policy, then by its scope and surfaces', async () => {
    const overlay = (corpId: string, memberId: string, surface?: string) =>
      admin(corpId, 'GET', `/corps/${corpId}/watermarks/overlay?memberId=${memberId}${surface ? `&surface=${surface}` : ''}`);
    await setUpCorp('v1');
    expect((await overlay('v1', 'out')).status).toBe(200);
    expect((await overlay('v1', 'noseat')).body.code).toBe('NOT_ENTITLED');
    expect((await overlay('pol', 'in')).status).toBe(200);
    expect((await overlay('pol', 'in', 'doc')).status).toBe(200);
    expect((await overlay('pol', 'in', 'chat')).body.code).toBe('NOT_ENTITLED');
    expect((await overlay('pol', 'out')).body.code).toBe('NOT_ENTITLED');
  });
});
