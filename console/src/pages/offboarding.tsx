import { Fragment } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { formatTime, useI18n } from '../i18n.ts';
import { Loading, Notice, ProblemText, Section, useLoad, type PageProps } from '../ui.tsx';

const TYPES = ['doc', 'drive', 'calendar'] as const;
type AssetType = (typeof TYPES)[number];
type ReportAsset = { assetId: string; assetType: string; from?: string; to?: string | null; result: string; error?: string | null };

/** The per-asset report the handover stored in S3 (reportUrl: a time-limited link to it). */
const Report = ({ url }: { url: string }) => {
  const { t } = useI18n();
  const [assets, setAssets] = useState<ReportAsset[] | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  useEffect(() => {
    fetch(url)
      .then(async (r) => (r.ok ? setAssets(((await r.json()) as { assets: ReportAsset[] }).assets) : setError({ detail: `HTTP ${r.status}` })))
      .catch((e: unknown) => setError({ detail: String(e) }));
  }, [url]);
  if (error) return <ProblemText error={error} />;
  if (!assets) return <Loading />;
  if (assets.length === 0) return <p>{t('common.none')}</p>;
  return (
    <table class="report">
      <thead><tr><th scope="col">{t('off.asset')}</th><th scope="col">{t('off.type')}</th><th scope="col">{t('off.from')}</th><th scope="col">{t('off.to')}</th><th scope="col">{t('off.result')}</th><th scope="col">{t('off.error')}</th></tr></thead>
      <tbody>
        {assets.map((a) => (
          <tr key={`${a.assetType}:${a.assetId}`}>
            <td>{a.assetId}</td><td>{a.assetType}</td><td>{a.from ?? ''}</td><td>{a.to ?? ''}</td><td>{a.result}</td><td>{a.error ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
};

export const Offboarding = ({ api, corpId }: PageProps) => {
  const { lang, t } = useI18n();
  const path = { params: { path: { corpId } } };
  const settings = useLoad(() => api.GET('/corps/{corpId}/settings/handover', path), [corpId]);
  const handovers = useLoad(
    () => api.GET('/corps/{corpId}/handovers', { params: { path: { corpId }, query: { limit: 200 } } }),
    [corpId],
    // A live page: departures start handovers at any time (HR's webhook answers before the handover is planned).
    { every: 2000, while: () => true },
  );
  const [auto, setAuto] = useState(true);
  const [fallback, setFallback] = useState('');
  useEffect(() => {
    if (!settings.data) return;
    setAuto(settings.data.auto);
    setFallback(settings.data.fallbackRecipientId ?? '');
  }, [settings.data]);
  const [problem, setProblem] = useState<unknown>(undefined);
  const [notice, setNotice] = useState<string | null>(null);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [types, setTypes] = useState<AssetType[]>([...TYPES]);
  const [open, setOpen] = useState<string | null>(null);

  const save = async (event: Event) => {
    event.preventDefault();
    const { data, error } = await api.PUT('/corps/{corpId}/settings/handover', { ...path, body: { auto, fallbackRecipientId: fallback.trim() || null } });
    setProblem(error);
    setNotice(data ? t('common.saved') : null);
  };
  const start = async (event: Event) => {
    event.preventDefault();
    const { data, error } = await api.POST('/corps/{corpId}/handovers', {
      ...path,
      body: { fromMemberId: from.trim(), ...(to.trim() && { toMemberId: to.trim() }), assetTypes: types },
    });
    setProblem(error);
    setNotice(data ? t('off.started', { id: data.handoverId }) : null);
    await handovers.reload();
  };

  // Those awaiting an admin first, then running, then the rest; newest first within each.
  const rank = (status: string) => (status === 'awaiting_admin' ? 0 : status === 'running' ? 1 : 2);
  const list = [...(handovers.data?.items ?? [])].sort((a, b) => rank(a.status) - rank(b.status) || b.createdAt.localeCompare(a.createdAt));

  return (
    <>
      <Notice text={notice} />
      <ProblemText error={problem} />
      <Section title={t('off.handovers')} id="handovers">
        <button type="button" class="secondary" onClick={() => void handovers.reload()}>{t('common.refresh')}</button>
        <ProblemText error={handovers.error} />
        {!handovers.data ? <Loading /> : list.length === 0 ? <p>{t('common.none')}</p> : (
          <table>
            <thead><tr><th scope="col">{t('off.from')}</th><th scope="col">{t('off.to')}</th><th scope="col">{t('off.mode')}</th><th scope="col">{t('common.status')}</th><th scope="col">{t('off.progress')}</th><th scope="col">{t('off.createdAt')}</th><th scope="col">{t('off.report')}</th></tr></thead>
            <tbody>
              {list.map((h) => {
                const done = TYPES.reduce((n, type) => n + h.counts[type].transferred + h.counts[type].failed + h.counts[type].skipped, 0);
                return (
                  <Fragment key={h.handoverId}>
                    <tr data-handover={h.handoverId} data-status={h.status}>
                      <td>{h.fromMemberId}</td>
                      <td>{h.toMemberId ?? '—'}</td>
                      <td>{t(`mode.${h.mode}`)}</td>
                      <td>
                        <span class={`badge ${h.status}`}>{t(`status.${h.status}`)}</span>
                        {h.reason && <div class="reason">{t('off.reason')}: {h.reason}</div>}
                      </td>
                      <td>
                        {h.status === 'running' && <progress aria-label={`${t('off.progress')} ${h.fromMemberId}`} />}
                        <ul class="counts">
                          {TYPES.filter((type) => h.assetTypes.includes(type)).map((type) => (
                            <li key={type}>{t(`type.${type}`)}: ✓{h.counts[type].transferred} ✗{h.counts[type].failed} ↷{h.counts[type].skipped}</li>
                          ))}
                        </ul>
                        <span class="sr-only">{done}</span>
                      </td>
                      <td>{formatTime(lang, h.createdAt)}</td>
                      <td>
                        {h.reportUrl && (
                          <button type="button" aria-expanded={open === h.handoverId} onClick={() => setOpen(open === h.handoverId ? null : h.handoverId)}>
                            {t('off.viewReport')}
                          </button>
                        )}
                      </td>
                    </tr>
                    {open === h.handoverId && h.reportUrl && (
                      <tr><td colSpan={7}><Report url={h.reportUrl} /></td></tr>
                    )}
                  </Fragment>
                );
              })}
            </tbody>
          </table>
        )}
      </Section>

      <Section title={t('off.manual')} id="manual">
        <form onSubmit={start}>
          <label>{t('off.from')}<input name="fromMemberId" value={from} required onInput={(e) => setFrom(e.currentTarget.value)} /></label>
          <label>{t('off.toOptional')}<input name="toMemberId" value={to} onInput={(e) => setTo(e.currentTarget.value)} /></label>
          <fieldset>
            <legend>{t('off.types')}</legend>
            {TYPES.map((type) => (
              <label key={type} class="check">
                <input type="checkbox" checked={types.includes(type)} onChange={(e) => setTypes(e.currentTarget.checked ? [...types, type] : types.filter((x) => x !== type))} />
                {t(`type.${type}`)}
              </label>
            ))}
          </fieldset>
          <button type="submit">{t('off.start')}</button>
        </form>
      </Section>

      <Section title={t('off.settings')} id="settings">
        <ProblemText error={settings.error} />
        <form onSubmit={save}>
          <label class="check"><input type="checkbox" name="auto" checked={auto} onChange={(e) => setAuto(e.currentTarget.checked)} />{t('off.auto')}</label>
          <label>{t('off.fallback')}<input name="fallbackRecipientId" value={fallback} onInput={(e) => setFallback(e.currentTarget.value)} /></label>
          <button type="submit">{t('common.save')}</button>
        </form>
      </Section>
    </>
  );
};
