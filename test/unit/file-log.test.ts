import { describe, expect, it } from 'vitest';
import {
  chainSegment,
  compareCopies,
  FILE_EVENT_FIELDS,
  csvHeader,
  csvRow,
  dailyDigest,
  dayHead,
  digestFinding,
  heldSeatAt,
  isHotDay,
  inFileLeakScopeAt,
  policyInForceAt,
  queryFor,
  seatSpans,
  verifyChain,
  withRacedCopies,
  type FileEvent,
} from '#core/file-log';
import type { Policy } from '#core/policies/model';

const event = (n: number, extra: Partial<FileEvent> = {}): FileEvent => ({
  eventId: `e${String(n).padStart(3, '0')}`,
  corpId: 'acme',
  memberId: 'm1',
  action: 'download',
  fileId: 'f1',
  fileName: 'plan.docx',
  channel: 'drive',
  occurredAt: `2026-06-01T08:${String(n % 60).padStart(2, '0')}:00Z`,
  ...extra,
});

const flp = (version: number, changedAt: string, enabled: boolean, scope: Policy['scope']): Policy<'file-leak-prevention'> => ({
  type: 'file-leak-prevention',
  enabled,
  scope,
  settings: { blockExternalShare: false, blockDownload: false, trustedDeviceDownloadOnly: false, minClientVersion: '4.1.2' },
  version,
  changedBy: 'admin',
  changedAt,
});

describe('in file-leak-prevention scope at t', () => {
  const versions = [
    flp(1, '2026-06-01T00:00:00Z', true, { memberIds: [], departmentIds: ['eng'] }),
    flp(2, '2026-06-02T00:00:00Z', true, { memberIds: ['m9'], departmentIds: [] }),
  ];
  const member = { memberId: 'm1', departmentId: 'eng', seatSpans: [{ from: '2026-06-01T06:00:00Z', until: '2026-06-01T18:00:00Z' }] };

  it('needs a seat held at t: the span opens inclusive and closes exclusive', () => {
    expect(heldSeatAt(member.seatSpans, '2026-06-01T06:00:00Z')).toBe(true);
    expect(heldSeatAt(member.seatSpans, '2026-06-01T05:59:59Z')).toBe(false);
    expect(heldSeatAt(member.seatSpans, '2026-06-01T18:00:00Z')).toBe(false);
    expect(heldSeatAt([{ from: '2026-06-01T06:00:00Z', until: null }], '2030-01-01T00:00:00Z')).toBe(true);
  });

  it("pairs the ledger's grants and releases, with seats from before the history began", () => {
    expect(seatSpans(['2026-06-01T06:00:00Z', '2026-06-02T06:00:00Z'], ['2026-06-01T18:00:00Z'], '2026-06-02T06:00:00Z')).toEqual([
      { from: '2026-06-01T06:00:00Z', until: '2026-06-01T18:00:00Z' },
      { from: '2026-06-02T06:00:00Z', until: null },
    ]);
    // Held before the history began: counts from its own allocatedAt.
    expect(seatSpans([], [], '2026-05-01T00:00:00Z')).toEqual([{ from: '2026-05-01T00:00:00Z', until: null }]);
    // Granted before the history, released after, granted again: the first release closes the unrecorded seat.
    expect(seatSpans(['2026-06-03T00:00:00Z'], ['2026-06-02T00:00:00Z'], '2026-06-03T00:00:00Z')).toEqual([{ from: '2026-06-03T00:00:00Z', until: null }]);
    // An undone grant closes where it opened: held at no instant.
    expect(heldSeatAt(seatSpans(['2026-06-01T06:00:00Z'], ['2026-06-01T06:00:00Z'], null), '2026-06-01T06:00:00Z')).toBe(false);
  });

  it('uses the policy version in force at t, with fractional instants compared as instants', () => {
    expect(policyInForceAt(versions, '2026-05-31T23:59:59Z')).toBeNull();
    expect(policyInForceAt(versions, '2026-06-01T12:00:00.500Z')?.version).toBe(1);
    expect(policyInForceAt(versions, '2026-06-02T00:00:00Z')?.version).toBe(2);
  });

  it('is seat at t AND the version in force at t covering the member', () => {
    expect(inFileLeakScopeAt(member, versions, '2026-06-01T08:00:00Z')).toBe(true);
    expect(inFileLeakScopeAt(member, versions, '2026-06-01T19:00:00Z')).toBe(false); // seat released before
    expect(inFileLeakScopeAt({ ...member, seatSpans: [{ from: '2026-06-01T00:00:00Z', until: null }] }, versions, '2026-06-02T08:00:00Z')).toBe(false); // v2 no longer covers
    expect(inFileLeakScopeAt(member, [flp(1, '2026-06-01T00:00:00Z', false, { all: true })], '2026-06-01T08:00:00Z')).toBe(false);
  });
});

describe('hash chain', () => {
  const events = Array.from({ length: 10 }, (_, i) => event(i));
  const first = chainSegment('acme', '2026-06-01', 1, events.slice(0, 6));
  const second = chainSegment('acme', '2026-06-01', 2, events.slice(6));
  const all = [...first.events, ...second.events];
  const seals = [first.seal, second.seal];

  it('verifies an untouched day, and the head folds segments in order', () => {
    expect(verifyChain('acme', '2026-06-01', seals, all)).toBeNull();
    expect(dayHead('acme', '2026-06-01', [second.seal, first.seal])).toEqual(dayHead('acme', '2026-06-01', seals));
    expect(dayHead('acme', '2026-06-01', seals).count).toBe(10);
  });

  it('names an altered event', () => {
    const altered = all.map((e) => (e.eventId === 'e003' ? { ...e, fileName: 'other.docx' } : e));
    expect(verifyChain('acme', '2026-06-01', seals, altered)?.eventId).toBe('e003');
  });

  it('names the place of a removed event', () => {
    const found = verifyChain('acme', '2026-06-01', seals, all.filter((e) => e.eventId !== 'e007'));
    expect(found).toMatchObject({ segment: 2, position: 1, eventId: 'e008' });
    expect(verifyChain('acme', '2026-06-01', seals, all.filter((e) => e.eventId !== 'e009'))?.problem).toMatch(/removed \(after e008\)/);
  });

  it('names a reordered event (positions swapped, or lines moved in the archive)', () => {
    const swapped = all.map((e) => (e.eventId === 'e002' ? { ...e, position: 3 } : e.eventId === 'e003' ? { ...e, position: 2 } : e));
    expect(verifyChain('acme', '2026-06-01', seals, swapped)?.eventId).toBe('e003');
    const moved = [all[0]!, all[2]!, all[1]!, ...all.slice(3)];
    expect(verifyChain('acme', '2026-06-01', seals, moved, { inWrittenOrder: true })?.eventId).toBe('e001');
  });

  it('names an inserted event, inside a segment, after its end, or in a segment never sealed', () => {
    const forged = { ...event(50, { eventId: 'forged' }), segment: 1, position: 6, hash: 'x' };
    expect(verifyChain('acme', '2026-06-01', seals, [...all, forged])?.eventId).toBe('forged');
    expect(verifyChain('acme', '2026-06-01', seals, [...all, { ...forged, segment: 9, position: 0 }])?.eventId).toBe('forged');
    const shifted = [...first.events.slice(0, 2), { ...forged, position: 2 }, ...first.events.slice(2).map((e) => ({ ...e, position: e.position + 1 })), ...second.events];
    expect(verifyChain('acme', '2026-06-01', seals, shifted)?.eventId).toBe('forged');
  });

  it('names the first event where the hot store and the archive disagree', () => {
    expect(compareCopies(all, all)).toBeNull();
    const other = all.map((e) => (e.eventId === 'e004' ? { ...e, ip: '10.0.0.1' } : e));
    expect(compareCopies(all, other)?.eventId).toBe('e004');
  });
});

describe('two deliveries of the same new events racing past the dedupe lookup', () => {
  // Both chained the events, in segments 1 and 2; the hot store keeps one item per event (the later write).
  const first = chainSegment('acme', '2026-06-01', 1, [event(1), event(2), event(3)]);
  const second = chainSegment('acme', '2026-06-01', 2, [event(2), event(4)]);
  const seals = [first.seal, second.seal];
  const archived = [...first.events, ...second.events];
  const hot = [...first.events.filter((e) => e.eventId !== 'e002'), ...second.events];

  it('is not a removal: the overwritten position is the same event, kept under the other segment', () => {
    expect(verifyChain('acme', '2026-06-01', seals, hot)).toMatchObject({ segment: 1, position: 1, problem: expect.stringMatching(/removed/) });
    const asWritten = withRacedCopies(hot, archived);
    expect(verifyChain('acme', '2026-06-01', seals, asWritten)).toBeNull();
    expect(compareCopies(asWritten, archived)).toBeNull();
  });

  it('still finds an event removed for good, or kept elsewhere in an altered form', () => {
    const removed = hot.filter((e) => e.eventId !== 'e003');
    expect(verifyChain('acme', '2026-06-01', seals, withRacedCopies(removed, archived))).toMatchObject({ segment: 1, position: 2, problem: expect.stringMatching(/removed/) });
    const altered = hot.map((e) => (e.eventId === 'e002' ? { ...e, fileName: 'other.docx' } : e));
    expect(verifyChain('acme', '2026-06-01', seals, withRacedCopies(altered, archived))).not.toBeNull();
  });
});

describe('the hot window', () => {
  it('holds a day whole for 180 days; from then on TTL may have taken part of it', () => {
    expect(isHotDay('2026-06-01', '2026-06-01')).toBe(true);
    expect(isHotDay('2026-06-01', '2026-11-27')).toBe(true); // day 179
    expect(isHotDay('2026-06-01', '2026-11-28')).toBe(false); // day 180: the first items expire
  });
});

describe('daily digest', () => {
  const one = chainSegment('acme', '2026-06-01', 1, [event(1), event(2)]).seal;
  const two = chainSegment('acme', '2026-06-01', 2, [event(3)]).seal;
  const three = chainSegment('acme', '2026-06-01', 3, [event(4)]).seal;

  it("commits to the seals in segment order and to the day's head over them", () => {
    const digest = dailyDigest('acme', '2026-06-01', [two, one]);
    expect(digest.segments.map((s) => s.segment)).toEqual([1, 2]);
    expect({ count: digest.count, headHash: digest.headHash }).toEqual(dayHead('acme', '2026-06-01', [one, two]));
  });

  it('holds while its seals do, whatever later segments were added', () => {
    expect(digestFinding(dailyDigest('acme', '2026-06-01', [one, two]), [one, two, three])).toBeNull();
  });

  it('names a bound segment whose seal is gone, or was rewritten', () => {
    const digest = dailyDigest('acme', '2026-06-01', [one, two]);
    expect(digestFinding(digest, [one])).toMatchObject({ segment: 2, problem: expect.stringMatching(/segment 2.*removed/) });
    const rewritten = chainSegment('acme', '2026-06-01', 1, [event(1)]).seal;
    expect(digestFinding(digest, [rewritten, two])).toMatchObject({ segment: 1, problem: expect.stringMatching(/rewritten/) });
  });

  it('refuses a digest edited to match edited seals without its head', () => {
    const digest = dailyDigest('acme', '2026-06-01', [one, two]);
    expect(digestFinding({ ...digest, segments: [one] }, [one])).toMatchObject({ problem: expect.stringMatching(/own head/) });
  });
});

describe('queries and CSV', () => {
  it('serves each filter from its most selective key', () => {
    const none = { fileId: null, memberId: null, action: null, from: null, to: null };
    expect(queryFor({ ...none, fileId: 'f', memberId: 'm' })).toBe('file');
    expect(queryFor({ ...none, memberId: 'm', action: 'view' })).toBe('member');
    expect(queryFor({ ...none, action: 'view' })).toBe('action');
    expect(queryFor(none)).toBe('corp');
  });

  it('quotes per RFC 4180 and defuses spreadsheet formulas', () => {
    expect(csvHeader()).toBe('eventId,corpId,memberId,action,fileId,fileName,channel,recipients,deviceId,ip,occurredAt\r\n');
    const row = csvRow(event(1, { fileName: '=HYPERLINK("x"),1', recipients: [{ corpId: 'beta', memberId: 'b1' }, { corpId: 'gamma' }] }));
    expect(row).toBe('e001,acme,m1,download,f1,"\'=HYPERLINK(""x""),1",drive,beta/b1 gamma,,,2026-06-01T08:01:00Z\r\n');
  });

  it('has a column for every field of a file event, the optional ones included', () => {
    const whole: Required<FileEvent> = { ...event(1), recipients: [{ corpId: 'beta' }], deviceId: 'd1', ip: '10.0.0.1' };
    expect([...FILE_EVENT_FIELDS].sort()).toEqual(Object.keys(whole).sort());
    expect(csvRow(whole)).toBe('e001,acme,m1,download,f1,plan.docx,drive,beta,d1,10.0.0.1,2026-06-01T08:01:00Z\r\n');
  });
});
