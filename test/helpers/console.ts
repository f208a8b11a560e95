/**
 * Helpers for console tests: a cookie-keeping HTTP client that logs in as a browser
 * would, and a login step for Playwright pages.
 */
import type { Page } from 'playwright-core';

const CSRF_FIELD_PATTERN = /name="csrfToken" value="([^"]+)"/;

export interface ConsoleResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The redirect target of a 303, as a path. */
  location: string | undefined;
}

/** A console client over plain HTTP that keeps its cookies and the CSRF token of the last page. */
export class ConsoleClient {
  private readonly cookies = new Map<string, string>();
  /** The CSRF token of the last page that had a form. */
  csrfToken = '';

  constructor(readonly baseUrl: string) {}

  /** Logs in with the admin token through the login form, and throws when the login fails. */
  static async login(baseUrl: string, adminToken: string): Promise<ConsoleClient> {
    const client = new ConsoleClient(baseUrl);
    await client.get('/console/login');
    const response = await client.post('/console/login', { adminToken, next: '/console' });
    if (response.status !== 303) {
      throw new Error(`Console login failed with ${response.status}: ${response.text.slice(0, 300)}`);
    }
    await client.get('/console');
    return client;
  }

  cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  async get(path: string): Promise<ConsoleResponse> {
    return this.send(path, { method: 'GET' });
  }

  /** Posts a form with the current CSRF token unless `fields` sets one. */
  async post(path: string, fields: Readonly<Record<string, string>>, headers: Readonly<Record<string, string>> = {}): Promise<ConsoleResponse> {
    const body = new URLSearchParams({ csrfToken: this.csrfToken, ...fields });
    return this.send(path, { method: 'POST', body: body.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } });
  }

  /** Posts an action, follows its redirect and returns the page it lands on. */
  async act(path: string, fields: Readonly<Record<string, string>> = {}): Promise<ConsoleResponse> {
    const response = await this.post(path, fields);
    if (response.status !== 303 || response.location === undefined) {
      throw new Error(`Action ${path} returned ${response.status}: ${response.text.slice(0, 300)}`);
    }
    return this.get(response.location);
  }

  private async send(path: string, init: RequestInit): Promise<ConsoleResponse> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string> | undefined), cookie: this.cookieHeader() },
    });
    for (const setCookie of response.headers.getSetCookie()) {
      const [pair] = setCookie.split(';');
      const separator = pair?.indexOf('=') ?? -1;
      if (pair !== undefined && separator > 0) {
        const name = pair.slice(0, separator).trim();
        const value = pair.slice(separator + 1).trim();
        if (value === '' || /max-age=0/i.test(setCookie)) {
          this.cookies.delete(name);
        } else {
          this.cookies.set(name, value);
        }
      }
    }
    const text = await response.text();
    const token = CSRF_FIELD_PATTERN.exec(text)?.[1];
    if (token !== undefined) {
      this.csrfToken = token;
    }
    const location = response.headers.get('location') ?? undefined;
    return { status: response.status, headers: response.headers, text, location: location === undefined ? undefined : location.replace(this.baseUrl, '') };
  }
}

/** Logs a Playwright page in to the console and leaves it on the dashboard. */
export async function loginInBrowser(page: Page, baseUrl: string, adminToken: string): Promise<void> {
  await page.goto(`${baseUrl}/console/login`);
  await page.getByLabel('Admin token').fill(adminToken);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(`${baseUrl}/console`);
}
