import { useEffect, useState } from 'preact/hooks';
import {
  cognitoSignOutUrl,
  currentToken,
  finishCognitoSignIn,
  keepToken,
  onAuthChange,
  signedOut,
  startCognitoSignIn,
  takeTokenFromFragment,
} from './auth.js';
import { type DashboardConfig, loadDashboardConfig } from './config.js';
import { BroadcastForm } from './pages/broadcast-form.js';
import { BroadcastPage } from './pages/broadcast-page.js';
import { BroadcastsPage } from './pages/broadcasts-page.js';
import { ListForm } from './pages/list-form.js';
import { ListsPage } from './pages/lists-page.js';
import { href, type Route, useRoute } from './router.js';

export function App() {
  const [config, setConfig] = useState<DashboardConfig | undefined>(undefined);
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const [token, setToken] = useState<string | null>(null);

  useEffect(() => {
    const unsubscribe = onAuthChange((reason) => {
      setToken(currentToken());
      if (reason) setProblem(reason);
    });
    loadDashboardConfig()
      .then(async (loaded) => {
        takeTokenFromFragment();
        if (loaded.auth.kind === 'cognito') {
          const failure = await finishCognitoSignIn(loaded.auth);
          if (failure) setProblem(failure);
        }
        setConfig(loaded);
        setToken(currentToken());
      })
      .catch((error: Error) => setProblem(`The dashboard could not start: ${error.message}`));
    return unsubscribe;
  }, []);

  if (!config) {
    return <main id="main">{problem ? <p role="alert">{problem}</p> : <p>Loading…</p>}</main>;
  }
  if (!token) return <SignIn config={config} problem={problem} />;
  const signOut = () => {
    signedOut();
    if (config.auth.kind === 'cognito') window.location.assign(cognitoSignOutUrl(config.auth));
  };
  return <Shell onSignOut={signOut} />;
}

function Shell({ onSignOut }: { onSignOut: () => void }) {
  const route = useRoute();
  const section = route.page.startsWith('list') ? 'lists' : 'broadcasts';
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">Broadcast service</span>
        <nav aria-label="Main">
          <a href={href({ page: 'broadcasts' })} aria-current={section === 'broadcasts' ? 'page' : undefined}>
            Broadcasts
          </a>
          <a href={href({ page: 'lists' })} aria-current={section === 'lists' ? 'page' : undefined}>
            Contact lists
          </a>
        </nav>
        <button type="button" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <Page route={route} />
      </main>
    </>
  );
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'broadcasts':
      return <BroadcastsPage />;
    case 'broadcast':
      return <BroadcastPage key={route.id} id={route.id} />;
    case 'broadcast-new':
      return <BroadcastForm />;
    case 'broadcast-edit':
      return <BroadcastForm key={route.id} id={route.id} />;
    case 'lists':
      return <ListsPage />;
    case 'list-new':
      return <ListForm />;
    case 'list-edit':
      return <ListForm key={route.id} id={route.id} />;
  }
}

function SignIn({ config, problem }: { config: DashboardConfig; problem: string | undefined }) {
  const [pasted, setPasted] = useState('');
  return (
    <main id="main" class="sign-in">
      <h1>Sign in</h1>
      {problem && <p role="alert">{problem}</p>}
      {config.auth.kind === 'cognito' ? (
        <button type="button" class="primary" onClick={() => startCognitoSignIn(config.auth as never)}>
          Sign in with your organisation's account
        </button>
      ) : (
        <>
          <p>
            Open the dashboard link that <code>npm start</code> printed: it carries a development token. Or paste a
            token (<code>npm run token</code>):
          </p>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              if (pasted.trim()) keepToken(pasted.trim());
            }}
          >
            <label>
              Token
              <textarea rows={3} value={pasted} onInput={(e) => setPasted(e.currentTarget.value)} />
            </label>
            <button type="submit" class="primary">
              Sign in
            </button>
          </form>
        </>
      )}
    </main>
  );
}
