import { e2eForFile } from './support.js';

// The operator dashboard as the local server serves it: the page, its bundle, its sign-in settings, with no token.

const e2e = e2eForFile();

const get = (path: string) => fetch(`${e2e.runtime.url}${path}`);

describe('the dashboard on the local server', () => {
  it('serves the page at / with a same-origin content security policy, without a token', async () => {
    // Act
    const reply = await get('/');
    const html = await reply.text();

    // Assess
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(reply.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(reply.headers.get('referrer-policy')).toBe('no-referrer');
    expect(html).toContain('<script type="module" src="/assets/app.js"></script>');
  });

  it('serves the script and style sheet the page names, bundled from web/src', async () => {
    // Act
    const [script, sheet] = await Promise.all([get('/assets/app.js'), get('/assets/app.css')]);
    const [js, css] = await Promise.all([script.text(), sheet.text()]);

    // Assess
    expect([script.status, sheet.status]).toEqual([200, 200]);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js).toContain('/config.json');
    expect(css).toContain('.uplot');
  });

  it('tells the SPA to sign in with the development token and call the API on the same origin', async () => {
    // Act
    const reply = await get('/config.json');

    // Assess
    expect(await reply.json()).toEqual({ auth: { kind: 'dev-token' }, apiBase: '' });
  });

  it('answers 404 for an unknown asset and leaves the API routes and their problems as they were', async () => {
    // Act
    const asset = await get('/assets/nothing.js');
    const api = await get('/api/v1/broadcasts');

    // Assess
    expect(asset.status).toBe(404);
    expect(api.status).toBe(401);
    expect(api.headers.get('content-type')).toContain('application/problem+json');
  });
});
