import type { DashboardConfig } from './config.js';

const TOKEN_KEY = 'broadcast.token';
const PKCE_KEY = 'broadcast.pkce';

type Listener = (reason: string | undefined) => void;
const listeners = new Set<Listener>();

/** The bearer token of this tab: sessionStorage, so it goes with the tab and never into another site's requests. */
export function currentToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function keepToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token);
  for (const listener of listeners) listener(undefined);
}

/** Forgets the token (a 401, or the operator signing out) and tells the app why. */
export function signedOut(reason?: string): void {
  sessionStorage.removeItem(TOKEN_KEY);
  for (const listener of listeners) listener(reason);
}

export function onAuthChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * Takes a development token from the URL fragment (`#token=...`, as `npm start` prints it) and removes it from the
 * address bar and history at once, so it is neither bookmarked nor shared by copying the URL.
 */
export function takeTokenFromFragment(): boolean {
  const match = /^#token=([^&]+)/.exec(window.location.hash);
  if (!match?.[1]) return false;
  keepToken(decodeURIComponent(match[1]));
  window.history.replaceState(null, '', `${window.location.pathname}#/broadcasts`);
  return true;
}

function base64Url(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function randomString(bytes: number): string {
  return base64Url(crypto.getRandomValues(new Uint8Array(bytes)));
}

type CognitoAuth = Extract<DashboardConfig['auth'], { kind: 'cognito' }>;

/** Sends the browser to the stage's hosted UI: authorization code flow with PKCE (S256) and a state to check. */
export async function startCognitoSignIn(auth: CognitoAuth): Promise<void> {
  const verifier = randomString(48);
  const state = randomString(16);
  const challenge = base64Url(
    new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))),
  );
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state }));
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: auth.clientId,
    redirect_uri: auth.redirectUri,
    scope: 'openid email profile',
    code_challenge_method: 'S256',
    code_challenge: challenge,
    state,
  });
  window.location.assign(`${auth.domain}/oauth2/authorize?${query}`);
}

/**
 * Back from the hosted UI with `?code=&state=`: checks the state, trades the code and the verifier for tokens and
 * keeps the ID token (the one carrying the tenant and groups the API's authorizer reads). Returns an error sentence.
 */
export async function finishCognitoSignIn(auth: CognitoAuth): Promise<string | undefined> {
  const params = new URLSearchParams(window.location.search);
  const code = params.get('code');
  const error = params.get('error_description') ?? params.get('error');
  if (!code && !error) return undefined;
  window.history.replaceState(null, '', `${window.location.pathname}#/broadcasts`);
  if (error) return `Sign-in failed: ${error}`;
  const pending = JSON.parse(sessionStorage.getItem(PKCE_KEY) ?? 'null') as { verifier: string; state: string } | null;
  sessionStorage.removeItem(PKCE_KEY);
  if (!pending || pending.state !== params.get('state')) return 'Sign-in failed: the answer did not match this tab.';
  const response = await fetch(`${auth.domain}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: auth.clientId,
      code: code ?? '',
      redirect_uri: auth.redirectUri,
      code_verifier: pending.verifier,
    }),
  });
  if (!response.ok) return `Sign-in failed: the token endpoint answered ${response.status}.`;
  const tokens = (await response.json()) as { id_token?: string };
  if (!tokens.id_token) return 'Sign-in failed: no ID token was returned.';
  keepToken(tokens.id_token);
  return undefined;
}

export function cognitoSignOutUrl(auth: CognitoAuth): string {
  const query = new URLSearchParams({ client_id: auth.clientId, logout_uri: auth.redirectUri });
  return `${auth.domain}/logout?${query}`;
}
