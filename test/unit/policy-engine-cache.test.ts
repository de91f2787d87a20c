import { describe, expect, it } from 'vitest';
import { defaultPolicy, type Policy } from '#core/policies/model';
import type { DeviceRegistry, PolicyBook, PolicyEpoch } from '#ports/policies';
import type { Member, MemberDirectory } from '#ports/stores';
import { decide } from '#use-cases/decisions';

/** The container's engine cache: reused while the corp's epoch holds, rebuilt from what changed. */
const world = () => {
  const epoch: PolicyEpoch = { policies: 0, members: 0, devices: 0, seats: 0 };
  const reads = { policies: 0, members: 0, devices: 0 };
  const member = (memberId: string, seat: boolean): Member => ({
    corpId: 'cache',
    memberId,
    name: memberId,
    managerId: null,
    departmentId: null,
    status: 'active',
    departedAt: null,
    heldSeatAtDeparture: false,
    seat: seat ? { allocationId: 'a', allocatedAt: '2026-01-01T00:00:00Z', revocableUntil: '2026-01-08T00:00:00Z', lockedAt: null } : null,
    seatSpans: seat ? [{ from: '2026-01-01T00:00:00Z', until: null }] : [],
    scheduledDeparture: null,
    departureScheduleId: null,
  });
  let members = [member('m1', true)];
  let stored: Policy[] = [{ ...defaultPolicy('external-sharing'), enabled: true, scope: { all: true }, settings: { blockShareToWeChat: true, blockOpenInOtherApp: false }, version: 1 }];
  const ports = {
    clock: { now: () => new Date('2026-06-01T08:00:00Z') },
    policies: {
      readEpoch: async () => ({ ...epoch }),
      listPolicies: async () => (reads.policies++, stored),
      getPolicyOfCorps: async () => new Map(),
    } as unknown as PolicyBook,
    members: { allMembers: async () => (reads.members++, members) } as unknown as MemberDirectory,
    devices: { allDevices: async () => (reads.devices++, []), enterpriseOwners: async () => new Map(), recordLogins: async () => {} } as unknown as DeviceRegistry,
  };
  const wechat = async () => (await decide(ports, 'cache', [{ action: 'share.wechat', memberId: 'm1', context: { platform: 'android' } }]))[0]!.decision;
  return {
    epoch,
    reads,
    wechat,
    setSeat: (seat: boolean) => (members = [member('m1', seat)]),
    setBlock: (block: boolean) => (stored = [{ ...stored[0]!, settings: { blockShareToWeChat: block, blockOpenInOtherApp: false } } as Policy]),
  };
};

describe('engine cache', () => {
  it('compiles once while the epoch holds, reloads only the part whose counter moved, and sees a seat change at the next decision', async () => {
    const w = world();
    expect(await w.wechat()).toBe('deny');
    expect(await w.wechat()).toBe('deny');
    expect(w.reads).toEqual({ policies: 1, members: 1, devices: 1 });

    // A seat released: the pool's counter moved, so the members are read again, nothing else.
    w.setSeat(false);
    expect(await w.wechat()).toBe('deny'); // the counter has not moved yet: the cached engine answers
    w.epoch.seats++;
    expect(await w.wechat()).toBe('allow');
    expect(w.reads).toEqual({ policies: 1, members: 2, devices: 1 });

    w.setSeat(true);
    w.epoch.seats++;
    w.setBlock(false);
    w.epoch.policies++;
    expect(await w.wechat()).toBe('allow');
    expect(w.reads).toEqual({ policies: 2, members: 3, devices: 1 });

    w.epoch.devices++;
    expect(await w.wechat()).toBe('allow');
    expect(w.reads).toEqual({ policies: 2, members: 3, devices: 2 });
  });
});
