/**
 * Tests of the console's gate. No page, download or action works without a session, and no
 * action works without the session's CSRF token or from another origin. The login form,
 * session cookie, logout and security headers behave as documented in docs/console.md.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_SESSION_COOKIE, safeConsolePath } from '../src/http/routes/console.js';
import { CONSOLE_MODULES } from '../src/web/console/pages/index.js';
import type { ConsoleRouter } from '../src/web/console/router.js';
import { ConsoleClient } from './helpers/console.js';
import { newSqliteUrl } from './helpers/databases.js';
import type { TestService } from './helpers/service.js';
import { TEST_ADMIN_TOKEN, startTestService } from './helpers/service.js';

interface RecordedRoute {
  kind: 'page' | 'action' | 'download';
  path: string;
}

/** Lists every route the console's page modules register, through a recording router. */
function consoleRoutes(): RecordedRoute[] {
  const routes: RecordedRoute[] = [];
  const recorder: ConsoleRouter = {
    page: (path) => routes.push({ kind: 'page', path }),
    action: (path) => routes.push({ kind: 'action', path }),
    download: (path) => routes.push({ kind: 'download', path }),
  };
  for (const register of CONSOLE_MODULES) {
    register(recorder);
  }
  return routes;
}

/** Fills path parameters with plausible values, which the gate must reject before they matter. */
function concretePath(path: string, projectId: string): string {
  return path
    .replace(':projectId', encodeURIComponent(projectId))
    .replace(/:phoneNumber/g, '%2B12065550100')
    .replace(/:[A-Za-z]+/g, '01jzzzzzzzzzzzzzzzzzzzzzzz');
}

describe('console gate', () => {
  let test: TestService;
  const routes = consoleRoutes();

  beforeAll(async () => {
    test = await startTestService(newSqliteUrl());
  });

  afterAll(async () => {
    await test.close();
  });

  it('registers pages and actions through the router', () => {
    expect(routes.filter((route) => route.kind === 'page').length).toBeGreaterThan(0);
    expect(routes.some((route) => route.path === '/console')).toBe(true);
  });

  it('sends every page and download to the login page without a session', async () => {
    const anonymous = new ConsoleClient(test.baseUrl);
    for (const route of routes.filter((candidate) => candidate.kind !== 'action')) {
      const path = concretePath(route.path, test.projectId);
      const response = await anonymous.get(path);
      expect(response.status, path).toBe(303);
      expect(response.location, path).toBe(`/console/login?next=${encodeURIComponent(path)}`);
      expect(response.text, path).toBe('');
    }
  });

  it('rejects actions without a session', async () => {
    const anonymous = new ConsoleClient(test.baseUrl);
    const before = await (await test.admin('/projects')).json();
    for (const route of [...routes.filter((candidate) => candidate.kind === 'action'), { kind: 'action', path: '/console/logout' }]) {
      const path = concretePath(route.path, test.projectId);
      const response = await anonymous.post(path, { csrfToken: 'guessed', displayName: 'x', seconds: '60' });
      expect(response.status, path).toBe(401);
      expect(response.text, path).toContain('Nothing was changed');
    }
    expect(await (await test.admin('/projects')).json()).toEqual(before);
  });

  it('rejects actions without valid CSRF token', async () => {
    const client = await ConsoleClient.login(test.baseUrl, TEST_ADMIN_TOKEN);
    const before = await (await test.admin('/projects')).json();
    for (const route of routes.filter((candidate) => candidate.kind === 'action')) {
      const path = concretePath(route.path, test.projectId);
      const missing = await client.post(path, { csrfToken: '' });
      expect(missing.status, path).toBe(403);
      const wrong = await client.post(path, { csrfToken: `${client.csrfToken.slice(0, -2)}xx` });
      expect(wrong.status, path).toBe(403);
      const crossSite = await client.post(path, {}, { origin: 'https://attacker.example' });
      expect(crossSite.status, path).toBe(403);
      const crossSiteFetch = await client.post(path, {}, { 'sec-fetch-site': 'cross-site' });
      expect(crossSiteFetch.status, path).toBe(403);
    }
    expect(await (await test.admin('/projects')).json()).toEqual(before);
    // The session still works after the rejections.
    expect((await client.get('/console')).status).toBe(200);
  });

  it('rejects forged project creation', async () => {
    const client = await ConsoleClient.login(test.baseUrl, TEST_ADMIN_TOKEN);
    const forged = await client.post('/console/projects', { csrfToken: '', projectId: 'forged-project', displayName: 'Forged' });
    expect(forged.status).toBe(403);
    const projects = (await (await test.admin('/projects')).json()) as { projects: { projectId: string }[] };
    expect(projects.projects.map((project) => project.projectId)).not.toContain('forged-project');
  });

  it('sets strict session cookie, stores hash', async () => {
    const client = new ConsoleClient(test.baseUrl);
    await client.get('/console/login');
    const response = await fetch(`${test.baseUrl}/console/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: client.cookieHeader() },
      body: new URLSearchParams({ csrfToken: client.csrfToken, adminToken: TEST_ADMIN_TOKEN, next: '/console/orders' }).toString(),
    });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/console/orders');
    const cookie = response.headers.getSetCookie().find((header) => header.startsWith(`${CONSOLE_SESSION_COOKIE}=`));
    expect(cookie).toBeDefined();
    expect(cookie).toMatch(/; Path=\/console;/);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Strict/);
    const value = /=([^;]+)/.exec(cookie ?? '')?.[1] ?? '';
    expect(value.length).toBeGreaterThanOrEqual(40);
    const stored = await test.service.ctx.storage.db.selectFrom('console_sessions').selectAll().execute();
    expect(stored.length).toBeGreaterThan(0);
    expect(JSON.stringify(stored)).not.toContain(value);
  });

  it('logout invalidates the session cookie', async () => {
    const client = await ConsoleClient.login(test.baseUrl, TEST_ADMIN_TOKEN);
    const cookie = client.cookieHeader();
    const logout = await client.post('/console/logout', {});
    expect(logout.status).toBe(303);
    expect(logout.location).toBe('/console/login');
    const replay = await fetch(`${test.baseUrl}/console`, { redirect: 'manual', headers: { cookie } });
    expect(replay.status).toBe(303);
  });

  it('sends security headers on pages', async () => {
    const client = await ConsoleClient.login(test.baseUrl, TEST_ADMIN_TOKEN);
    for (const path of ['/console', '/console/login', '/console/assets/console.css', '/console/assets/console.js']) {
      const response = await client.get(path);
      expect(response.status, path).toBe(200);
      const policy = response.headers.get('content-security-policy') ?? '';
      expect(policy, path).toContain("default-src 'none'");
      expect(policy, path).toContain("script-src 'self'");
      expect(policy, path).toContain("frame-ancestors 'none'");
      expect(policy, path).not.toContain('unsafe-inline');
      expect(response.headers.get('x-frame-options'), path).toBe('DENY');
      expect(response.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(response.headers.get('cache-control'), path).toMatch(/no-store|no-cache/);
    }
    const page = await client.get('/console');
    expect(page.text).not.toMatch(/<script>(?!<\/script>)|\sstyle="|\son[a-z]+="/i);
  });

  it('rejects JSON, oversized and NUL bodies', async () => {
    const client = await ConsoleClient.login(test.baseUrl, TEST_ADMIN_TOKEN);
    const path = `/console/projects/${test.projectId}/blanket-loa`;
    const before = await (await test.admin(`/projects/${test.projectId}`)).json();
    const json = await fetch(`${test.baseUrl}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: client.cookieHeader(), 'content-type': 'application/json' },
      body: JSON.stringify({ csrfToken: client.csrfToken, isBlanketLoaApproved: 'true' }),
    });
    expect(json.status).toBe(415);
    expect(json.headers.get('content-type')).toContain('text/html');
    expect(await json.text()).toContain('application/x-www-form-urlencoded');
    const huge = await client.post(path, { isBlanketLoaApproved: 'true', padding: 'x'.repeat(70_000) });
    expect(huge.status).toBe(413);
    expect(huge.text).toContain('larger than 64 KB');
    const nul = await client.post(path, { isBlanketLoaApproved: 'true', returnTo: '/console\u0000' });
    expect(nul.status).toBe(400);
    expect(nul.headers.get('content-type')).toContain('text/html');
    expect(nul.text).toContain('Nothing was changed');
    expect(await (await test.admin(`/projects/${test.projectId}`)).json()).toEqual(before);
  });

  it('returns console page for malformed URLs', async () => {
    const client = await ConsoleClient.login(test.baseUrl, TEST_ADMIN_TOKEN);
    for (const path of ['/console/%ff', '/console/orders/abc%']) {
      const response = await client.get(path);
      expect(response.status, path).toBe(400);
      expect(response.headers.get('content-type'), path).toContain('text/html');
      expect(response.headers.get('content-security-policy'), path).toContain("default-src 'none'");
      expect(response.text, path).toContain('could not be read');
    }
    const api = await fetch(`${test.baseUrl}/v1/projects/%ff`);
    expect(api.headers.get('content-type')).toContain('application/json');
  });

  it('rejects object property names as clock units', async () => {
    const client = await ConsoleClient.login(test.baseUrl, TEST_ADMIN_TOKEN);
    const before = (await (await test.admin('/clock')).json()) as { offsetMs: number };
    for (const unit of ['constructor', '__proto__', 'toString']) {
      const page = await client.act('/console/clock/advance', { amount: '1', unit, returnTo: '/console/clock' });
      expect(page.text, unit).toContain('Nothing was changed');
      expect(page.text, unit).toContain('is not one of');
    }
    expect(((await (await test.admin('/clock')).json()) as { offsetMs: number }).offsetMs).toBe(before.offsetMs);
  });

  it('never redirects outside the console', () => {
    for (const bad of [
      'https://attacker.example/',
      '//attacker.example',
      '/\\attacker.example',
      '/consoleevil',
      '/console/../admin',
      '/console//x',
      '/console/\u0000',
      'console',
      '/console/%2e%2e/%2e%2e/evil',
      '/console/%2E%2E/admin',
      '/console/%2f%2fevil.example',
      '/console/\u0100',
      '/console/orders?state=\u00e9',
      '/console/ orders',
    ]) {
      expect(safeConsolePath(bad), bad).toBe('/console');
    }
    expect(safeConsolePath('/console/orders?state=COMPLETED')).toBe('/console/orders?state=COMPLETED');
  });
});

// This block starts its own service because the login throttle counts per client address,
// and every test here connects from 127.0.0.1.
describe('console login throttle', () => {
  let throttled: TestService;

  beforeAll(async () => {
    throttled = await startTestService(newSqliteUrl());
  });

  afterAll(async () => {
    await throttled.close();
  });

  it('rejects bad logins and throttles failures', async () => {
    const client = new ConsoleClient(throttled.baseUrl);
    await client.get('/console/login');
    const wrong = await client.post('/console/login', { adminToken: 'not-the-token' });
    expect(wrong.status).toBe(401);
    expect(wrong.text).toContain('That is not the admin token');
    expect(wrong.headers.getSetCookie().some((header) => header.startsWith(`${CONSOLE_SESSION_COOKIE}=`))).toBe(false);

    const noCookie = await fetch(`${throttled.baseUrl}/console/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrfToken: client.csrfToken, adminToken: TEST_ADMIN_TOKEN }).toString(),
    });
    expect(noCookie.status).toBe(403);

    let last = wrong;
    for (let attempt = 0; attempt < 12; attempt += 1) {
      last = await client.post('/console/login', { adminToken: `guess-${attempt}` });
    }
    expect(last.status).toBe(429);
    // Even the right token waits out the block, so guessing gains nothing.
    expect((await client.post('/console/login', { adminToken: TEST_ADMIN_TOKEN })).status).toBe(429);
  });
});

describe('console sessions across restarts and proxies', () => {
  it('redirects login with unencodable next path', async () => {
    const test = await startTestService(newSqliteUrl());
    try {
      const client = new ConsoleClient(test.baseUrl);
      await client.get('/console/login');
      const response = await client.post('/console/login', { adminToken: TEST_ADMIN_TOKEN, next: '/console/\u0100' });
      expect(response.status).toBe(303);
      expect(response.location).toBe('/console');
      await client.get('/console');
      const action = await client.post(`/console/projects/${test.projectId}/blanket-loa`, { isBlanketLoaApproved: 'true', returnTo: '/console/\u0100' });
      expect(action.status).toBe(303);
      expect(action.location?.startsWith('/console')).toBe(true);
    } finally {
      await test.close();
    }
  });

  it('ends every session when the admin token changes', async () => {
    const databaseUrl = newSqliteUrl();
    const first = await startTestService(databaseUrl);
    const client = await ConsoleClient.login(first.baseUrl, TEST_ADMIN_TOKEN);
    const cookie = client.cookieHeader();
    await first.close();

    const rotated = await startTestService(databaseUrl, { NUMBERHOST_ADMIN_TOKEN: 'rotated-admin-token-9876543210' });
    try {
      const page = await fetch(`${rotated.baseUrl}/console`, { redirect: 'manual', headers: { cookie } });
      expect(page.status).toBe(303);
      const post = await fetch(`${rotated.baseUrl}/console/projects/${rotated.projectId}/access-keys`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ csrfToken: client.csrfToken }).toString(),
      });
      expect(post.status).toBe(401);
      await ConsoleClient.login(rotated.baseUrl, 'rotated-admin-token-9876543210');
    } finally {
      await rotated.close();
    }

    // Going back to the first token does not bring the old session back.
    const restored = await startTestService(databaseUrl);
    try {
      const page = await fetch(`${restored.baseUrl}/console`, { redirect: 'manual', headers: { cookie } });
      expect(page.status).toBe(303);
    } finally {
      await restored.close();
    }
  });

  it('accepts public base URL as Origin', async () => {
    const test = await startTestService(newSqliteUrl(), { PUBLIC_BASE_URL: 'https://numbers.example.test' });
    try {
      const client = new ConsoleClient(test.baseUrl);
      await client.get('/console/login');
      const response = await client.post('/console/login', { adminToken: TEST_ADMIN_TOKEN }, { origin: 'https://numbers.example.test' });
      expect(response.status).toBe(303);
      expect(response.headers.getSetCookie().join('\n')).toMatch(/numberhost_console=[^;]+;.*Secure/);
      const other = await client.post('/console/login', { adminToken: TEST_ADMIN_TOKEN }, { origin: 'https://numbers.example.test.attacker.example' });
      expect(other.status).toBe(403);
    } finally {
      await test.close();
    }
  });
});
