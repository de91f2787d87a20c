import { describe, expect, it, vi } from 'vitest';
import { planDepartureHandover } from '#use-cases/handovers';
import type { Ports } from '#ports/ports';

/** Ports that fail the test if the use case reaches past what it should. */
const unreachable = (name: string) =>
  new Proxy({}, { get: (_, method) => () => Promise.reject(new Error(`${name}.${String(method)} should not be called`)) });

describe('a departure while an admin’s handover of the member is open', () => {
  it('leaves the departure to the open handover and records no plan for a handover that will not exist', async () => {
    const put = vi.fn();
    const ports = {
      // Only these two: any other call is undefined and fails the test.
      handovers: { get: async () => null, openHandover: async () => ({ handoverId: 'ho_admin', status: 'running' as const }) },
      members: unreachable('members'),
      assets: unreachable('assets'),
      documents: { put },
      clock: { now: () => new Date('2026-06-01T08:00:00Z') },
    } as unknown as Pick<Ports, 'handovers' | 'members' | 'assets' | 'documents' | 'clock'>;
    const decided = await planDepartureHandover(ports, { corpId: 'c1', memberId: 'leaver', handoverId: 'ho_departure' });
    expect(decided).toEqual({ handoverId: 'ho_departure', transfer: false });
    expect(put).not.toHaveBeenCalled();
  });
});
