import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './api-schema';

/** How this console signs in: set by the stack that serves it (`config.json` beside index.html). */
export type ConsoleConfig =
  | { auth: 'local'; apiUrl: string }
  | { auth: 'oidc'; apiUrl: string; issuer: string; clientId: string; scope?: string };

/** The admin's token lives in this module's memory only: never in localStorage (nor sessionStorage). */
let token: string | null = null;
export const setToken = (value: string | null) => void (token = value);
export const hasToken = () => token !== null;

const auth: Middleware = {
  onRequest({ request }) {
    if (token) request.headers.set('authorization', `Bearer ${token}`);
    return request;
  },
};

export type Api = ReturnType<typeof createClient<paths>>;
export const apiClient = (baseUrl: string): Api => {
  const client = createClient<paths>({ baseUrl });
  client.use(auth);
  return client;
};

/** The claims the console shows (the API checks them; the console only reads corpId). */
export const claimsOf = (jwt: string): { corpId?: string; sub?: string } => {
  try {
    const part = jwt.split('.')[1] ?? '';
    return JSON.parse(atob(part.replace(/-/g, '+').replace(/_/g, '/'))) as { corpId?: string; sub?: string };
  } catch {
    return {};
  }
};

const base64url = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const random = (n: number) => base64url(crypto.getRandomValues(new Uint8Array(n)));
const redirectUri = () => `${location.origin}/console/`;

type Discovery = { authorization_endpoint: string; token_endpoint: string };
const discover = async (issuer: string) => (await (await fetch(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`)).json()) as Discovery;

/**
 * OpenID Connect authorization code with PKCE (S256). The verifier and state wait for the redirect in
 * sessionStorage (they are not credentials: useless without the code); the token stays in memory.
 */
export const startOidc = async (config: Extract<ConsoleConfig, { auth: 'oidc' }>) => {
  const verifier = random(48);
  const state = random(16);
  const challenge = base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
  sessionStorage.setItem('steward.pkce', JSON.stringify({ verifier, state }));
  const { authorization_endpoint } = await discover(config.issuer);
  const url = new URL(authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: config.clientId,
    redirect_uri: redirectUri(),
    scope: config.scope ?? 'openid',
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
  location.assign(url.toString());
};

/** Back from the issuer with ?code=&state=: exchanges the code for tokens and forgets the verifier. */
export const finishOidc = async (config: Extract<ConsoleConfig, { auth: 'oidc' }>): Promise<string | null> => {
  const params = new URLSearchParams(location.search);
  const code = params.get('code');
  const saved = sessionStorage.getItem('steward.pkce');
  sessionStorage.removeItem('steward.pkce');
  if (!code || !saved) return null;
  const { verifier, state } = JSON.parse(saved) as { verifier: string; state: string };
  history.replaceState(null, '', location.pathname);
  if (params.get('state') !== state) return null;
  const { token_endpoint } = await discover(config.issuer);
  const response = await fetch(token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri(), client_id: config.clientId, code_verifier: verifier }),
  });
  if (!response.ok) return null;
  const tokens = (await response.json()) as { access_token?: string; id_token?: string };
  return tokens.access_token ?? tokens.id_token ?? null;
};
