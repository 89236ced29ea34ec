/** How the SPA signs in and where the API is: `/config.json`, written by `npm start` or by the stack. */
export type DashboardConfig =
  | { auth: { kind: 'dev-token' }; apiBase: string }
  | {
      auth: {
        kind: 'cognito';
        /** The hosted UI, e.g. `https://acme-broadcast.auth.eu-west-1.amazoncognito.com`. */
        domain: string;
        clientId: string;
        redirectUri: string;
      };
      apiBase: string;
    };

let loaded: DashboardConfig | undefined;

export async function loadDashboardConfig(): Promise<DashboardConfig> {
  const response = await fetch('/config.json', { headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`/config.json answered ${response.status}`);
  const config = (await response.json()) as DashboardConfig;
  loaded = { ...config, apiBase: config.apiBase.replace(/\/+$/, '') };
  return loaded;
}

export function dashboardConfig(): DashboardConfig {
  if (!loaded) throw new Error('the dashboard configuration is not loaded yet');
  return loaded;
}
