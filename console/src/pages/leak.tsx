import { useState } from 'preact/hooks';
import { formatTime, useI18n } from '../i18n.ts';
import { Loading, ProblemText, Section, useLoad, type PageProps } from '../ui.tsx';

type Trace = { found: true; memberId: string; memberName: string; markedAt: string; confidence: number } | { found: false };

export const Leak = ({ api, corpId }: PageProps) => {
  const { lang, t } = useI18n();
  const audit = useLoad(() => api.GET('/corps/{corpId}/watermarks/traces', { params: { path: { corpId }, query: { limit: 50 } } }), [corpId]);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<Trace | null>(null);
  const [problem, setProblem] = useState<unknown>(undefined);
  const [over, setOver] = useState(false);

  const trace = async (file: File | undefined) => {
    if (!file) return;
    setBusy(true);
    setResult(null);
    const { data, error } = await api.POST('/corps/{corpId}/watermarks/trace', {
      params: { path: { corpId } },
      // The image itself is the body, in its own type (the contract's image/png, image/jpeg or image/webp).
      body: file as unknown as string,
      bodySerializer: (body: unknown) => body as Blob,
      headers: { 'content-type': file.type || 'application/octet-stream' },
    });
    setBusy(false);
    setProblem(error);
    setResult((data as Trace | undefined) ?? null);
    await audit.reload();
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
            void trace(e.dataTransfer?.files[0]);
          }}
        >
          <p>{t('leak.drop')}</p>
          <label class="button">
            {t('leak.choose')}
            <input type="file" name="image" accept="image/png,image/jpeg,image/webp" class="sr-only" onChange={(e) => void trace(e.currentTarget.files?.[0])} />
          </label>
        </div>
        {busy && <p aria-busy="true">{t('leak.tracing')}</p>}
        <ProblemText error={problem} />
        {result && (
          <p class={result.found ? 'answer found' : 'answer'} role="status" data-testid="trace-answer">
            {result.found
              ? t('leak.found', { m: result.memberId, name: result.memberName, at: formatTime(lang, result.markedAt), c: result.confidence.toFixed(2) })
              : t('leak.notFound')}
          </p>
        )}
        <p class="pending">{t('leak.timelinePending')}</p>
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
