import { useState } from 'preact/hooks';
import { formatTime, useI18n } from '../i18n.ts';
import { Loading, ProblemText, Section, useLoad, type PageProps } from '../ui.tsx';
import type { paths } from '../api-schema';
import { EventRows } from './file-log.tsx';

type Investigation = paths['/corps/{corpId}/investigations/{investigationId}']['get']['responses'][200]['content']['application/json'];

export const Leak = ({ api, corpId }: PageProps) => {
  const { lang, t } = useI18n();
  const audit = useLoad(() => api.GET('/corps/{corpId}/watermarks/traces', { params: { path: { corpId }, query: { limit: 50 } } }), [corpId]);
  const past = useLoad(() => api.GET('/corps/{corpId}/investigations', { params: { path: { corpId }, query: { limit: 50 } } }), [corpId]);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<Investigation | null>(null);
  const [problem, setProblem] = useState<unknown>(undefined);
  const [over, setOver] = useState(false);

  const investigate = async (file: File) => {
    const { data, error } = await api.POST('/corps/{corpId}/investigations', {
      params: { path: { corpId } },
      // The image itself is the body, in its own type (the contract's image/png, image/jpeg or image/webp).
      body: file as unknown as string,
      bodySerializer: (body: unknown) => body as Blob,
      headers: { 'content-type': file.type || 'application/octet-stream' },
    });
    setProblem(error);
    return data;
  };

  const open = async (file: File | undefined) => {
    if (!file) return;
    setBusy(true);
    setResult(null);
    setResult((await investigate(file)) ?? null);
    setBusy(false);
    await Promise.all([audit.reload(), past.reload()]);
  };

  const show = async (investigationId: string) => {
    const { data, error } = await api.GET('/corps/{corpId}/investigations/{investigationId}', { params: { path: { corpId, investigationId } } });
    setProblem(error);
    if (data) setResult(data);
  };

  return (
    <>
      <Section title={t('nav.leak')} id="trace">
        <div
          class={`drop ${over ? 'over' : ''}`}
          onDragOver={(e) => (e.preventDefault(), setOver(true))}
          onDragLeave={() => setOver(false)}
          onDrop={(e) => {
            e.preventDefault();
            setOver(false);
            void open(e.dataTransfer?.files[0]);
          }}
        >
          <p>{t('leak.drop')}</p>
          <label class="button">
            {t('leak.choose')}
            <input type="file" name="image" accept="image/png,image/jpeg,image/webp" class="sr-only" onChange={(e) => void open(e.currentTarget.files?.[0])} />
          </label>
        </div>
        {busy && <p aria-busy="true">{t('leak.tracing')}</p>}
        <ProblemText error={problem} />
        {result && (
          <>
            <p class={result.trace.found ? 'answer found' : 'answer'} role="status" data-testid="trace-answer">
              {result.trace.found && result.trace.markedAt
                ? t('leak.found', { m: result.trace.memberId ?? '', name: result.trace.memberName ?? '', at: formatTime(lang, result.trace.markedAt) })
                : t('leak.notFound')}
            </p>
            {result.trace.found && (
              <>
                <h3>{t('leak.timeline')}</h3>
                {result.timeline.length === 0 ? <p>{t('common.none')}</p> : <EventRows events={result.timeline} testid="timeline" markedAt={result.trace.markedAt} />}
              </>
            )}
          </>
        )}
      </Section>
      <Section title={t('leak.past')} id="investigations">
        <ProblemText error={past.error} />
        {!past.data ? <Loading /> : past.data.items.length === 0 ? <p>{t('common.none')}</p> : (
          <table>
            <thead><tr><th scope="col">{t('leak.at')}</th><th scope="col">{t('leak.admin')}</th><th scope="col">{t('common.member')}</th><th scope="col">{t('leak.markedAt')}</th><th scope="col"><span class="sr-only">{t('leak.open')}</span></th></tr></thead>
            <tbody>
              {past.data.items.map((r) => (
                <tr key={r.investigationId}>
                  <td>{formatTime(lang, r.createdAt)}</td><td>{r.createdBy}</td><td>{r.trace.memberId ?? '—'}</td><td>{r.trace.markedAt ? formatTime(lang, r.trace.markedAt) : '—'}</td>
                  <td><button type="button" onClick={() => void show(r.investigationId)}>{t('leak.open')}</button></td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
      <Section title={t('leak.audit')} id="audit">
        <ProblemText error={audit.error} />
        {!audit.data ? <Loading /> : audit.data.items.length === 0 ? <p>{t('common.none')}</p> : (
          <table>
            <thead><tr><th scope="col">{t('leak.at')}</th><th scope="col">{t('leak.admin')}</th><th scope="col">{t('leak.result')}</th><th scope="col">{t('common.member')}</th></tr></thead>
            <tbody>
              {audit.data.items.map((r) => (
                <tr key={r.traceId}>
                  <td>{formatTime(lang, r.at)}</td><td>{r.adminId}</td><td>{r.found ? t('yes') : t('no')}</td><td>{r.memberId ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
    </>
  );
};
