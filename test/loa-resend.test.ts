/**
 * The operator's `:resendLoa` mails a new signing link to an order that waits for its
 * signature; the earlier link stops working and the new one signs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { newSqliteUrl } from './helpers/databases.js';
import type { TestService } from './helpers/service.js';
import { startTestService, waitUntil } from './helpers/service.js';

const DIRECT_LOA = {
  authorisedPerson: { firstName: 'Resend', lastName: 'Tester', email: 'resend@example.com' },
  address: { buildingNumber: '5', street: 'Pine St', city: 'Seattle', state: 'WA', postalCode: '98101', country: 'US' },
  currentVoiceCarrier: 'Ziply',
};

interface Email {
  links: string[];
}

describe('resending the LOA', () => {
  let service: TestService;
  const phoneNumber = '+12065550170';
  let hostingOrderId: string;

  async function emails(): Promise<Email[]> {
    const response = await service.admin(`/projects/${service.projectId}/emails?hostingOrderId=${hostingOrderId}`);
    return ((await response.json()) as { emails: Email[] }).emails;
  }

  function pathOf(email: Email | undefined): string {
    return new URL(email?.links[0] as string).pathname;
  }

  beforeAll(async () => {
    service = await startTestService(newSqliteUrl(), { NUMBERHOST_ELIGIBILITY_DELAY_MS: '0' });
    await service.api('/qualifiedNumbers:addNumbers', { method: 'POST', body: JSON.stringify({ phoneNumbers: [phoneNumber] }) });
    await waitUntil(
      async () => ((await (await service.api(`/qualifiedNumbers/${encodeURIComponent(phoneNumber)}`)).json()) as { globalProcessState: string }).globalProcessState,
      (state) => state === 'GLOBAL_PROCESS_STATE_ELIGIBLE',
    );
    await service.admin(`/projects/${service.projectId}/qualifiedNumbers/${encodeURIComponent(phoneNumber)}:approveOwnership`, { method: 'POST' });
    const created = await service.api('/hostingOrders:textEnableNumbers', {
      method: 'POST',
      body: JSON.stringify({ numbers: [phoneNumber], regionCode: 'US', servicePlanId: 'plan-resend', directLoaInfo: DIRECT_LOA }),
    });
    expect(created.status, await created.clone().text()).toBe(200);
    hostingOrderId = ((await created.json()) as { hostingOrderId: string }).hostingOrderId;
    await waitUntil(emails, (list) => list.length === 1);
  });

  afterAll(async () => {
    await service?.close();
  });

  it('replaces the link and signs with the new one', async () => {
    const [first] = await emails();
    expect((await fetch(`${service.baseUrl}${pathOf(first)}`)).status).toBe(200);

    const resent = await service.admin(`/projects/${service.projectId}/hostingOrders/${hostingOrderId}:resendLoa`, { method: 'POST' });
    expect(resent.status, await resent.clone().text()).toBe(200);
    const list = await emails();
    expect(list).toHaveLength(2);
    const newest = list[0];
    expect(pathOf(newest)).not.toBe(pathOf(first));

    const old = await fetch(`${service.baseUrl}${pathOf(first)}`);
    expect(old.status).toBe(410);
    expect(await old.text()).not.toContain('<form');

    const page = await fetch(`${service.baseUrl}${pathOf(newest)}`);
    const html = await page.text();
    const csrfToken = /name="csrfToken" value="([^"]+)"/.exec(html)?.[1] as string;
    const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const signed = await fetch(`${service.baseUrl}${pathOf(newest)}`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrfToken, action: 'sign', fullName: 'Resend Tester', consent: 'yes' }).toString(),
    });
    expect(signed.status).toBe(200);
    const order = await waitUntil(
      async () => ((await (await service.api(`/hostingOrders/${hostingOrderId}`)).json()) as { state: string }).state,
      (state) => state === 'COMPLETED',
    );
    expect(order).toBe('COMPLETED');
  });

  it('refuses to resend once the order no longer waits', async () => {
    const response = await service.admin(`/projects/${service.projectId}/hostingOrders/${hostingOrderId}:resendLoa`, { method: 'POST' });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { status: string }).status).toBe('FAILED_PRECONDITION');
    expect(await emails()).toHaveLength(2);
  });

  it('answers 404 for an unknown order', async () => {
    const response = await service.admin(`/projects/${service.projectId}/hostingOrders/01unknownorder000000000000:resendLoa`, { method: 'POST' });
    expect(response.status).toBe(404);
  });
});

describe('LOA settings', () => {
  it.each([
    ['SMTP_URL', 'http://mail.example.com'],
    ['SMTP_URL', 'not a url'],
    ['PUBLIC_BASE_URL', 'ftp://numbers.example.com'],
    ['PUBLIC_BASE_URL', 'https://numbers.example.com/?x=1'],
    ['NUMBERHOST_NNID', 'abc'],
    ['NUMBERHOST_NNID', '12 34'],
  ])('%s=%s stops the start with a message naming it', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });

  it('keeps an SMTP password out of the message', () => {
    expect(() => loadConfig({ SMTP_URL: 'http://user:hunter2secret@mail.example.com' })).toThrow(/^(?!.*hunter2secret)/s);
  });

  it('accepts good values', () => {
    const config = loadConfig({ SMTP_URL: 'smtps://user:pw@mail.example.com:465', PUBLIC_BASE_URL: 'https://numbers.example.com/', NUMBERHOST_NNID: '123456' });
    expect(config.publicBaseUrl).toBe('https://numbers.example.com');
    expect(config.providerNnid).toBe('123456');
  });
});
