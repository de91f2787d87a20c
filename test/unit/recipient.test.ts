import { describe, expect, it } from 'vitest';
import { resolveRecipient, type ChainMember } from '#core/recipient';

const directory = (...members: [string, 'active' | 'departed', string | null][]) => {
  const byId = new Map<string, ChainMember>(members.map(([memberId, status, managerId]) => [memberId, { memberId, status, managerId }]));
  return (id: string) => byId.get(id);
};

describe('resolveRecipient', () => {
  it('picks the direct manager when active', () => {
    const lookup = directory(['m-7', 'departed', 'm-2'], ['m-2', 'active', 'm-1'], ['m-1', 'active', null]);
    expect(resolveRecipient('m-7', lookup, null)).toEqual({ recipientId: 'm-2', via: 'manager', chain: [{ memberId: 'm-2', status: 'active' }] });
  });

  it('skips departed and unknown managers up the chain', () => {
    const lookup = directory(['m-7', 'departed', 'm-2'], ['m-2', 'departed', 'm-ghost'], ['m-1', 'active', null]);
    expect(resolveRecipient('m-7', lookup, 'm-1')).toMatchObject({ recipientId: 'm-1', via: 'fallback' });
    const chain = directory(['m-7', 'departed', 'm-2'], ['m-2', 'departed', 'm-1'], ['m-1', 'active', null]);
    expect(resolveRecipient('m-7', chain, null)).toMatchObject({ recipientId: 'm-1', via: 'manager' });
  });

  it('falls back, or asks the admin with a reason', () => {
    const lookup = directory(['m-7', 'departed', null], ['m-admin', 'active', null], ['m-old', 'departed', null]);
    expect(resolveRecipient('m-7', lookup, 'm-admin')).toMatchObject({ recipientId: 'm-admin', via: 'fallback' });
    expect(resolveRecipient('m-7', lookup, 'm-old')).toMatchObject({ recipientId: null, reason: expect.stringContaining('m-old') });
    expect(resolveRecipient('m-7', lookup, null)).toMatchObject({ recipientId: null, reason: expect.any(String) });
  });

  it('ends on a manager cycle instead of looping', () => {
    const lookup = directory(['m-7', 'departed', 'a'], ['a', 'departed', 'b'], ['b', 'departed', 'a']);
    expect(resolveRecipient('m-7', lookup, null)).toMatchObject({ recipientId: null });
    const selfManaged = directory(['m-7', 'departed', 'm-7']);
    expect(resolveRecipient('m-7', selfManaged, null)).toMatchObject({ recipientId: null });
  });
});
