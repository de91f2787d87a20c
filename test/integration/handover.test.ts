import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { client, eventually } from './client.ts';
import { corpScenario } from '../support/offboarding.ts';
import { startFakeAssetService } from '../support/fake-asset-service.ts';
import { assetProvidersFromEnv } from '#adapters/assets/http-provider';
import { assetProviders } from '#providers/asset-providers';
import { assets } from '#providers/asset-catalog';
import { documents } from '#providers/documents';
import { handovers } from '#providers/handover-book';
import { alerts } from '#providers/alerts';
import { clock } from '#providers/clock';
import { workflows } from '#providers/workflows';
import { portsFrom } from '#commons/provider';
import { sweepStuckHandovers } from '#use-cases/handovers';
import type { AssetProvider, AssetProviders, DocumentStore, HandoverBook } from '#ports/handovers';
import type { WorkflowStarter } from '#ports/workflows';

/*
 * Offboarding on the local stack, driven as HR, billing, the asset services and an admin would:
 * the departure and handover workflows run from the synthesised definitions to completion.
 */
let stack: LocalStack;
let api: ReturnType<typeof client>;

beforeAll(async () => {
  // The tests put other asset providers in place, so the handlers run in this process.
  stack = await startLocalStack({ runtime: 'sources' });
  api = client(stack.url);
  await api.local('POST', '/local/clock', { now: '2026-06-01T08:00:00Z' });
});
afterAll(() => stack?.stop());
afterEach(() => assetProviders.use(assetProvidersFromEnv({})));

const past = { startsAt: '2026-05-20T02:00:00Z', endsAt: '2026-05-20T03:00:00Z' };
const future = { startsAt: '2026-06-10T02:00:00Z', endsAt: '2026-06-10T03:00:00Z' };
const report = async (url: string) => (await (await fetch(url)).json()) as { assets: any[]; counts: unknown; status: string };
const fakeProviders = (url: string) =>
  assetProvidersFromEnv({
    STEWARD_ASSET_SERVICE_URL_DOC: url,
    STEWARD_ASSET_SERVICE_URL_DRIVE: url,
    STEWARD_ASSET_SERVICE_URL_CALENDAR: url,
  });
const wrapped = (providers: AssetProviders, wrap: (inner: AssetProvider) => AssetProvider): AssetProviders => ({
  doc: wrap(providers.doc),
  drive: wrap(providers.drive),
  calendar: wrap(providers.calendar),
});

describe('offboarding handover', () => {
  it('hands a seat holder’s 56 movable assets to the direct manager and keeps the 4 past events', async () => {
    const corp = corpScenario(api, 'ho-auto');
    await corp.hire('boss');
    await corp.hire('li', 'boss');
    await corp.buySeats(5);
    expect((await corp.giveSeats('li')).status).toBe(201);
    const docs = await corp.assets('doc', 'doc', 30, 'li');
    const files = await corp.assets('drive', 'file', 20, 'li');
    for (let i = 0; i < 10; i++) expect((await corp.asset('calendar', `event-${i}`, 'li', i < 4 ? past : future)).status).toBe(202);

    expect((await corp.depart('li')).status).toBe(202);
    const handover = await corp.settledHandover('li');

    expect(handover).toMatchObject({
      fromMemberId: 'li',
      toMemberId: 'boss',
      mode: 'auto',
      status: 'succeeded',
      counts: {
        doc: { transferred: 30, failed: 0, skipped: 0 },
        drive: { transferred: 20, failed: 0, skipped: 0 },
        calendar: { transferred: 6, failed: 0, skipped: 4 },
      },
    });
    expect(handover.finishedAt).not.toBeNull();
    const bossOwns = await corp.owned('boss');
    expect(bossOwns).toHaveLength(56);
    expect(bossOwns.map((a) => a.assetId).sort()).toEqual(
      [...docs, ...files, ...Array.from({ length: 6 }, (_, i) => `event-${i + 4}`)].sort(),
    );
    expect((await corp.owned('li')).map((a) => a.assetId).sort()).toEqual(['event-0', 'event-1', 'event-2', 'event-3']);

    expect(handover.reportUrl).toContain('X-Amz-Expires=900');
    const body = await report(handover.reportUrl);
    expect(body.assets).toHaveLength(60);
    expect(new Set(body.assets.map((a) => `${a.assetType}#${a.assetId}`)).size).toBe(60);
    expect(body.assets.find((a) => a.assetId === 'event-0')).toMatchObject({
      assetType: 'calendar', title: 'Title of event-0', from: 'li', to: 'li', result: 'skipped', error: 'The event already ended.',
    });
    expect(body.assets.find((a) => a.assetId === 'doc-00000')).toMatchObject({ from: 'li', to: 'boss', result: 'transferred', error: null });
  });

  it('resolves the recipient up the chain, then the fallback, else waits for an admin; cycles end', async () => {
    const corp = corpScenario(api, 'ho-chain');
    await corp.buySeats(10);
    await corp.hire('ceo');
    await corp.hire('vp', 'ceo');
    await corp.hire('lead', 'vp');
    await corp.hire('dev', 'lead');
    await corp.hire('intern', 'lead');
    await corp.hire('loner');
    await corp.hire('cy-a', 'cy-b');
    await corp.hire('cy-b', 'cy-a');
    await corp.hire('fallback');
    await corp.giveSeats('dev', 'intern', 'loner', 'cy-a');
    for (const member of ['dev', 'intern', 'loner', 'cy-a']) await corp.asset('doc', `doc-of-${member}`, member);

    // Direct manager gone: the grand-manager receives.
    await corp.depart('lead');
    await corp.depart('intern');
    expect(await corp.settledHandover('intern')).toMatchObject({ status: 'succeeded', toMemberId: 'vp', mode: 'auto' });
    expect((await corp.owned('vp')).map((a) => a.assetId)).toEqual(['doc-of-intern']);

    // Two levels gone: the walk goes on up.
    await corp.depart('vp');
    await corp.depart('dev');
    expect(await corp.settledHandover('dev')).toMatchObject({ status: 'succeeded', toMemberId: 'ceo', mode: 'auto' });
    expect((await corp.owned('ceo')).map((a) => a.assetId)).toEqual(['doc-of-dev']);

    // Nobody up the chain and no fallback: recorded for an admin, with the reason.
    await corp.depart('loner');
    const waiting = await corp.settledHandover('loner');
    expect(waiting).toMatchObject({ status: 'awaiting_admin', toMemberId: null, reportUrl: null });
    expect(waiting.reason).toMatch(/no active manager/i);

    // A manager cycle (cy-a <-> cy-b, cy-b gone) ends the walk and falls back.
    const settings = await api.admin('ho-chain', 'PUT', '/corps/ho-chain/settings/handover', { auto: true, fallbackRecipientId: 'fallback' });
    expect(settings).toMatchObject({ status: 200, body: { auto: true, fallbackRecipientId: 'fallback' } });
    expect((await api.admin('ho-chain', 'GET', '/corps/ho-chain/settings/handover')).body).toEqual({ auto: true, fallbackRecipientId: 'fallback' });
    await corp.depart('cy-b');
    await corp.depart('cy-a');
    expect(await corp.settledHandover('cy-a')).toMatchObject({ status: 'succeeded', toMemberId: 'fallback' });
    expect((await corp.owned('fallback')).map((a) => a.assetId)).toEqual(['doc-of-cy-a']);
  });

  it('records a seatless departure for an admin, whose manual handover then succeeds; bad requests change nothing', async () => {
    const corp = corpScenario(api, 'ho-manual');
    await corp.hire('mgr');
    await corp.hire('temp', 'mgr');
    await corp.hire('heir');
    await corp.hire('gone');
    await corp.depart('gone');
    await corp.assets('doc', 'tdoc', 3, 'temp');
    await corp.asset('calendar', 'standup', 'temp', future);

    await corp.depart('temp');
    const waiting = await corp.settledHandover('temp');
    expect(waiting).toMatchObject({ status: 'awaiting_admin', mode: 'auto', toMemberId: null });
    expect(waiting.reason).toMatch(/no seat/i);

    const path = '/corps/ho-manual/handovers';
    const refusals = [
      await api.admin('ho-manual', 'POST', path, { fromMemberId: 'temp', toMemberId: 'gone' }),
      await api.admin('ho-manual', 'POST', path, { fromMemberId: 'temp', toMemberId: 'nobody' }),
      await api.admin('ho-manual', 'POST', path, { fromMemberId: 'nobody', toMemberId: 'heir' }),
      await api.admin('ho-manual', 'POST', path, { fromMemberId: 'temp', toMemberId: 'temp' }),
      await api.admin('ho-manual', 'POST', path, { fromMemberId: 'temp', assetTypes: ['mail'] }),
      await api.admin('other', 'POST', path, { fromMemberId: 'temp', toMemberId: 'heir' }, 'other'),
    ];
    expect(refusals.map((r) => [r.status, r.body.code])).toEqual([
      [409, 'RECIPIENT_NOT_ACTIVE'],
      [404, 'MEMBER_NOT_FOUND'],
      [404, 'MEMBER_NOT_FOUND'],
      [400, 'VALIDATION_FAILED'],
      [400, 'VALIDATION_FAILED'],
      [403, 'FORBIDDEN'],
    ]);
    expect(refusals.every((r) => r.type === 'application/problem+json')).toBe(true);
    expect(await corp.handover(waiting.handoverId)).toMatchObject({ status: 'awaiting_admin', toMemberId: null });
    expect(await corp.owned('temp')).toHaveLength(4);

    const started = await api.admin('ho-manual', 'POST', path, { fromMemberId: 'temp', toMemberId: 'heir', assetTypes: ['doc'] });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ handoverId: waiting.handoverId, mode: 'manual', toMemberId: 'heir', assetTypes: ['doc'] });
    const done = await corp.settled(waiting.handoverId);
    expect(done).toMatchObject({ status: 'succeeded', counts: { doc: { transferred: 3 }, calendar: { transferred: 0, skipped: 0 } } });
    expect((await corp.owned('heir')).map((a) => a.assetId)).toEqual(['tdoc-00000', 'tdoc-00001', 'tdoc-00002']);
    expect((await corp.owned('temp')).map((a) => a.assetId)).toEqual(['standup']);
    expect(await corp.handoversOf('temp')).toHaveLength(1);
  });

  it('retries an asset service that fails 30% of calls and ends succeeded', async () => {
    const fake = await startFakeAssetService({ secret: process.env.STEWARD_ASSET_SERVICE_SECRET!, failureRate: 0.3, seed: 7 });
    try {
      assetProviders.use(fakeProviders(fake.url));
      const corp = corpScenario(api, 'ho-flaky');
      await corp.hire('mgr');
      await corp.hire('leaver', 'mgr');
      await corp.buySeats(2);
      await corp.giveSeats('leaver');
      const ids = [...(await corp.assets('doc', 'fd', 25, 'leaver')), ...(await corp.assets('drive', 'ff', 15, 'leaver'))];
      for (const id of ids) fake.owners.set(id, 'leaver');

      await corp.depart('leaver');
      const handover = await corp.settledHandover('leaver');
      expect(handover).toMatchObject({ status: 'succeeded', counts: { doc: { transferred: 25, failed: 0 }, drive: { transferred: 15, failed: 0 } } });
      expect(fake.stats().failures).toBeGreaterThan(0);
      for (const id of ids) {
        expect(fake.owners.get(id)).toBe('mgr');
        expect(fake.movesOf(id)).toBe(1);
      }
      expect(await corp.owned('mgr')).toHaveLength(40);
    } finally {
      await fake.stop();
    }
  });

  it('lists permanent refusals as failed (partially_failed) and a re-run finishes them', async () => {
    const fake = await startFakeAssetService({ secret: process.env.STEWARD_ASSET_SERVICE_SECRET! });
    try {
      assetProviders.use(fakeProviders(fake.url));
      const corp = corpScenario(api, 'ho-partial');
      await corp.hire('mgr');
      await corp.hire('leaver', 'mgr');
      await corp.buySeats(2);
      await corp.giveSeats('leaver');
      const ids = await corp.assets('doc', 'pd', 20, 'leaver');
      for (const id of ids) fake.owners.set(id, 'leaver');
      const held = [ids[2]!, ids[9]!, ids[17]!];
      for (const id of held) fake.refused.add(id);

      await corp.depart('leaver');
      const first = await corp.settledHandover('leaver');
      expect(first).toMatchObject({ status: 'partially_failed', counts: { doc: { transferred: 17, failed: 3, skipped: 0 } } });
      const failed = (await report(first.reportUrl)).assets.filter((a) => a.result === 'failed');
      expect(failed.map((a) => a.assetId).sort()).toEqual(held);
      expect(failed[0].error).toMatch(/legal hold/);
      expect((await corp.owned('leaver')).map((a) => a.assetId)).toEqual(held);

      fake.refused.clear();
      const rerun = await api.admin('ho-partial', 'POST', '/corps/ho-partial/handovers', { fromMemberId: 'leaver' });
      expect(rerun).toMatchObject({ status: 202, body: { mode: 'manual', toMemberId: 'mgr', status: 'running' } });
      expect(rerun.body.handoverId).not.toBe(first.handoverId);
      const second = await corp.settled(rerun.body.handoverId);
      expect(second).toMatchObject({ status: 'succeeded', counts: { doc: { transferred: 3, failed: 0 } } });
      expect(await corp.owned('leaver')).toEqual([]);
      expect(await corp.owned('mgr')).toHaveLength(20);
      for (const id of ids) expect(fake.owners.get(id)).toBe('mgr');
    } finally {
      await fake.stop();
    }
  });

  it('survives a transfer call killed halfway through a batch: no asset moved twice or lost', async () => {
    const fake = await startFakeAssetService({ secret: process.env.STEWARD_ASSET_SERVICE_SECRET! });
    try {
      let calls = 0;
      // The "kill" lands after the service moved the asset and before Steward recorded it.
      assetProviders.use(
        wrapped(fakeProviders(fake.url), (inner) => ({
          transfer: async (request) => {
            const outcome = await inner.transfer(request);
            if (++calls === 37) throw new Error('Lambda killed mid-batch');
            return outcome;
          },
        })),
      );
      const corp = corpScenario(api, 'ho-crash');
      await corp.hire('mgr');
      await corp.hire('leaver', 'mgr');
      await corp.buySeats(2);
      await corp.giveSeats('leaver');
      const ids = await corp.assets('doc', 'cd', 120, 'leaver');
      for (const id of ids) fake.owners.set(id, 'leaver');

      await corp.depart('leaver');
      const handover = await corp.settledHandover('leaver');
      expect(calls).toBeGreaterThan(120);
      expect(handover).toMatchObject({ status: 'succeeded', counts: { doc: { transferred: 120, failed: 0, skipped: 0 } } });
      const mgrOwns = (await corp.owned('mgr')).map((a) => a.assetId);
      expect(mgrOwns.sort()).toEqual(ids);
      expect(await corp.owned('leaver')).toEqual([]);
      for (const id of ids) {
        expect(fake.owners.get(id)).toBe('mgr');
        expect(fake.movesOf(id)).toBe(1);
      }
      const lines = (await report(handover.reportUrl)).assets;
      expect(lines.map((a) => a.assetId).sort()).toEqual(ids);
    } finally {
      await fake.stop();
    }
  });

  it('skips an asset deleted during the handover', async () => {
    const corp = corpScenario(api, 'ho-deleted');
    await corp.hire('mgr');
    await corp.hire('leaver', 'mgr');
    await corp.buySeats(2);
    await corp.giveSeats('leaver');
    await corp.assets('doc', 'dd', 5, 'leaver');
    const embedded = assetProvidersFromEnv({});
    assetProviders.use(
      wrapped(embedded, (inner) => ({
        transfer: async (request) => {
          if (request.asset.assetId === 'dd-00003') await assets().remove('ho-deleted', 'doc', 'dd-00003', null, '2026-06-01T08:00:00Z');
          return inner.transfer(request);
        },
      })),
    );
    await corp.depart('leaver');
    const handover = await corp.settledHandover('leaver');
    expect(handover).toMatchObject({ status: 'succeeded', counts: { doc: { transferred: 4, failed: 0, skipped: 1 } } });
    const line = (await report(handover.reportUrl)).assets.find((a) => a.assetId === 'dd-00003');
    expect(line).toMatchObject({ result: 'skipped', error: 'The asset was deleted.' });
  });

  it('starts one handover for duplicate departures and refuses a second running one', async () => {
    const corp = corpScenario(api, 'ho-dup');
    await corp.hire('mgr');
    await corp.hire('leaver', 'mgr');
    await corp.hire('stay', 'mgr');
    await corp.buySeats(2);
    await corp.giveSeats('leaver');
    await corp.assets('doc', 'xd', 10, 'leaver');
    const deliveries = await Promise.all([
      ...Array.from({ length: 5 }, (_, i) => corp.depart('leaver', `msg_departed_${i}`)),
      corp.depart('leaver', 'msg_departed_0'),
    ]);
    expect(deliveries.every((d) => d.status === 202)).toBe(true);
    expect(await corp.settledHandover('leaver')).toMatchObject({ status: 'succeeded', counts: { doc: { transferred: 10 } } });
    expect(await corp.handoversOf('leaver')).toHaveLength(1);
    expect(await corp.owned('mgr')).toHaveLength(10);

    await corp.assets('doc', 'sd', 300, 'stay', 16);
    const both = await Promise.all([0, 1].map(() => api.admin('ho-dup', 'POST', '/corps/ho-dup/handovers', { fromMemberId: 'stay' })));
    expect(both.map((r) => r.status).sort()).toEqual([202, 409]);
    const refused = both.find((r) => r.status === 409)!;
    const accepted = both.find((r) => r.status === 202)!;
    expect(refused.body).toMatchObject({ code: 'HANDOVER_RUNNING', handoverId: accepted.body.handoverId });
    expect(await corp.settled(accepted.body.handoverId)).toMatchObject({ status: 'succeeded', counts: { doc: { transferred: 300 } } });
    expect(await corp.handoversOf('stay')).toHaveLength(1);
  });

  it('refuses bad asset events without writing anything', async () => {
    const corp = corpScenario(api, 'ho-bad');
    const noWindow = await api.webhook('assets', { type: 'asset.upserted', data: { corpId: 'ho-bad', assetType: 'calendar', assetId: 'e1', ownerId: 'm1', title: 't' } });
    const badType = await api.webhook('assets', { type: 'asset.upserted', data: { corpId: 'ho-bad', assetType: 'mail', assetId: 'x', ownerId: 'm1', title: 't' } });
    const badId = await api.webhook('assets', { type: 'asset.upserted', data: { corpId: 'ho-bad', assetType: 'doc', assetId: 'a b', ownerId: 'm1', title: 't' } });
    const forged = await api.webhook('assets', { type: 'asset.upserted', data: { corpId: 'ho-bad', assetType: 'doc', assetId: 'd1', ownerId: 'm1', title: 't' } }, undefined, { key: Buffer.from('forged') });
    expect([noWindow.status, badType.status, badId.status, forged.status]).toEqual([400, 400, 400, 401]);
    expect(noWindow.body.errors).toContainEqual({ path: '/data/endsAt', message: 'Calendar events need startsAt and endsAt' });
    expect(await corp.owned('m1')).toEqual([]);
    const badFilter = await api.admin('ho-bad', 'GET', '/corps/ho-bad/members/m1/assets?type=mail');
    expect([badFilter.status, badFilter.body.code, badFilter.body.errors[0].path]).toEqual([400, 'VALIDATION_FAILED', '/type']);
  });
});

describe('late asset events', () => {
  const doc = (corpId: string, assetId: string, ownerId: string, version?: number) =>
    api.webhook('assets', { type: 'asset.upserted', data: { corpId, assetType: 'doc', assetId, ownerId, title: `Title of ${assetId}`, externalShares: 0, version } });
  const ids = (list: any[]) => list.map((a) => a.assetId).sort();

  it('a redelivered older upsert after a handover changes nothing, and a late upsert after a delete does not bring the asset back', async () => {
    const corp = corpScenario(api, 'ho-late');
    await corp.hire('boss');
    await corp.hire('li', 'boss');
    await corp.buySeats(2);
    await corp.giveSeats('li');
    expect((await doc('ho-late', 'late-1', 'li', 3)).status).toBe(202);
    expect((await doc('ho-late', 'late-2', 'li', 1)).status).toBe(202);
    await corp.depart('li');
    expect(await corp.settledHandover('li')).toMatchObject({ status: 'succeeded', counts: { doc: { transferred: 2 } } });

    // The service's outbox sends its last reports again, under new webhook ids.
    expect((await doc('ho-late', 'late-1', 'li', 3)).status).toBe(202);
    expect((await doc('ho-late', 'late-1', 'li', 2)).status).toBe(202);
    expect(ids(await corp.owned('boss'))).toEqual(['late-1', 'late-2']);
    expect(await corp.owned('li')).toEqual([]);

    // Deleted at version 2; the upsert of version 1 arrives after it.
    expect((await api.webhook('assets', { type: 'asset.deleted', data: { corpId: 'ho-late', assetType: 'doc', assetId: 'late-2', version: 2 } })).status).toBe(202);
    expect((await doc('ho-late', 'late-2', 'boss', 1)).status).toBe(202);
    expect(ids(await corp.owned('boss'))).toEqual(['late-1']);

    // Newer reports still win, and so does an event without a version (the contract's rule).
    expect((await doc('ho-late', 'late-1', 'li', 4)).status).toBe(202);
    expect((await corp.owned('li'))[0]).toMatchObject({ assetId: 'late-1', ownerId: 'li', version: 4 });
    expect((await doc('ho-late', 'late-2', 'boss')).status).toBe(202);
    expect(ids(await corp.owned('boss'))).toEqual(['late-2']);
  });

  it("counts a transfer transferred when the service's own report of it reaches Steward first", async () => {
    const fake = await startFakeAssetService({
      secret: process.env.STEWARD_ASSET_SERVICE_SECRET!,
      // The service reports the move before it answers Steward's transfer call.
      report: async ({ assetId, ownerId, version }) => {
        const echo = await doc('ho-echo', assetId, ownerId, version);
        if (echo.status !== 202) throw new Error(`echo refused: ${JSON.stringify(echo.body)}`);
      },
    });
    try {
      assetProviders.use(fakeProviders(fake.url));
      const corp = corpScenario(api, 'ho-echo');
      await corp.hire('mgr');
      await corp.hire('leaver', 'mgr');
      await corp.buySeats(2);
      await corp.giveSeats('leaver');
      for (let i = 0; i < 6; i++) {
        await doc('ho-echo', `echo-${i}`, 'leaver', 1);
        fake.owners.set(`echo-${i}`, 'leaver');
      }
      await corp.depart('leaver');
      const handover = await corp.settledHandover('leaver');
      expect(handover).toMatchObject({ status: 'succeeded', counts: { doc: { transferred: 6, failed: 0, skipped: 0 } } });
      const owned = await corp.owned('mgr');
      expect(ids(owned)).toEqual(Array.from({ length: 6 }, (_, i) => `echo-${i}`));
      expect(owned.every((a) => a.version === 2)).toBe(true);
      // The report of the state before the move, delivered again, is older than the move.
      await doc('ho-echo', 'echo-0', 'leaver', 1);
      expect(await corp.owned('leaver')).toEqual([]);
    } finally {
      await fake.stop();
    }
  });
});

describe('handovers that would stay running', () => {
  const originalWorkflows = workflows();
  const originalDocuments = documents();
  const originalHandovers = handovers();
  afterEach(() => {
    workflows.use(originalWorkflows);
    documents.use(originalDocuments);
    handovers.use(originalHandovers);
  });

  const raisedAlerts = async () => (await api.local('GET', '/local/alerts')).items as any[];
  const startsRefused = (): WorkflowStarter => ({
    start: async () => {
      throw new Error('StartExecution throttled');
    },
    status: (workflow, name) => originalWorkflows.status(workflow, name),
  });
  const reportsRefused = (): DocumentStore => ({
    put: async (key, body, type) => {
      if (key.startsWith('reports/handovers/')) throw new Error('S3 is down');
      return originalDocuments.put(key, body, type);
    },
    get: (key, max) => originalDocuments.get(key, max),
    presignedUrl: (key, s) => originalDocuments.presignedUrl(key, s),
    presignedUploadUrl: (key, type, s) => originalDocuments.presignedUploadUrl(key, type, s),
  });
  const closingRefused = (): HandoverBook =>
    new Proxy(originalHandovers, {
      get: (target, method) =>
        method === 'finish'
          ? async () => {
              throw new Error('DynamoDB is down');
            }
          : Reflect.get(target, method),
    });

  it('closes a handover whose workflow could not start, so the admin can ask again', async () => {
    const corp = corpScenario(api, 'ho-nostart');
    await corp.hire('mgr');
    await corp.hire('stay', 'mgr');
    await corp.buySeats(2);
    await corp.giveSeats('stay');
    await corp.assets('doc', 'ns', 3, 'stay');
    workflows.use(startsRefused());

    const refused = await api.admin('ho-nostart', 'POST', '/corps/ho-nostart/handovers', { fromMemberId: 'stay' });
    expect(refused.status).toBe(500);
    const [closed] = await corp.handoversOf('stay');
    expect(closed).toMatchObject({ status: 'failed', reason: expect.stringMatching(/could not be started: StartExecution throttled/) });

    workflows.use(originalWorkflows);
    const again = await api.admin('ho-nostart', 'POST', '/corps/ho-nostart/handovers', { fromMemberId: 'stay' });
    expect(again.status).toBe(202);
    expect(await corp.settled(again.body.handoverId)).toMatchObject({ status: 'succeeded', counts: { doc: { transferred: 3 } } });
    expect(await corp.owned('mgr')).toHaveLength(3);
  });

  it('ends failed with a reason and an alert when finishing runs out of retries; the member can be handed over again', async () => {
    const corp = corpScenario(api, 'ho-nofinish');
    await corp.hire('mgr');
    await corp.hire('leaver', 'mgr');
    await corp.buySeats(2);
    await corp.giveSeats('leaver');
    await corp.assets('doc', 'nf', 4, 'leaver');
    documents.use(reportsRefused());

    await corp.depart('leaver');
    const failed = await corp.settledHandover('leaver');
    expect(failed).toMatchObject({ status: 'failed', reportUrl: null, counts: { doc: { transferred: 4, failed: 0 } } });
    expect(failed.reason).toMatch(/could not be finished: .*S3 is down/);
    // The alert follows the close, so the handover may read failed a moment before it is raised.
    const raised = await eventually(raisedAlerts, (items) => items.some((a) => a.type === 'HandoverFailed' && a.handoverId === failed.handoverId));
    expect(raised).toContainEqual(
      expect.objectContaining({ type: 'HandoverFailed', corpId: 'ho-nofinish', handoverId: failed.handoverId, reason: failed.reason }),
    );

    documents.use(originalDocuments);
    await corp.assets('doc', 'nf-late', 1, 'leaver');
    const again = await api.admin('ho-nofinish', 'POST', '/corps/ho-nofinish/handovers', { fromMemberId: 'leaver' });
    expect(again.status).toBe(202);
    expect(await corp.settled(again.body.handoverId)).toMatchObject({ status: 'succeeded', counts: { doc: { transferred: 1 } } });
    expect(await corp.owned('mgr')).toHaveLength(5);
  });

  it('the sweeper restarts a handover that never started and closes one whose workflow failed', async () => {
    const corp = corpScenario(api, 'ho-sweep');
    await corp.hire('mgr');
    await corp.hire('never', 'mgr');
    await corp.hire('broken', 'mgr');
    await corp.assets('doc', 'sw-never', 2, 'never');
    await corp.assets('doc', 'sw-broken', 2, 'broken');

    // The start fails and so does closing the handover after it: the record stays running, unstarted.
    workflows.use(startsRefused());
    handovers.use(closingRefused());
    expect((await api.admin('ho-sweep', 'POST', '/corps/ho-sweep/handovers', { fromMemberId: 'never' })).status).toBe(500);
    const [neverStarted] = await corp.handoversOf('never');
    expect(neverStarted.status).toBe('running');

    // Finishing fails past its retries, and so does the close that follows: the execution fails, the record runs on.
    workflows.use(originalWorkflows);
    documents.use(reportsRefused());
    const broken = await api.admin('ho-sweep', 'POST', '/corps/ho-sweep/handovers', { fromMemberId: 'broken' });
    expect(broken.status).toBe(202);
    await eventually(() => originalWorkflows.status('handover', broken.body.handoverId), (status) => status === 'failed', 1_200);
    expect((await corp.handover(broken.body.handoverId)).status).toBe('running');
    expect((await api.admin('ho-sweep', 'POST', '/corps/ho-sweep/handovers', { fromMemberId: 'broken' })).body.code).toBe('HANDOVER_RUNNING');
    documents.use(originalDocuments);
    handovers.use(originalHandovers);

    const ports = portsFrom({ handovers, workflows, documents, alerts, clock });
    const now = new Date((await api.local('GET', '/local/clock')).now);
    // Younger than the sweeper's patience: they may still be starting, so nothing is touched.
    expect(await sweepStuckHandovers(ports, now)).toEqual({ restarted: [], closed: [] });

    const later = new Date(now.getTime() + 60 * 60 * 1000);
    const swept = await sweepStuckHandovers(ports, later);
    expect(swept).toEqual({ restarted: [neverStarted.handoverId], closed: [broken.body.handoverId] });
    expect(await corp.settled(neverStarted.handoverId)).toMatchObject({ status: 'succeeded', counts: { doc: { transferred: 2 } } });
    const closed = await corp.handover(broken.body.handoverId);
    expect(closed).toMatchObject({ status: 'failed', counts: { doc: { transferred: 2 } } });
    expect(closed.reason).toMatch(/ended failed without closing it/);
    expect(await raisedAlerts()).toContainEqual(expect.objectContaining({ type: 'HandoverFailed', handoverId: broken.body.handoverId }));
    expect(await sweepStuckHandovers(ports, later)).toEqual({ restarted: [], closed: [] });

    // Both members can be handed over again.
    await corp.assets('doc', 'sw-late', 1, 'broken');
    const again = await api.admin('ho-sweep', 'POST', '/corps/ho-sweep/handovers', { fromMemberId: 'broken' });
    expect(again.status).toBe(202);
    expect(await corp.settled(again.body.handoverId)).toMatchObject({ status: 'succeeded', counts: { doc: { transferred: 1 } } });
  });
});

describe('the audit list', () => {
  it("records an admin's handover of an active member and tells the member through an event", async () => {
    const corp = corpScenario(api, 'ho-audit');
    await corp.hire('mgr');
    await corp.hire('mover', 'mgr');
    await corp.hire('gone', 'mgr');
    await corp.assets('doc', 'au', 2, 'mover');
    await corp.depart('gone');
    await corp.settledHandover('gone');

    const started = await api.admin('ho-audit', 'POST', '/corps/ho-audit/handovers', { fromMemberId: 'mover', assetTypes: ['doc'] });
    expect(started.status).toBe(202);
    await corp.settled(started.body.handoverId);
    // A departed member's handover is offboarding, not an action on someone still here.
    const offboarding = await api.admin('ho-audit', 'POST', '/corps/ho-audit/handovers', { fromMemberId: 'gone' });
    expect(offboarding.status).toBe(202);
    await corp.settled(offboarding.body.handoverId);

    const audit = await api.admin('ho-audit', 'GET', '/corps/ho-audit/audit?limit=1');
    expect(audit.status).toBe(200);
    expect(audit.body).toEqual({
      items: [
        {
          at: started.body.createdAt,
          actor: 'admin-1',
          action: 'member_assets_handed_over',
          memberId: 'mover',
          handoverId: started.body.handoverId,
          toMemberId: 'mgr',
          assetTypes: ['doc'],
        },
      ],
      nextCursor: expect.any(String),
    });
    const next = await api.admin('ho-audit', 'GET', `/corps/ho-audit/audit?cursor=${audit.body.nextCursor}`);
    expect(next.body).toEqual({ items: [], nextCursor: null });
    expect((await api.admin('other', 'GET', '/corps/ho-audit/audit', undefined, 'other')).status).toBe(403);

    const events = (await api.local('GET', '/local/alerts')).items as any[];
    expect(events.filter((e) => e.type === 'MemberAssetsHandedOver' && e.corpId === 'ho-audit')).toEqual([
      expect.objectContaining({ memberId: 'mover', toMemberId: 'mgr', handoverId: started.body.handoverId, actor: 'admin-1', assetTypes: ['doc'] }),
    ]);
  });
});
