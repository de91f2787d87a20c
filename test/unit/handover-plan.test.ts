import { describe, expect, it } from 'vitest';
import type { Asset } from '#core/handover';
import { PLAN_SAMPLE_SIZE, PlanTally, chosenRecipient, planLine, recipientPlan, undoRefusal, undoSkipReason, undoableUntil } from '#core/handover-plan';

const asset = (assetType: Asset['assetType'], assetId: string, endsAt: string | null = null): Asset => ({
  corpId: 'acme', assetType, assetId, ownerId: 'm-7', title: `Title ${assetId}`, externalShares: 0,
  startsAt: endsAt, endsAt, updatedAt: '2026-05-01T00:00:00Z', version: null,
});
const now = '2026-06-01T08:00:00Z';

describe('handover plan', () => {
  it('plans each asset with the transfer rule: ended events stay, the rest move', () => {
    expect(planLine(asset('calendar', 'e1', '2026-06-01T07:00:00Z'), now)).toEqual({
      assetType: 'calendar', assetId: 'e1', title: 'Title e1', action: 'skip', reason: 'The event already ended.',
    });
    expect(planLine(asset('calendar', 'e2', '2026-06-02T07:00:00Z'), now)).toMatchObject({ action: 'transfer', reason: null });
    expect(planLine(asset('doc', 'd1'), now)).toMatchObject({ action: 'transfer', reason: null });
  });

  it('counts per type, groups what stays by reason and keeps the first 100 lines', () => {
    const tally = new PlanTally();
    for (let i = 0; i < 150; i++) tally.add(planLine(asset('doc', `d${i}`), now));
    for (let i = 0; i < 3; i++) tally.add(planLine(asset('calendar', `past${i}`, '2026-05-01T00:00:00Z'), now));
    const plan = tally.plan(chosenRecipient('m-2'), ['doc', 'calendar'], now);
    expect(plan).toEqual({
      recipient: { memberId: 'm-2', via: 'chosen', chain: [], reason: null },
      assetTypes: ['doc', 'calendar'],
      counts: { doc: { transfer: 150, skip: 0 }, drive: { transfer: 0, skip: 0 }, calendar: { transfer: 0, skip: 3 } },
      skipped: [{ assetType: 'calendar', reason: 'The event already ended.', count: 3 }],
      total: 153,
      plannedAt: now,
    });
    expect(tally.sample).toHaveLength(PLAN_SAMPLE_SIZE);
    expect(tally.sample[0]!.assetId).toBe('d0');
  });

  it('explains the recipient: the chain walked, the fallback, or why an admin must choose', () => {
    expect(recipientPlan({ recipientId: 'm-1', via: 'manager', chain: [{ memberId: 'm-2', status: 'departed' }, { memberId: 'm-1', status: 'active' }] })).toEqual({
      memberId: 'm-1', via: 'manager', chain: [{ memberId: 'm-2', status: 'departed' }, { memberId: 'm-1', status: 'active' }], reason: null,
    });
    expect(recipientPlan({ recipientId: null, reason: 'No active manager.', chain: [] })).toEqual({ memberId: null, via: null, chain: [], reason: 'No active manager.' });
  });
});

describe('undo', () => {
  const finished = { handoverId: 'ho_1', status: 'succeeded', toMemberId: 'm-2', finishedAt: '2026-06-01T08:00:00Z' };

  it('is open for 30 days after the handover finished: until, not at, finishedAt + 30 x 24 h', () => {
    expect(undoableUntil(finished.finishedAt)).toBe('2026-07-01T08:00:00Z');
    expect(undoRefusal(finished, '2026-07-01T07:59:59Z')).toBeNull();
    expect(undoRefusal(finished, '2026-07-01T08:00:00Z')).toEqual({
      code: 'UNDO_WINDOW_CLOSED', detail: expect.stringContaining('2026-07-01T08:00:00Z'), undoableUntil: '2026-07-01T08:00:00Z',
    });
  });

  it('refuses a handover still running, and one that never ran', () => {
    expect(undoRefusal({ ...finished, status: 'running', finishedAt: null }, now)).toMatchObject({ code: 'HANDOVER_RUNNING' });
    expect(undoRefusal({ ...finished, status: 'awaiting_admin', toMemberId: null, finishedAt: null }, now)).toMatchObject({ code: 'NOTHING_TO_UNDO' });
    // Partial or failed handovers moved something (or nothing, which is then skipped): they can be undone.
    expect(undoRefusal({ ...finished, status: 'partially_failed' }, now)).toBeNull();
  });

  it('moves back only what is still the recipient’s and untouched since', () => {
    const moved = { handoverId: 'ho_1', from: 'm-1', to: 'm-2' };
    const current = (ownerId: string, handedOverBy: string | null) => ({ asset: { ...asset('doc', 'd1'), ownerId }, handedOverBy });
    expect(undoSkipReason(current('m-2', 'ho_1'), moved)).toBeNull();
    expect(undoSkipReason(null, moved)).toBe('The asset was deleted since the handover.');
    expect(undoSkipReason(current('m-9', 'ho_2'), moved)).toBe('The asset is now owned by m-9, not m-2.');
    expect(undoSkipReason(current('m-2', null), moved)).toBe('The asset changed since the handover.');
    // Moved back already, by an undo that failed on other assets and is being retried.
    expect(undoSkipReason(current('m-1', 'ho_undo_1'), moved)).toBe('The asset is back with m-1 already.');
  });
});
