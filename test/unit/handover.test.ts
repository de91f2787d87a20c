import { describe, expect, it } from 'vitest';
import { countOutcomes, departureMode, emptyCounts, finalStatus, isStaleAssetEvent, reasonToKeep } from '#core/handover';

describe('handover rules', () => {
  it('orders asset events by version: an older or equal one is stale, unversioned ones keep the latest-wins rule', () => {
    // A redelivery, or an event overtaken by a transfer stamped with the service's version or by a tombstone.
    expect(isStaleAssetEvent({ version: 5 }, 5)).toBe(true);
    expect(isStaleAssetEvent({ version: 5 }, 4)).toBe(true);
    expect(isStaleAssetEvent({ version: 5 }, 6)).toBe(false);
    // Nothing stored yet, or nothing to order against: the event applies.
    expect(isStaleAssetEvent(null, 1)).toBe(false);
    expect(isStaleAssetEvent({ version: null }, 1)).toBe(false);
    expect(isStaleAssetEvent({ version: 5 }, null)).toBe(false);
  });

  it('keeps calendar events that ended by now, moves the rest', () => {
    const now = '2026-06-01T08:00:00Z';
    expect(reasonToKeep({ assetType: 'calendar', endsAt: '2026-06-01T07:59:59Z' }, now)).toBe('The event already ended.');
    // Ending exactly now: it is over.
    expect(reasonToKeep({ assetType: 'calendar', endsAt: now }, now)).toBe('The event already ended.');
    expect(reasonToKeep({ assetType: 'calendar', endsAt: '2026-06-01T08:00:01Z' }, now)).toBeNull();
    expect(reasonToKeep({ assetType: 'doc', endsAt: null }, now)).toBeNull();
  });

  it('runs automatically only for a seat holder in a corp with auto on', () => {
    expect(departureMode(true, true)).toEqual({ auto: true });
    expect(departureMode(false, true)).toMatchObject({ auto: false, reason: expect.stringMatching(/no seat/) });
    expect(departureMode(true, false)).toMatchObject({ auto: false, reason: expect.stringMatching(/off/) });
  });

  it('counts outcomes per type and result', () => {
    const counts = countOutcomes([
      { assetType: 'doc', result: 'transferred' },
      { assetType: 'doc', result: 'transferred' },
      { assetType: 'calendar', result: 'skipped' },
      { assetType: 'drive', result: 'failed' },
    ]);
    expect(counts).toEqual({
      doc: { transferred: 2, failed: 0, skipped: 0 },
      drive: { transferred: 0, failed: 1, skipped: 0 },
      calendar: { transferred: 0, failed: 0, skipped: 1 },
    });
  });

  it('succeeds without failures, is partial with some, and fails when nothing could be settled', () => {
    expect(finalStatus(emptyCounts())).toBe('succeeded');
    const skippedOnly = emptyCounts();
    skippedOnly.calendar.skipped = 4;
    expect(finalStatus(skippedOnly)).toBe('succeeded');
    const partial = emptyCounts();
    partial.doc.transferred = 17;
    partial.doc.failed = 3;
    expect(finalStatus(partial)).toBe('partially_failed');
    const allFailed = emptyCounts();
    allFailed.drive.failed = 2;
    expect(finalStatus(allFailed)).toBe('failed');
  });
});
