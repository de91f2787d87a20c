import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { client } from './client.ts';
import { corpScenario } from '../support/offboarding.ts';
import { startFakeAssetService } from '../support/fake-asset-service.ts';
import { assetProvidersFromEnv } from '#adapters/assets/http-provider';
import { assetProviders } from '#providers/asset-providers';
import type { AssetProvider } from '#ports/handovers';

/*
 * Preview and undo of handovers (issue 19) on the local stack, driven through the contract as an
 * admin, HR and the asset services would.
 */
let stack: LocalStack;
let api: ReturnType<typeof client>;

beforeAll(async () => {
  // Some tests put an asset service (or a gate) in place of the embedded provider, so handlers run in this process.
  stack = await startLocalStack({ runtime: 'sources' });
  api = client(stack.url);
  await api.local('POST', '/local/clock', { now: '2026-06-01T08:00:00Z' });
});
afterAll(() => stack?.stop());
afterEach(() => assetProviders.use(assetProvidersFromEnv({})));

const past = { startsAt: '2026-05-20T02:00:00Z', endsAt: '2026-05-20T03:00:00Z' };
const future = { startsAt: '2026-06-10T02:00:00Z', endsAt: '2026-06-10T03:00:00Z' };
const json = async (url: string) => (await (await fetch(url)).json()) as any;
const ids = (list: any[]) => list.map((a) => a.assetId).sort();
const fakeProviders = (url: string) =>
  assetProvidersFromEnv({ STEWARD_ASSET_SERVICE_URL_DOC: url, STEWARD_ASSET_SERVICE_URL_DRIVE: url, STEWARD_ASSET_SERVICE_URL_CALENDAR: url });

describe('handover preview', () => {
  it('answers the plan (recipient up the chain, counts, what stays and why, the first 100, the full plan) and moves nothing', async () => {
    const corp = corpScenario(api, 'pv-chain');
    await corp.hire('vp');
    await corp.hire('lead', 'vp');
    await corp.hire('dev', 'lead');
    await corp.depart('lead');
    await corp.settledHandover('lead');
    const docs = await corp.assets('doc', 'doc', 110, 'dev');
    await corp.assets('drive', 'file', 5, 'dev');
    for (let i = 0; i < 4; i++) await corp.asset('calendar', `event-${i}`, 'dev', i < 3 ? past : future);

    const preview = await api.admin('pv-chain', 'POST', '/corps/pv-chain/handovers/preview', { fromMemberId: 'dev' });
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({
      planId: expect.stringMatching(/^plan_/),
      fromMemberId: 'dev',
      toMemberId: 'vp',
      recipient: { memberId: 'vp', via: 'manager', chain: [{ memberId: 'lead', status: 'departed' }, { memberId: 'vp', status: 'active' }], reason: null },
      assetTypes: ['doc', 'drive', 'calendar'],
      counts: { doc: { transfer: 110, skip: 0 }, drive: { transfer: 5, skip: 0 }, calendar: { transfer: 1, skip: 3 } },
      skipped: [{ assetType: 'calendar', reason: 'The event already ended.', count: 3 }],
      total: 119,
      plannedAt: expect.stringMatching(/^2026-06-01T08:/),
    });
    expect(preview.body.assets).toHaveLength(100);
    expect(preview.body.assets[0]).toEqual({ assetType: 'doc', assetId: docs[0], title: `Title of ${docs[0]}`, action: 'transfer', reason: null });
    const full = await json(preview.body.planUrl);
    expect(full.assets).toHaveLength(119);
    expect(full.assets.filter((a: any) => a.action === 'skip').map((a: any) => a.assetId)).toEqual(['event-0', 'event-1', 'event-2']);

    // Nothing moved, nothing recorded.
    expect(await corp.owned('dev')).toHaveLength(119);
    expect(await corp.handoversOf('dev')).toEqual([]);

    // The types asked for only, and a recipient named by the admin.
    const chosen = await api.admin('pv-chain', 'POST', '/corps/pv-chain/handovers/preview', { fromMemberId: 'dev', toMemberId: 'vp', assetTypes: ['calendar'] });
    expect(chosen.body).toMatchObject({ recipient: { memberId: 'vp', via: 'chosen', chain: [] }, total: 4, counts: { doc: { transfer: 0 }, calendar: { transfer: 1, skip: 3 } } });
  });

  it('says why the handover would wait for an admin, and refuses bad requests with problem+json', async () => {
    const corp = corpScenario(api, 'pv-alone');
    await corp.hire('loner');
    await corp.hire('gone');
    await corp.depart('gone');
    await corp.settledHandover('gone');
    await corp.assets('doc', 'ld', 2, 'loner');
    const path = '/corps/pv-alone/handovers/preview';

    const alone = await api.admin('pv-alone', 'POST', path, { fromMemberId: 'loner' });
    expect(alone.status).toBe(200);
    expect(alone.body).toMatchObject({ toMemberId: null, recipient: { memberId: null, via: null, chain: [] }, counts: { doc: { transfer: 2 } } });
    expect(alone.body.recipient.reason).toMatch(/no active manager/i);

    const refusals = [
      await api.admin('pv-alone', 'POST', path, { fromMemberId: 'loner', toMemberId: 'gone' }),
      await api.admin('pv-alone', 'POST', path, { fromMemberId: 'nobody' }),
      await api.admin('pv-alone', 'POST', path, { fromMemberId: 'loner', toMemberId: 'loner' }),
      await api.admin('pv-alone', 'POST', path, { fromMemberId: 'loner', assetTypes: ['mail'] }),
      await api.admin('other', 'POST', path, { fromMemberId: 'loner' }, 'other'),
    ];
    expect(refusals.map((r) => [r.status, r.body.code])).toEqual([
      [409, 'RECIPIENT_NOT_ACTIVE'],
      [404, 'MEMBER_NOT_FOUND'],
      [400, 'VALIDATION_FAILED'],
      [400, 'VALIDATION_FAILED'],
      [403, 'FORBIDDEN'],
    ]);
    expect(refusals.every((r) => r.type === 'application/problem+json')).toBe(true);
    expect(await corp.owned('loner')).toHaveLength(2);
  });

  it('records the plan on a departure’s handover before it runs; the report sets it against the outcome', async () => {
    const corp = corpScenario(api, 'pv-auto');
    await corp.hire('boss');
    await corp.hire('li', 'boss');
    await corp.buySeats(2);
    await corp.giveSeats('li');
    await corp.assets('doc', 'ad', 3, 'li');
    await corp.asset('calendar', 'old', 'li', past);

    await corp.depart('li');
    const handover = await corp.settledHandover('li');
    expect(handover).toMatchObject({
      status: 'succeeded',
      plan: {
        recipient: { memberId: 'boss', via: 'manager', chain: [{ memberId: 'boss', status: 'active' }] },
        counts: { doc: { transfer: 3, skip: 0 }, calendar: { transfer: 0, skip: 1 } },
        skipped: [{ assetType: 'calendar', reason: 'The event already ended.', count: 1 }],
        total: 4,
      },
      counts: { doc: { transferred: 3 }, calendar: { skipped: 1 } },
    });
    expect((await json(handover.plan.planUrl)).assets).toHaveLength(4);
    const report = await json(handover.reportUrl);
    expect(report.plan).toMatchObject({ total: 4, counts: { doc: { transfer: 3 } } });
    expect(report.counts).toMatchObject({ doc: { transferred: 3 } });
  });
});

describe('handover undo', () => {
  const undo = (corpId: string, handoverId: string, tokenCorp = corpId) =>
    api.admin(corpId, 'POST', `/corps/${corpId}/handovers/${handoverId}/undo`, undefined, tokenCorp);

  it('moves back what is still the recipient’s; edited, re-assigned and deleted assets are skipped with why; the member stays departed', async () => {
    const corp = corpScenario(api, 'un-auto');
    await corp.hire('boss');
    await corp.hire('li', 'boss');
    await corp.hire('ann');
    await corp.buySeats(2);
    await corp.giveSeats('li');
    const docs = await corp.assets('doc', 'ud', 6, 'li');
    await corp.asset('calendar', 'meet', 'li', future);
    await corp.depart('li');
    const handover = await corp.settledHandover('li');
    expect(handover).toMatchObject({ status: 'succeeded', toMemberId: 'boss', counts: { doc: { transferred: 6 }, calendar: { transferred: 1 } } });

    // After the handover: boss edits one doc, gives another to ann, and one is deleted.
    expect((await api.webhook('assets', { type: 'asset.upserted', data: { corpId: 'un-auto', assetType: 'doc', assetId: docs[0], ownerId: 'boss', title: 'Edited by boss', externalShares: 0 } })).status).toBe(202);
    await corp.asset('doc', docs[1]!, 'ann');
    await api.webhook('assets', { type: 'asset.deleted', data: { corpId: 'un-auto', assetType: 'doc', assetId: docs[2] } });

    const undone = await undo('un-auto', handover.handoverId);
    expect(undone.status).toBe(202);
    expect(undone.body).toMatchObject({ fromMemberId: 'boss', toMemberId: 'li', mode: 'manual', status: 'running', undoes: handover.handoverId });
    const again = await undo('un-auto', handover.handoverId);
    expect(again).toMatchObject({ status: 202, body: { handoverId: undone.body.handoverId } });

    const settled = await corp.settled(undone.body.handoverId);
    expect(settled).toMatchObject({ status: 'succeeded', counts: { doc: { transferred: 3, skipped: 3, failed: 0 }, calendar: { transferred: 1 } } });
    expect(ids(await corp.owned('li'))).toEqual([docs[3], docs[4], docs[5], 'meet'].sort());
    expect(ids(await corp.owned('boss'))).toEqual([docs[0]]);
    expect(ids(await corp.owned('ann'))).toEqual([docs[1]]);
    const lines = (await json(settled.reportUrl)).assets;
    expect(lines.filter((l: any) => l.result === 'skipped').map((l: any) => [l.assetId, l.error])).toEqual([
      [docs[0], 'The asset changed since the handover.'],
      [docs[1], 'The asset is now owned by ann, not boss.'],
      [docs[2], 'The asset was deleted since the handover.'],
    ]);
    expect(await corp.handover(handover.handoverId)).toMatchObject({ undoneBy: undone.body.handoverId });
    expect((await corp.handoversOf('boss')).map((h) => h.handoverId)).toEqual([undone.body.handoverId]);

    // Not the member, not the seat.
    expect((await api.admin('un-auto', 'GET', '/corps/un-auto/members/li')).body).toMatchObject({ status: 'departed' });
    expect((await api.admin('un-auto', 'GET', '/corps/un-auto/seats/allocations/li')).status).toBe(404);
    expect((await api.admin('un-auto', 'GET', '/corps/un-auto/seats')).body).toMatchObject({ allocated: 0 });
  });

  it('after a partial failure moves back only what moved, with reverse calls to the asset service; an undo can be undone', async () => {
    const fake = await startFakeAssetService({ secret: process.env.STEWARD_ASSET_SERVICE_SECRET! });
    try {
      assetProviders.use(fakeProviders(fake.url));
      const corp = corpScenario(api, 'un-partial');
      await corp.hire('mgr');
      await corp.hire('leaver', 'mgr');
      await corp.buySeats(2);
      await corp.giveSeats('leaver');
      const docs = await corp.assets('doc', 'pd', 10, 'leaver');
      for (const id of docs) fake.owners.set(id, 'leaver');
      fake.refused.add(docs[4]!);

      await corp.depart('leaver');
      const first = await corp.settledHandover('leaver');
      expect(first).toMatchObject({ status: 'partially_failed', counts: { doc: { transferred: 9, failed: 1 } } });

      const undone = await undo('un-partial', first.handoverId);
      expect(undone.status).toBe(202);
      const back = await corp.settled(undone.body.handoverId);
      expect(back).toMatchObject({ status: 'succeeded', undoes: first.handoverId, counts: { doc: { transferred: 9, failed: 0, skipped: 0 } } });
      expect(ids(await corp.owned('leaver'))).toEqual(docs);
      for (const id of docs) expect(fake.owners.get(id)).toBe('leaver');
      expect(fake.movesOf(docs[0]!)).toBe(2);
      expect(fake.movesOf(docs[4]!)).toBe(0);

      // Undo of the undo: the nine go to mgr again.
      const redo = await undo('un-partial', undone.body.handoverId);
      expect(redo).toMatchObject({ status: 202, body: { fromMemberId: 'leaver', toMemberId: 'mgr', undoes: undone.body.handoverId } });
      expect(await corp.settled(redo.body.handoverId)).toMatchObject({ status: 'succeeded', counts: { doc: { transferred: 9 } } });
      expect(ids(await corp.owned('leaver'))).toEqual([docs[4]]);
      expect(fake.owners.get(docs[0]!)).toBe('mgr');
    } finally {
      await fake.stop();
    }
  });

  it('an undo that partly failed can be undone again: the retry moves back what is still with the recipient, and says the rest is back', async () => {
    const fake = await startFakeAssetService({ secret: process.env.STEWARD_ASSET_SERVICE_SECRET! });
    try {
      assetProviders.use(fakeProviders(fake.url));
      const corp = corpScenario(api, 'un-retry');
      await corp.hire('mgr');
      await corp.hire('leaver', 'mgr');
      await corp.buySeats(2);
      await corp.giveSeats('leaver');
      const docs = await corp.assets('doc', 'rd', 4, 'leaver');
      for (const id of docs) fake.owners.set(id, 'leaver');
      await corp.depart('leaver');
      const first = await corp.settledHandover('leaver');
      expect(first).toMatchObject({ status: 'succeeded', counts: { doc: { transferred: 4 } } });

      // The asset service refuses one move back.
      fake.refused.add(docs[2]!);
      const undone = await undo('un-retry', first.handoverId);
      const partly = await corp.settled(undone.body.handoverId);
      expect(partly).toMatchObject({ status: 'partially_failed', counts: { doc: { transferred: 3, failed: 1 } } });
      expect(ids(await corp.owned('mgr'))).toEqual([docs[2]]);

      // Once it accepts again, the original is undone again: a new undo, which replaces the failed one.
      fake.refused.delete(docs[2]!);
      const retry = await undo('un-retry', first.handoverId);
      expect(retry).toMatchObject({ status: 202, body: { undoes: first.handoverId, fromMemberId: 'mgr', toMemberId: 'leaver' } });
      expect(retry.body.handoverId).not.toBe(undone.body.handoverId);
      const settled = await corp.settled(retry.body.handoverId);
      expect(settled).toMatchObject({ status: 'succeeded', counts: { doc: { transferred: 1, skipped: 3, failed: 0 } } });
      expect(ids(await corp.owned('leaver'))).toEqual(docs);
      expect(fake.owners.get(docs[2]!)).toBe('leaver');
      const skipped = (await json(settled.reportUrl)).assets.filter((l: any) => l.result === 'skipped');
      expect(skipped.map((l: any) => l.error)).toEqual(Array(3).fill('The asset is back with leaver already.'));
      expect(await corp.handover(first.handoverId)).toMatchObject({ undoneBy: retry.body.handoverId });
      // A succeeded undo is final: asking again answers it.
      expect(await undo('un-retry', first.handoverId)).toMatchObject({ status: 202, body: { handoverId: retry.body.handoverId } });
    } finally {
      await fake.stop();
    }
  });

  it('is refused while either member has a handover running, for a handover that never ran, and with another corp’s token', async () => {
    const corp = corpScenario(api, 'un-busy');
    await corp.hire('mgr');
    await corp.hire('a', 'mgr');
    await corp.assets('doc', 'ba', 2, 'a');
    const first = await api.admin('un-busy', 'POST', '/corps/un-busy/handovers', { fromMemberId: 'a' });
    await corp.settled(first.body.handoverId);

    // mgr is handing over something of their own, held open by a slow asset service.
    let release!: () => void;
    const gate = new Promise<void>((done) => (release = done));
    const embedded = assetProvidersFromEnv({});
    const slow = (inner: AssetProvider): AssetProvider => ({ transfer: async (request) => (await gate, inner.transfer(request)) });
    assetProviders.use({ doc: slow(embedded.doc), drive: slow(embedded.drive), calendar: slow(embedded.calendar) });
    await corp.hire('heir');
    await corp.asset('doc', 'mgr-own', 'mgr');
    const busy = await api.admin('un-busy', 'POST', '/corps/un-busy/handovers', { fromMemberId: 'mgr', toMemberId: 'heir' });
    expect(busy.status).toBe(202);
    const refused = await undo('un-busy', first.body.handoverId);
    expect(refused).toMatchObject({ status: 409, type: 'application/problem+json', body: { code: 'HANDOVER_RUNNING', handoverId: busy.body.handoverId } });
    release();
    await corp.settled(busy.body.handoverId);

    expect((await undo('un-busy', first.body.handoverId, 'other')).status).toBe(403);
    expect((await undo('un-busy', 'ho_unknown')).body.code).toBe('HANDOVER_NOT_FOUND');
    await corp.hire('solo');
    await corp.depart('solo');
    const waiting = await corp.settledHandover('solo');
    expect(waiting.status).toBe('awaiting_admin');
    expect((await undo('un-busy', waiting.handoverId)).body.code).toBe('NOTHING_TO_UNDO');
    expect(await corp.handover(first.body.handoverId)).not.toHaveProperty('undoneBy');
    // Nothing went back to a: mgr's own handover then took everything mgr owned to heir.
    expect(await corp.owned('a')).toEqual([]);
    expect(ids(await corp.owned('heir'))).toEqual(['ba-00000', 'ba-00001', 'mgr-own']);
  });

  // Moves the stack's clock: last in the file.
  it('closes 30 days after the handover finished, on the local clock', async () => {
    const corp = corpScenario(api, 'un-window');
    await corp.hire('mgr');
    await corp.hire('a', 'mgr');
    await corp.hire('b', 'mgr');
    await corp.assets('doc', 'wa', 2, 'a');
    await corp.assets('doc', 'wb', 2, 'b');
    const handOver = async (memberId: string) =>
      corp.settled((await api.admin('un-window', 'POST', '/corps/un-window/handovers', { fromMemberId: memberId })).body.handoverId);
    const [first, second] = [await handOver('a'), await handOver('b')];
    const closesAt = (handover: any) => Date.parse(handover.finishedAt) + 30 * 86_400_000;

    await api.local('POST', '/local/clock', { now: new Date(closesAt(first) - 2_000).toISOString() });
    const inTime = await undo('un-window', first.handoverId);
    expect(inTime.status).toBe(202);
    expect(await corp.settled(inTime.body.handoverId)).toMatchObject({ status: 'succeeded', counts: { doc: { transferred: 2 } } });

    await api.local('POST', '/local/clock', { now: new Date(closesAt(second)).toISOString() });
    const late = await undo('un-window', second.handoverId);
    expect(late).toMatchObject({
      status: 409,
      type: 'application/problem+json',
      body: { code: 'UNDO_WINDOW_CLOSED', undoableUntil: new Date(closesAt(second)).toISOString().replace('.000', '') },
    });
    expect(ids(await corp.owned('mgr'))).toEqual(['wb-00000', 'wb-00001']);
    expect(await corp.handover(second.handoverId)).not.toHaveProperty('undoneBy');
  });
});
