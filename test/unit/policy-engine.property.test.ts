import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ACTIONS, decisionFacts, PolicyEngine, type DecisionRequest } from '#core/policies/engine';
import { PLATFORMS, POLICY_TYPES, SURFACES, withDefaults, type DeviceTrust, type Policy, type PolicyMember, type Scope } from '#core/policies/model';
import { referenceDecide } from '../support/policy-reference.ts';

/** The compiled engine decides as the plain reference written from the contract, on random worlds. */
const CORP = 'acme';
const memberIds = ['m0', 'm1', 'm2', 'm3', 'm4', 'm5'];
const departments = ['d0', 'd1', 'd2'];
const deviceIds = ['dev0', 'dev1', 'dev2', 'dev3'];
const cidrs = ['10.0.0.0/8', '10.1.0.0/16', '192.168.0.0/24', '192.168.1.0/24', '0.0.0.0/0', '2001:db8::/32', '2001:db8:1::/48', 'fe80::/10', '::/0', '172.16.0.1/32'];
const ips = ['10.1.2.3', '10.200.0.1', '192.168.0.9', '192.168.1.255', '192.168.2.1', '172.16.0.1', '8.8.8.8', '2001:db8::1', '2001:db8:1::5', '2001:db9::1', 'fe80::1', '::ffff:10.1.2.3', '::1', 'bogus'];
const versions = ['4.1.2', '4.1.1', '4.1', '4.2', '5', '3.9.9', '4.1.2.1', 'x.y'];

const scope: fc.Arbitrary<Scope> = fc.oneof(
  fc.constant({ all: true as const }),
  fc.record({ memberIds: fc.subarray(memberIds), departmentIds: fc.subarray(departments) }),
);
const surfaces = fc.subarray([...SURFACES]);

const settingsOf = {
  'file-leak-prevention': fc.record({ blockExternalShare: fc.boolean(), blockDownload: fc.boolean(), trustedDeviceDownloadOnly: fc.boolean(), minClientVersion: fc.constantFrom('4.1.2', '4.1', '0', '5.0.0') }),
  'visible-watermark': fc.record({ surfaces, text: fc.constantFrom('{name} {memberId} {date}', 'Confidential {name}', '{date}{date}', 'plain') }),
  'dark-watermark': fc.record({ surfaces }),
  devices: fc.record({ trustedDeviceLoginOnly: fc.boolean(), enterpriseDeviceOwnCorpOnly: fc.boolean() }),
  'screen-capture': fc.record({ screenshot: fc.constantFrom('allow' as const, 'block' as const, 'log' as const), screenRecording: fc.constantFrom('allow' as const, 'block' as const) }),
  'external-sharing': fc.record({ blockShareToWeChat: fc.boolean(), blockOpenInOtherApp: fc.boolean() }),
  'second-verification': fc.record({ url: fc.constantFrom('https://verify.example/a', 'https://v.example/'), afterBackgroundSeconds: fc.nat(600) }),
  'ip-access': fc.record({ mail: fc.subarray(cidrs), drive: fc.subarray(cidrs) }),
};

const policies = fc.tuple(...POLICY_TYPES.map((type) =>
  fc.option(fc.record({ enabled: fc.boolean(), scope, settings: settingsOf[type] as fc.Arbitrary<unknown> }), { nil: undefined }).map(
    (set) => (set ? ({ ...withDefaults([])[type], ...set, version: 1 } as Policy) : undefined),
  ),
)).map((list) => withDefaults(list.filter((p): p is Policy => p !== undefined)));

// Some ids are left out, so requests also name members this corp never saw.
const members: fc.Arbitrary<PolicyMember[]> = fc.subarray(memberIds).chain((ids) =>
  fc.tuple(...ids.map((memberId) =>
    fc.record({ departmentId: fc.option(fc.constantFrom(...departments), { nil: null }), seat: fc.boolean(), departed: fc.boolean() }).map(
      (m): PolicyMember => ({ memberId, name: `N-${memberId}`, departmentId: m.departmentId, seat: m.seat && !m.departed, departed: m.departed }),
    ),
  )),
);

const devices: fc.Arbitrary<DeviceTrust[]> = fc.subarray(deviceIds).chain((ids) =>
  fc.tuple(...ids.map((deviceId) => fc.record({ trusted: fc.boolean(), kind: fc.constantFrom('personal' as const, 'enterprise' as const) }).map((d) => ({ deviceId, ...d })))),
);

const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const request: fc.Arbitrary<DecisionRequest> = fc
  .record({
    action: fc.constantFrom(...ACTIONS),
    memberId: fc.constantFrom(...memberIds, 'stranger'),
    resource: maybe(fc.record({ fileId: maybe(fc.constant('f1')), ownerId: maybe(fc.constantFrom(...memberIds, 'stranger')), ownerCorpId: maybe(fc.constantFrom(CORP, 'globex')) })),
    context: fc.record({
      platform: fc.constantFrom(...PLATFORMS),
      clientVersion: maybe(fc.constantFrom(...versions)),
      deviceId: maybe(fc.constantFrom(...deviceIds, 'dev-unknown')),
      ip: maybe(fc.constantFrom(...ips)),
      surface: maybe(fc.constantFrom(...SURFACES)),
      recipientCorpIds: maybe(fc.subarray([CORP, 'globex', 'initech'])),
    }),
  })
  .map((r) => JSON.parse(JSON.stringify(r)) as DecisionRequest); // undefined fields absent, as in JSON

describe('compiled engine against the reference', () => {
  it('decides every request as the reference does', () => {
    fc.assert(
      fc.property(policies, members, devices, fc.subarray(deviceIds), fc.array(request, { minLength: 1, maxLength: 20 }), (policies, members, devices, elsewhere, requests) => {
        const now = new Date('2026-05-01T17:30:00Z');
        const engine = PolicyEngine.compile({ corpId: CORP, policies, members, devices });
        const facts = decisionFacts(now, new Set(elsewhere));
        const world = { corpId: CORP, policies, members, devices, enterpriseElsewhere: elsewhere, date: facts.date };
        for (const r of requests) expect(engine.decide(r, facts)).toEqual(referenceDecide(world, r));
      }),
      { numRuns: 2000 },
    );
  });
});
