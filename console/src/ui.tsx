import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { useI18n } from './i18n.ts';
import { explain } from './problems.ts';
import type { Api } from './session.ts';

export type PageProps = { api: Api; corpId: string };

/** What an openapi-fetch call gives back. */
type Answer<D> = { data?: D; error?: unknown; response: Response };

/** Loads once and on reload(); `every` ms polls while `while(data)` holds (running handovers, requested invoices). */
export const useLoad = <D,>(load: () => Promise<Answer<D>>, deps: unknown[], poll?: { every: number; while: (data: D) => boolean }) => {
  const [data, setData] = useState<D | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const reload = useCallback(async () => {
    const answer = await load();
    if (answer.error !== undefined) setError(answer.error);
    else {
      setError(undefined);
      setData(answer.data);
    }
  }, deps);
  useEffect(() => void reload(), [reload]);
  useEffect(() => {
    if (!poll || data === undefined || !poll.while(data)) return;
    const timer = setTimeout(() => void reload(), poll.every);
    return () => clearTimeout(timer);
  }, [data, reload]);
  return { data, error, reload };
};

export const ProblemText = ({ error }: { error: unknown }) => {
  const { lang, t } = useI18n();
  if (error === undefined || error === null) return null;
  return (
    <p class="problem" role="alert">
      {t('error.prefix')}
      {explain(lang, error)}
    </p>
  );
};

export const Notice = ({ text }: { text: string | null }) => (text ? <p class="notice" role="status">{text}</p> : null);

export const Section = ({ title, children, id }: { title: string; children: ComponentChildren; id: string }) => (
  <section id={id} aria-labelledby={`${id}-title`}>
    <h2 id={`${id}-title`}>{title}</h2>
    {children}
  </section>
);

export const Loading = () => {
  const { t } = useI18n();
  return <p aria-busy="true">{t('common.loading')}</p>;
};

export const ids = (text: string) => text.split(/[\s,，]+/).filter(Boolean);

/** The current minute, ticking on each minute: countdowns to the minute. */
export const useMinute = () => {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 15_000);
    return () => clearInterval(timer);
  }, []);
  return now;
};
