import { useState } from 'preact/hooks';
import { formatTime, useI18n, type Lang } from '../i18n.ts';
import { ids, Loading, Notice, ProblemText, Section, useLoad, useMinute, type PageProps } from '../ui.tsx';

/** Time left until `until`, to the minute (a seat is revocable until, not at, that minute). */
const countdown = (lang: Lang, until: string, now: number) => {
  const minutes = Math.max(0, Math.floor((Date.parse(until) - now) / 60_000));
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  return lang === 'en' ? `${d} d ${h} h ${m} min` : `${d} 天 ${h} 小时 ${m} 分`;
};

export const Seats = ({ api, corpId }: PageProps) => {
  const { lang, t } = useI18n();
  const now = useMinute();
  const path = { params: { path: { corpId } } };
  const pool = useLoad(() => api.GET('/corps/{corpId}/seats', path), [corpId]);
  const orders = useLoad(() => api.GET('/corps/{corpId}/orders', { params: { path: { corpId }, query: { limit: 200 } } }), [corpId]);
  const allocations = useLoad(() => api.GET('/corps/{corpId}/seats/allocations', { params: { path: { corpId }, query: { limit: 200 } } }), [corpId]);
  const [members, setMembers] = useState('');
  const [problem, setProblem] = useState<unknown>(undefined);
  const [notice, setNotice] = useState<string | null>(null);
  const reloadAll = () => Promise.all([pool.reload(), orders.reload(), allocations.reload()]);

  const allocate = async (event: Event) => {
    event.preventDefault();
    setNotice(null);
    const { data, error } = await api.POST('/corps/{corpId}/seats/allocations', { ...path, body: { memberIds: ids(members) } });
    setProblem(error);
    if (data) {
      setNotice(t('seats.allocatedOk', { n: data.allocations.length }));
      setMembers('');
    }
    await reloadAll();
  };
  const revoke = async (memberId: string) => {
    setNotice(null);
    const { error, response } = await api.DELETE('/corps/{corpId}/seats/allocations/{memberId}', { params: { path: { corpId, memberId } } });
    setProblem(error);
    if (response.status === 204) setNotice(t('seats.revoked', { m: memberId }));
    await reloadAll();
  };

  return (
    <>
      <Section title={t('seats.pool')} id="pool">
        <ProblemText error={pool.error} />
        {pool.data ? (
          <>
            <dl class="figures">
              <div><dt>{t('seats.purchased')}</dt><dd data-testid="purchased">{pool.data.purchased}</dd></div>
              <div><dt>{t('seats.allocated')}</dt><dd data-testid="allocated">{pool.data.allocated}</dd></div>
              <div><dt>{t('seats.available')}</dt><dd data-testid="available">{pool.data.available}</dd></div>
            </dl>
            {pool.data.available < 0 && <p class="warning" role="alert">{t('seats.overAllocated', { n: -pool.data.available })}</p>}
          </>
        ) : <Loading />}
      </Section>

      <Section title={t('seats.allocate')} id="allocate">
        <form onSubmit={allocate} class="inline">
          <label>
            {t('seats.memberIds')}
            <input name="memberIds" value={members} required onInput={(e) => setMembers(e.currentTarget.value)} />
          </label>
          <button type="submit">{t('seats.allocate')}</button>
        </form>
        <Notice text={notice} />
        <ProblemText error={problem} />
      </Section>

      <Section title={t('seats.allocations')} id="allocations">
        <ProblemText error={allocations.error} />
        {allocations.data ? (
          allocations.data.items.length === 0 ? <p>{t('common.none')}</p> : (
            <table>
              <thead><tr><th scope="col">{t('common.member')}</th><th scope="col">{t('common.status')}</th><th scope="col">{t('seats.allocatedAt')}</th><th scope="col">{t('seats.revocableUntil')}</th><th scope="col">{t('seats.countdown')}</th><th scope="col"><span class="sr-only">{t('seats.revoke')}</span></th></tr></thead>
              <tbody>
                {allocations.data.items.map((a) => {
                  const open = Date.parse(a.revocableUntil) > now && a.status === 'revocable';
                  return (
                    <tr key={a.memberId} data-member={a.memberId}>
                      <td>{a.memberId}</td>
                      <td><span class={`badge ${a.status}`}>{t(`status.${a.status}`)}</span></td>
                      <td>{formatTime(lang, a.allocatedAt)}</td>
                      <td><time dateTime={a.revocableUntil}>{formatTime(lang, a.revocableUntil)}</time></td>
                      <td>{open ? countdown(lang, a.revocableUntil, now) : t('seats.locked')}</td>
                      <td><button type="button" aria-label={`${t('seats.revoke')} ${a.memberId}`} onClick={() => void revoke(a.memberId)}>{t('seats.revoke')}</button></td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )
        ) : <Loading />}
      </Section>

      <Section title={t('seats.orders')} id="orders">
        <ProblemText error={orders.error} />
        {orders.data ? (
          orders.data.items.length === 0 ? <p>{t('common.none')}</p> : (
            <table>
              <thead><tr><th scope="col">{t('seats.order')}</th><th scope="col">{t('seats.seats')}</th><th scope="col">{t('common.status')}</th><th scope="col">{t('seats.paidAt')}</th><th scope="col">{t('seats.term')}</th><th scope="col">{t('inv.amount')}</th></tr></thead>
              <tbody>
                {orders.data.items.map((o) => (
                  <tr key={o.orderId}>
                    <td>{o.orderId}</td>
                    <td>{o.seats}</td>
                    <td>{t(`status.${o.status}`)}</td>
                    <td>{formatTime(lang, o.paidAt)}</td>
                    <td>{formatTime(lang, o.term.start)} – {formatTime(lang, o.term.end)}</td>
                    <td>{o.amount.value} {o.amount.currency}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        ) : <Loading />}
      </Section>
    </>
  );
};
