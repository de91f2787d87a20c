import { orderPaidEvent } from '../fixtures.ts';
import { client, eventually } from '../integration/client.ts';

type Api = ReturnType<typeof client>;

/** A corp seen from the outside: HR, billing and asset services report to it; its admin acts. */
export const corpScenario = (api: Api, corpId: string) => {
  const hire = (memberId: string, managerId: string | null = null) =>
    api.webhook('hr', { type: 'employee.upserted', data: { corpId, memberId, name: `Member ${memberId}`, managerId } });
  /** A departure dated before the clock the suites set (08:00), so it applies at once. */
  const depart = (memberId: string, id?: string) =>
    api.webhook('hr', { type: 'employee.departed', data: { corpId, memberId, departedAt: '2026-06-01T07:00:00Z' } }, id);
  const buySeats = (seats: number) => api.webhook('billing', orderPaidEvent(corpId, `o-${corpId}`, seats));
  const giveSeats = (...memberIds: string[]) => api.admin(corpId, 'POST', `/corps/${corpId}/seats/allocations`, { memberIds });
  const asset = (assetType: 'doc' | 'drive' | 'calendar', assetId: string, ownerId: string, window?: { startsAt: string; endsAt: string }) =>
    api.webhook('assets', { type: 'asset.upserted', data: { corpId, assetType, assetId, ownerId, title: `Title of ${assetId}`, externalShares: 0, ...window } });
  /** `count` assets of a type, named `<prefix>-<n>`, reported with a few concurrent calls. */
  const assets = async (assetType: 'doc' | 'drive', prefix: string, count: number, ownerId: string, concurrency = 8) => {
    const ids = Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(5, '0')}`);
    for (let i = 0; i < ids.length; i += concurrency) {
      const answers = await Promise.all(ids.slice(i, i + concurrency).map((id) => asset(assetType, id, ownerId)));
      if (answers.some((a) => a.status !== 202)) throw new Error(`asset webhook refused: ${JSON.stringify(answers[0]?.body)}`);
    }
    return ids;
  };
  /** Everything a member owns now, all pages. */
  const owned = async (memberId: string, type?: string) => {
    const items: any[] = [];
    let cursor: string | null = null;
    do {
      const query = new URLSearchParams({ limit: '200', ...(type && { type }), ...(cursor && { cursor }) });
      const page = await api.admin(corpId, 'GET', `/corps/${corpId}/members/${memberId}/assets?${query}`);
      if (page.status !== 200) throw new Error(`assets list answered ${page.status}`);
      items.push(...page.body.items);
      cursor = page.body.nextCursor;
    } while (cursor);
    return items;
  };
  const handoversOf = async (memberId: string) =>
    (await api.admin(corpId, 'GET', `/corps/${corpId}/handovers?fromMemberId=${memberId}`)).body.items as any[];
  /** The member's latest handover once it is no longer running (or `null` if none appeared). */
  const settledHandover = async (memberId: string) => {
    const items = await eventually(
      () => handoversOf(memberId),
      (list) => list.length > 0 && list[0].status !== 'running',
      1_200,
    );
    return items[0] ?? null;
  };
  const handover = async (handoverId: string) => (await api.admin(corpId, 'GET', `/corps/${corpId}/handovers/${handoverId}`)).body;
  const settled = (handoverId: string) => eventually(() => handover(handoverId), (h) => h.status !== 'running', 1_200);
  return { hire, depart, buySeats, giveSeats, asset, assets, owned, handoversOf, settledHandover, handover, settled };
};
