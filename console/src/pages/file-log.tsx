import { useState } from 'preact/hooks';
import type { paths } from '../api-schema';
import { formatTime, useI18n } from '../i18n.ts';
import { Loading, ProblemText, Section, type PageProps } from '../ui.tsx';

type Query = NonNullable<paths['/corps/{corpId}/file-events']['get']['parameters']['query']>;
type FileEvent = paths['/corps/{corpId}/file-events']['get']['responses'][200]['content']['application/json']['items'][number];
const actions = ['upload', 'download', 'view', 'forward', 'share', 'export', 'preview'] as const;

/** A list of file events, shared by this page and the leak investigation's timeline. */
export const EventRows = ({ events, testid, markedAt }: { events: FileEvent[]; testid: string; markedAt?: string | undefined }) => {
  const { lang, t } = useI18n();
  return (
    <table data-testid={testid}>
      <thead><tr><th scope="col">{t('fileLog.occurredAt')}</th><th scope="col">{t('common.member')}</th><th scope="col">{t('fileLog.action')}</th><th scope="col">{t('fileLog.file')}</th><th scope="col">{t('fileLog.channel')}</th><th scope="col">{t('fileLog.device')}</th></tr></thead>
      <tbody>
        {events.map((e) => (
          <tr key={e.eventId} class={markedAt && e.occurredAt.slice(0, 16) === markedAt.slice(0, 16) ? 'marked' : undefined}>
            <td>{formatTime(lang, e.occurredAt)}</td><td>{e.memberId}</td><td>{e.action}</td><td>{e.fileName} <small>({e.fileId})</small></td><td>{e.channel}</td><td>{e.deviceId ?? '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
};

/** Filters turn into the query; datetime-local inputs are read as the admin's local time and sent in UTC. */
const toQuery = (form: Record<string, string>): Query => {
  const query: Query = {};
  if (form.fileId) query.fileId = form.fileId;
  if (form.memberId) query.memberId = form.memberId;
  if (form.action) query.action = form.action as Query['action'];
  if (form.from) query.from = new Date(form.from).toISOString().replace(/\.\d+Z$/, 'Z');
  if (form.to) query.to = new Date(form.to).toISOString().replace(/\.\d+Z$/, 'Z');
  return query;
};

export const FileLog = ({ api, corpId }: PageProps) => {
  const { t } = useI18n();
  const [form, setForm] = useState<Record<string, string>>({});
  const [query, setQuery] = useState<Query | null>(null);
  const [events, setEvents] = useState<FileEvent[] | null>(null);
  const [next, setNext] = useState<string | undefined>(undefined);
  const [problem, setProblem] = useState<unknown>(undefined);
  const [csv, setCsv] = useState<{ url: string; name: string } | null>(null);

  const load = async (q: Query, cursor?: string) => {
    const { data, error } = await api.GET('/corps/{corpId}/file-events', { params: { path: { corpId }, query: { ...q, limit: 50, ...(cursor ? { cursor } : {}) } } });
    setProblem(error);
    if (!data || typeof data === 'string') return;
    const page = data;
    setEvents((before) => (cursor && before ? [...before, ...page.items] : page.items));
    setNext(page.nextCursor ?? undefined);
  };

  const search = async (e: Event) => {
    e.preventDefault();
    const q = toQuery(form);
    setQuery(q);
    setEvents(null);
    if (csv) URL.revokeObjectURL(csv.url);
    setCsv(null);
    await load(q);
  };

  /** The CSV comes through the same client (the token rides in a header, never in a URL), then is offered as a Blob link. */
  const exportCsv = async () => {
    const { data, error } = await api.GET('/corps/{corpId}/file-events', {
      params: { path: { corpId }, query: query ?? {} },
      headers: { accept: 'text/csv' },
      parseAs: 'blob',
    });
    setProblem(error);
    if (!data) return;
    if (csv) URL.revokeObjectURL(csv.url);
    const name = `file-events-${corpId}.csv`;
    const next = { url: URL.createObjectURL(new Blob([data as unknown as Blob], { type: 'text/csv' })), name };
    setCsv(next);
    const a = document.createElement('a');
    a.href = next.url;
    a.download = name;
    a.click();
  };

  const field = (name: string, label: string, type: 'text' | 'datetime-local' = 'text') => (
    <label>
      {label}
      {type === 'text' ? <input name={name} type="text" value={form[name] ?? ''} onInput={(e) => setForm({ ...form, [name]: e.currentTarget.value })} /> : <input name={name} type="datetime-local" value={form[name] ?? ''} onInput={(e) => setForm({ ...form, [name]: e.currentTarget.value })} />}
    </label>
  );

  return (
    <Section title={t('nav.fileLog')} id="file-log">
      <form class="filters" onSubmit={(e) => void search(e)}>
        {field('fileId', t('fileLog.fileId'))}
        {field('memberId', t('common.member'))}
        <label>
          {t('fileLog.action')}
          <select name="action" value={form.action ?? ''} onChange={(e) => setForm({ ...form, action: e.currentTarget.value })}>
            <option value="">{t('fileLog.anyAction')}</option>
            {actions.map((a) => <option key={a} value={a}>{a}</option>)}
          </select>
        </label>
        {field('from', t('fileLog.from'), 'datetime-local')}
        {field('to', t('fileLog.to'), 'datetime-local')}
        <button type="submit">{t('fileLog.search')}</button>
        <button type="button" onClick={() => void exportCsv()} disabled={query === null}>{t('fileLog.export')}</button>
      </form>
      <ProblemText error={problem} />
      {csv && <p role="status"><a href={csv.url} download={csv.name} data-testid="csv-link">{t('fileLog.csvReady', { name: csv.name })}</a></p>}
      {query === null ? <p>{t('fileLog.hint')}</p> : !events ? <Loading /> : events.length === 0 ? <p>{t('common.none')}</p> : (
        <>
          <EventRows events={events} testid="file-events" />
          {next && <button type="button" onClick={() => void load(query, next)}>{t('fileLog.more')}</button>}
        </>
      )}
    </Section>
  );
};
