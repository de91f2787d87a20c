import { render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import './styles.css';
import { I18n, translator, type Key, type Lang } from './i18n.ts';
import { apiClient, claimsOf, finishOidc, setToken, startOidc, type ConsoleConfig } from './session.ts';
import { Seats } from './pages/seats.tsx';
import { Offboarding } from './pages/offboarding.tsx';
import { Invoices } from './pages/invoices.tsx';
import { Policies } from './pages/policies.tsx';
import { Devices } from './pages/devices.tsx';
import { Leak } from './pages/leak.tsx';
import { FileLog } from './pages/file-log.tsx';
import type { PageProps } from './ui.tsx';
import { ProblemText } from './ui.tsx';

const PAGES: { path: string; key: Key; Page: (props: PageProps) => preact.JSX.Element }[] = [
  { path: 'seats', key: 'nav.seats', Page: Seats },
  { path: 'offboarding', key: 'nav.offboarding', Page: Offboarding },
  { path: 'invoices', key: 'nav.invoices', Page: Invoices },
  { path: 'policies', key: 'nav.policies', Page: Policies },
  { path: 'devices', key: 'nav.devices', Page: Devices },
  { path: 'leak', key: 'nav.leak', Page: Leak },
  { path: 'file-log', key: 'nav.fileLog', Page: FileLog },
];

const BASE = '/console/';
const currentPath = () => location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length).split('/')[0] || 'seats' : 'seats';
const initialLang = (): Lang => (new URLSearchParams(location.search).get('lang') === 'en' ? 'en' : 'zh-CN');

const SignIn = ({ config, lang, onToken }: { config: ConsoleConfig; lang: Lang; onToken: (token: string) => void }) => {
  const t = translator(lang);
  const [corpId, setCorpId] = useState('acme');
  const [error, setError] = useState<unknown>(undefined);
  if (config.auth === 'oidc') {
    return (
      <main id="main" class="sign-in">
        <h1>{t('signIn.title')}</h1>
        <button type="button" onClick={() => void startOidc(config)}>{t('signIn.oidc')}</button>
      </main>
    );
  }
  const submit = async (event: Event) => {
    event.preventDefault();
    const response = await fetch(`${config.apiUrl}/local/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ corpId }) });
    const body = (await response.json()) as { token?: string };
    if (response.ok && body.token) onToken(body.token);
    else setError(body);
  };
  return (
    <main id="main" class="sign-in">
      <h1>{t('signIn.title')}</h1>
      <form onSubmit={submit}>
        <label>
          {t('signIn.corp')}
          <input name="corpId" value={corpId} required pattern="[A-Za-z0-9_.:\-]{1,64}" onInput={(e) => setCorpId(e.currentTarget.value)} />
        </label>
        <button type="submit">{t('signIn.local')}</button>
      </form>
      <ProblemText error={error} />
    </main>
  );
};

const App = ({ config }: { config: ConsoleConfig }) => {
  const [lang, setLang] = useState<Lang>(initialLang);
  const [jwt, setJwt] = useState<string | null>(null);
  const [path, setPath] = useState(currentPath);
  const t = useMemo(() => translator(lang), [lang]);
  const api = useMemo(() => apiClient(config.apiUrl), [config.apiUrl]);
  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = t('app.title');
  }, [lang]);
  useEffect(() => {
    const onPop = () => setPath(currentPath());
    addEventListener('popstate', onPop);
    if (config.auth === 'oidc') void finishOidc(config).then((token) => token && signedIn(token));
    return () => removeEventListener('popstate', onPop);
  }, []);
  const signedIn = (token: string | null) => {
    setToken(token);
    setJwt(token);
  };
  const go = (event: MouseEvent, to: string) => {
    event.preventDefault();
    history.pushState(null, '', `${BASE}${to}${location.search}`);
    setPath(to);
  };
  const page = PAGES.find((p) => p.path === path) ?? PAGES[0]!;
  const corpId = jwt ? claimsOf(jwt).corpId ?? '' : '';
  return (
    <I18n.Provider value={{ lang, t }}>
      <header>
        <span class="brand">{t('app.title')}</span>
        {jwt && <span class="corp">{t('signIn.as')}: <strong>{corpId}</strong></span>}
        <button type="button" lang={lang === 'en' ? 'zh-CN' : 'en'} onClick={() => setLang(lang === 'en' ? 'zh-CN' : 'en')}>{t('lang.switch')}</button>
        {jwt && <button type="button" onClick={() => signedIn(null)}>{t('signIn.out')}</button>}
      </header>
      {!jwt ? (
        <SignIn config={config} lang={lang} onToken={signedIn} />
      ) : (
        <div class="layout">
          <nav aria-label={t('nav.main')}>
            <ul>
              {PAGES.map((p) => (
                <li key={p.path}>
                  <a href={`${BASE}${p.path}`} aria-current={p === page ? 'page' : undefined} onClick={(e) => go(e, p.path)}>{t(p.key)}</a>
                </li>
              ))}
            </ul>
          </nav>
          <main id="main">
            <h1>{t(page.key)}</h1>
            <page.Page key={`${page.path}-${corpId}`} api={api} corpId={corpId} />
          </main>
        </div>
      )}
    </I18n.Provider>
  );
};

const config = (await (await fetch(`${BASE}config.json`)).json()) as ConsoleConfig;
render(<App config={config} />, document.getElementById('app')!);
