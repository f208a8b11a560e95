/**
 * Tests of the console's hosting order, qualified number and imported number pages in
 * real Chromium on SQLite and PostgreSQL. Each page is opened, each action clicked, and
 * each effect checked on the page and through the public or admin API. Bad filters,
 * empty reasons and unknown ids must give a message, never a 500. A fetch-level part
 * checks that the same pages and actions need a session and the CSRF token.
 */
import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from './helpers/browser.js';
import { ConsoleClient, loginInBrowser } from './helpers/console.js';
import { DIALECTS, newDatabaseUrl, newSqliteUrl } from './helpers/databases.js';
import { CallbackReceiver } from './helpers/receiver.js';
import type { TestService } from './helpers/service.js';
import { startTestService, waitUntil } from './helpers/service.js';

const SERVICE_PLAN_ID = 'plan-console';
const CAMPAIGN_ID = 'CCONSOLE1';
const DAY_MS = 86_400_000;
const OK_IMPORT_NUMBER = '+12065550101';
/** Sandbox magic line 0184, which the SMS platform rejects on every attempt. */
const FAILING_IMPORT_NUMBER = '+12065550184';
const BLANKET_NUMBERS = ['+12065550111', '+12065550112'];
const DIRECT_NUMBER = '+12065550121';
const APPROVED_NUMBER = '+12065550131';
const REJECTED_NUMBER = '+12065550132';
const BLOCKED_NUMBER = '+12065550133';
const REJECTION_REASON = 'Customer cancelled by phone';
const OWNERSHIP_REJECTION_REASON = 'Invoice names another company';
const DIRECT_LOA = {
  authorisedPerson: { firstName: 'Jane', lastName: 'Doe', email: 'jane.doe@example.com' },
  address: { buildingNumber: '2433', street: 'Vesta Drive', city: 'Chicago', state: 'IL', postalCode: '60647', country: 'US' },
  currentVoiceCarrier: 'Verizon',
};
const UNKNOWN_ORDER_ID = '01jzzzzzzzzzzzzzzzzzzzzzzz';

interface OrderBody {
  hostingOrderId: string;
  state: string;
}

interface QualifiedNumberBody {
  globalProcessState: string;
  ownershipVerification: { status: string; error: string };
}

interface DeliveryBody {
  eventType: string;
  status: string;
  resourceId: string;
}

interface OrderNumberBody {
  phoneNumber: string;
  platformProvisioning: { state: string };
}

let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
});

describe.each(DIALECTS)('console order pages on %s', (dialect) => {
  let service: TestService;
  let context: BrowserContext;
  let page: Page;
  const receiver = new CallbackReceiver();
  let callbackUrl: string;
  let importOrderId: string;
  let blanketOrderId: string;
  let directOrderId: string;

  async function apiJson<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await service.api(path, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await response.text();
    expect(response.status, `${method} ${path}: ${text}`).toBe(200);
    return JSON.parse(text) as T;
  }

  async function adminJson<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await service.admin(path, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await response.text();
    expect(response.status, `${method} /admin/v1${path}: ${text}`).toBe(200);
    return JSON.parse(text) as T;
  }

  const projectPath = (path: string): string => `/projects/${service.projectId}${path}`;
  const orderPagePath = (hostingOrderId: string): string => `/console/projects/${service.projectId}/orders/${hostingOrderId}`;
  const numberPagePath = (phoneNumber: string): string => `/console/projects/${service.projectId}/numbers/${encodeURIComponent(phoneNumber)}`;

  const getOrder = (hostingOrderId: string): Promise<OrderBody> => apiJson<OrderBody>('GET', `/hostingOrders/${hostingOrderId}`);
  const getQualified = (phoneNumber: string): Promise<QualifiedNumberBody> => apiJson<QualifiedNumberBody>('GET', `/qualifiedNumbers/${encodeURIComponent(phoneNumber)}`);
  const waitForOrderState = (hostingOrderId: string, state: string): Promise<OrderBody> =>
    waitUntil(
      () => getOrder(hostingOrderId),
      (order) => order.state === state,
    );

  async function listDeliveries(query: string): Promise<DeliveryBody[]> {
    return (await adminJson<{ callbackDeliveries: DeliveryBody[] }>('GET', projectPath(`/callbackDeliveries?${query}`))).callbackDeliveries;
  }

  async function emailCount(hostingOrderId: string): Promise<number> {
    return (await adminJson<{ emails: unknown[] }>('GET', projectPath(`/emails?hostingOrderId=${hostingOrderId}`))).emails.length;
  }

  async function addEligible(phoneNumbers: string[]): Promise<void> {
    await apiJson('POST', '/qualifiedNumbers:addNumbers', { phoneNumbers });
    for (const phoneNumber of phoneNumbers) {
      await waitUntil(
        () => getQualified(phoneNumber),
        (number) => number.globalProcessState === 'GLOBAL_PROCESS_STATE_ELIGIBLE',
      );
    }
  }

  async function approveThroughAdmin(phoneNumbers: string[]): Promise<void> {
    for (const phoneNumber of phoneNumbers) {
      await adminJson('POST', projectPath(`/qualifiedNumbers/${encodeURIComponent(phoneNumber)}:approveOwnership`));
    }
  }

  /** Sends a voice challenge and three wrong codes, which blocks the number. */
  async function blockNumber(phoneNumber: string): Promise<void> {
    await apiJson('POST', `/qualifiedNumbers/${encodeURIComponent(phoneNumber)}:sendVoiceChallenge`);
    const calls = await waitUntil(
      async () => (await adminJson<{ voiceCalls: { code: string }[] }>('GET', projectPath(`/voiceCalls?phoneNumber=${encodeURIComponent(phoneNumber)}`))).voiceCalls,
      (list) => list.length > 0,
    );
    const code = Number(calls[0]?.code ?? '0');
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      await apiJson('POST', `/qualifiedNumbers/${encodeURIComponent(phoneNumber)}:verifyVoiceChallenge`, { code: String((code + attempt) % 1_000_000).padStart(6, '0') });
    }
    expect((await getQualified(phoneNumber)).globalProcessState).toBe('GLOBAL_PROCESS_STATE_VERIFICATION_BLOCKED');
  }

  async function open(path: string, status = 200): Promise<void> {
    const response = await page.goto(`${service.baseUrl}${path}`);
    expect(response?.status(), path).toBe(status);
  }

  const mainText = (): Promise<string> => page.locator('main').innerText();
  const notice = (): Promise<string> => page.locator('p.flash').first().innerText();
  const tableRows = () => page.locator('main table tbody tr');

  beforeAll(async () => {
    callbackUrl = await receiver.start();
    service = await startTestService(await newDatabaseUrl(dialect), { NUMBERHOST_ELIGIBILITY_DELAY_MS: '0', NUMBERHOST_VOICE_CALL_INTERVAL_S: '0' });

    const importOrder = await apiJson<OrderBody>('POST', '/hostingOrders:importNumbers', {
      numbers: [OK_IMPORT_NUMBER, FAILING_IMPORT_NUMBER],
      regionCode: 'US',
      servicePlanId: SERVICE_PLAN_ID,
      campaignId: CAMPAIGN_ID,
      callbackUrl,
    });
    importOrderId = importOrder.hostingOrderId;

    await adminJson('PATCH', `/projects/${service.projectId}`, { isBlanketLoaApproved: true });
    await addEligible([...BLANKET_NUMBERS, DIRECT_NUMBER, APPROVED_NUMBER, REJECTED_NUMBER, BLOCKED_NUMBER]);
    await approveThroughAdmin([...BLANKET_NUMBERS, DIRECT_NUMBER]);
    const clock = await adminJson<{ now: string }>('GET', '/clock');
    // Scheduled a day ahead, the OSR updates wait, so the order can still be rejected.
    const blanketOrder = await apiJson<OrderBody>('POST', '/hostingOrders:textEnableNumbers', {
      regionCode: 'US',
      numbers: BLANKET_NUMBERS,
      servicePlanId: SERVICE_PLAN_ID,
      callbackUrl,
      scheduledOsrUpdateTime: new Date(Date.parse(clock.now) + DAY_MS).toISOString(),
      blanketLoaInfo: {},
    });
    blanketOrderId = blanketOrder.hostingOrderId;
    const directOrder = await apiJson<OrderBody>('POST', '/hostingOrders:textEnableNumbers', {
      regionCode: 'US',
      numbers: [DIRECT_NUMBER],
      servicePlanId: SERVICE_PLAN_ID,
      directLoaInfo: DIRECT_LOA,
    });
    directOrderId = directOrder.hostingOrderId;
    await blockNumber(BLOCKED_NUMBER);

    await waitForOrderState(importOrderId, 'COMPLETED');
    await waitForOrderState(blanketOrderId, 'IN_PROGRESS');
    await waitForOrderState(directOrderId, 'WAITING_FOR_LOA_SIGNATURE');

    context = await browser.newContext();
    context.setDefaultTimeout(10_000);
    page = await context.newPage();
    page.on('dialog', (dialog) => void dialog.accept());
    await loginInBrowser(page, service.baseUrl, service.adminToken);
  });

  afterAll(async () => {
    await context?.close();
    await service?.close();
    await receiver.stop();
  });

  it('rejects requests without session or token', async () => {
    const anonymous = new ConsoleClient(service.baseUrl);
    const pages = [
      '/console/orders',
      orderPagePath(importOrderId),
      `${orderPagePath(directOrderId)}/loa.pdf`,
      `${orderPagePath(directOrderId)}/signed-loa.pdf`,
      '/console/qualified-numbers',
      '/console/numbers?pattern=%2B1206',
      numberPagePath(OK_IMPORT_NUMBER),
    ];
    for (const path of pages) {
      const response = await anonymous.get(path);
      expect(response.status, path).toBe(303);
      expect(response.location, path).toBe(`/console/login?next=${encodeURIComponent(path)}`);
    }

    const qualifiedAction = (phoneNumber: string, verb: string): string =>
      `/console/projects/${service.projectId}/qualified-numbers/${encodeURIComponent(phoneNumber)}/${verb}`;
    const actions = [
      `${orderPagePath(blanketOrderId)}/reject`,
      `${orderPagePath(directOrderId)}/resend-loa`,
      `${orderPagePath(importOrderId)}/retry-failed-steps`,
      qualifiedAction(APPROVED_NUMBER, 'approve-ownership'),
      qualifiedAction(REJECTED_NUMBER, 'reject-ownership'),
      qualifiedAction(BLOCKED_NUMBER, 'unblock'),
    ];
    const fields = { reason: 'forged', returnTo: '/console/orders' };
    for (const path of actions) {
      expect((await anonymous.post(path, { ...fields, csrfToken: 'guessed' })).status, path).toBe(401);
    }
    const operator = await ConsoleClient.login(service.baseUrl, service.adminToken);
    for (const path of actions) {
      const withoutToken = await operator.post(path, { ...fields, csrfToken: '' });
      expect(withoutToken.status, path).toBe(403);
      expect(withoutToken.text, path).toContain('Nothing was changed');
      expect((await operator.post(path, { ...fields, csrfToken: `${operator.csrfToken}x` })).status, path).toBe(403);
    }

    expect((await getOrder(blanketOrderId)).state).toBe('IN_PROGRESS');
    expect(await emailCount(directOrderId)).toBe(1);
    expect((await listDeliveries(`resourceId=${encodeURIComponent(FAILING_IMPORT_NUMBER)}`)).filter((event) => event.eventType === 'PROVISIONING_TO_SMS_PLATFORM')).toHaveLength(1);
    expect((await getQualified(APPROVED_NUMBER)).globalProcessState).toBe('GLOBAL_PROCESS_STATE_ELIGIBLE');
    expect((await getQualified(REJECTED_NUMBER)).globalProcessState).toBe('GLOBAL_PROCESS_STATE_ELIGIBLE');
    expect((await getQualified(BLOCKED_NUMBER)).globalProcessState).toBe('GLOBAL_PROCESS_STATE_VERIFICATION_BLOCKED');
  });

  it('lists orders newest first with filters', async () => {
    await open('/console/orders');
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Hosting orders');
    const ids = await tableRows().locator('td:first-child').allInnerTexts();
    expect(ids).toEqual([directOrderId, blanketOrderId, importOrderId]);
    // The import order's failing number shows in the list, while the other orders have no failed numbers yet.
    const failedColumn = (await page.locator('main table thead th').allInnerTexts()).indexOf('Failed numbers');
    expect(failedColumn).toBeGreaterThan(0);
    expect(await tableRows().locator(`td:nth-child(${failedColumn + 1})`).allInnerTexts()).toEqual(['0', '0', '1']);

    await page.locator('select[name="type"]').selectOption('IMPORT');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(/type=IMPORT/);
    expect(await tableRows().locator('td:first-child').allInnerTexts()).toEqual([importOrderId]);

    await page.locator('select[name="type"]').selectOption('');
    await page.locator('select[name="state"]').selectOption('WAITING_FOR_LOA_SIGNATURE');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(/state=WAITING_FOR_LOA_SIGNATURE/);
    expect(await tableRows().locator('td:first-child').allInnerTexts()).toEqual([directOrderId]);

    await open(`/console/orders?search=${encodeURIComponent('5550184')}`);
    expect(await tableRows().locator('td:first-child').allInnerTexts()).toEqual([importOrderId]);
    await open(`/console/orders?search=${encodeURIComponent(FAILING_IMPORT_NUMBER)}`);
    expect(await tableRows().locator('td:first-child').allInnerTexts()).toEqual([importOrderId]);
    await open(`/console/orders?search=${blanketOrderId.slice(0, 20).toUpperCase()}`);
    expect(await tableRows().locator('td:first-child').allInnerTexts()).toEqual([blanketOrderId]);

    const today = new Date().toISOString().slice(0, 10);
    await open(`/console/orders?projectId=${service.projectId}&type=TYPE_TEXT_ENABLE&createdFrom=${today}&createdTo=${today}`);
    expect(await tableRows().locator('td:first-child').allInnerTexts()).toEqual([directOrderId, blanketOrderId]);
    await open('/console/orders?createdTo=2000-01-01');
    expect(await mainText()).toContain('No hosting order matches these filters.');
    await open('/console/orders?type=TOLL_FREE');
    expect(await mainText()).toContain('No hosting order matches these filters.');

    await open('/console/orders');
    await page.getByRole('link', { name: importOrderId }).click();
    await page.waitForURL(`${service.baseUrl}${orderPagePath(importOrderId)}`);
  });

  it('ignores bad order filters with a message', async () => {
    await open('/console/orders?type=BOGUS&state=NOPE&createdFrom=2026-02-30&search=%25%25&projectId=nobody&after=garbage');
    const alert = await page.getByRole('alert').innerText();
    expect(alert).toContain('"BOGUS" is not a valid order type');
    expect(alert).toContain('"NOPE" is not a valid order state');
    expect(alert).toContain('"2026-02-30" is not a date');
    expect(alert).toContain('"%%" is neither digits of a phone number');
    expect(alert).toContain('No project has the id "nobody"');
    expect(alert).toContain('The page link was not made by this console');
    expect(await tableRows().count()).toBe(3);
  });

  it('shows an order with report, numbers and timeline', async () => {
    await open(orderPagePath(importOrderId));
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe(`Hosting order ${importOrderId}`);
    const summary = await page.locator('dl.summary').first().innerText();
    expect(summary).toContain('COMPLETED');
    expect(summary).toContain('IMPORT');
    expect(summary).toContain(SERVICE_PLAN_ID);
    expect(summary).toContain(CAMPAIGN_ID);
    const report = await page.locator('dl.summary').nth(1).innerText();
    expect(report).toMatch(/Numbers\s+2/);
    expect(report).toMatch(/SMS provisioned\s+1/);
    expect(report).toMatch(/Added to campaign\s+1/);

    const failingRow = page.locator('tr', { hasText: FAILING_IMPORT_NUMBER }).first();
    expect(await failingRow.innerText()).toContain('NUMBER_PROVISIONING_FAILED');
    const failing = await apiJson<{ smsProvisioning: { errorMessage: string } }>('GET', `/importedNumbers/${encodeURIComponent(FAILING_IMPORT_NUMBER)}`);
    expect(failing.smsProvisioning.errorMessage).not.toBe('');
    expect(await failingRow.locator('.step-error').first().innerText()).toBe(failing.smsProvisioning.errorMessage);
    expect(await page.locator('tr', { hasText: OK_IMPORT_NUMBER }).first().locator('.step-error').count()).toBe(0);
    expect(await page.locator('tr', { hasText: OK_IMPORT_NUMBER }).first().innerText()).toContain('smsAtt');

    const timeline = page.locator('.timeline tbody tr');
    expect(await timeline.first().innerText()).toContain('Order created');
    const timelineText = await page.locator('.timeline').innerText();
    expect(timelineText).toContain('PROVISIONING_TO_SMS_PLATFORM');
    expect(timelineText).toContain('HOSTING_PROCESS');
    const deliveries = await listDeliveries(`hostingOrderId=${importOrderId}`);
    expect(await timeline.count()).toBe(deliveries.length + 1);
    const deliveryLinks = await page.locator('.timeline a[href^="/console/deliveries"]').evaluateAll((links) => links.map((link) => link.getAttribute('href')));
    expect(deliveryLinks).toHaveLength(deliveries.length);
    expect(deliveryLinks[0]).toMatch(new RegExp(`^/console/deliveries\\?projectId=${service.projectId}&eventId=[0-9a-z]{26}$`));

    expect(await page.getByRole('button', { name: 'Reject order' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Resend the LOA' }).count()).toBe(0);
    expect(await page.getByRole('link', { name: /LOA as mailed/ }).count()).toBe(0);
  });

  it('escapes step error messages and mutes unspecified states', async () => {
    const { db } = service.service.ctx.storage;
    const stored = await db
      .selectFrom('imported_numbers')
      .select('sms_error_message')
      .where('project_id', '=', service.projectId)
      .where('phone_number', '=', FAILING_IMPORT_NUMBER)
      .executeTakeFirstOrThrow();
    const hostile = '<img src=x onerror=alert(1)> refused & <b>gone</b>';
    const setMessage = (message: string) =>
      db
        .updateTable('imported_numbers')
        .set({ sms_error_message: message })
        .where('project_id', '=', service.projectId)
        .where('phone_number', '=', FAILING_IMPORT_NUMBER)
        .execute();
    await setMessage(hostile);
    try {
      const operator = await ConsoleClient.login(service.baseUrl, service.adminToken);
      const orderPage = await operator.get(orderPagePath(importOrderId));
      expect(orderPage.text).toContain('<span class="step-error">&lt;img src=x onerror=alert(1)&gt; refused &amp; &lt;b&gt;gone&lt;/b&gt;</span>');
      expect(orderPage.text).not.toContain('<img src=x');
    } finally {
      await setMessage(stored.sms_error_message);
    }

    // The blanket order names no campaign, so its campaign step is STATE_UNSPECIFIED, which is shown muted rather than as a warning.
    await open(orderPagePath(blanketOrderId));
    const campaignBadge = page.locator('tr', { hasText: BLANKET_NUMBERS[0] as string }).first().locator('.state', { hasText: 'STATE_UNSPECIFIED' });
    expect(await campaignBadge.getAttribute('class')).toBe('state muted');
  });

  it('retries failed steps from the order page', async () => {
    const smsEvents = async (): Promise<DeliveryBody[]> =>
      (await listDeliveries(`resourceId=${encodeURIComponent(FAILING_IMPORT_NUMBER)}`)).filter((event) => event.eventType === 'PROVISIONING_TO_SMS_PLATFORM');
    expect(await smsEvents()).toHaveLength(1);

    await open(orderPagePath(importOrderId));
    await page.getByRole('button', { name: 'Retry failed steps' }).click();
    await page.waitForURL(`${service.baseUrl}${orderPagePath(importOrderId)}`);
    expect(await notice()).toBe(`Order ${importOrderId}: 1 step queued again (SMS_PROVISIONING of ${FAILING_IMPORT_NUMBER}).`);

    const events = await waitUntil(smsEvents, (list) => list.length === 2);
    expect(events.map((event) => event.status)).toEqual(['FAILED', 'FAILED']);
    await waitForOrderState(importOrderId, 'COMPLETED');
    const numbers = (await apiJson<{ numbers: OrderNumberBody[] }>('GET', `/hostingOrders/${importOrderId}/numbers`)).numbers;
    expect(numbers.find((number) => number.phoneNumber === FAILING_IMPORT_NUMBER)?.platformProvisioning.state).toBe('FAILED');

    await open(orderPagePath(importOrderId));
    const smsRows = page.locator('.timeline tbody tr', { hasText: 'PROVISIONING_TO_SMS_PLATFORM' }).filter({ hasText: FAILING_IMPORT_NUMBER });
    expect(await smsRows.count()).toBe(2);

    await open(orderPagePath(blanketOrderId));
    expect(await page.getByRole('button', { name: 'Retry failed steps' }).count()).toBe(0);
  });

  it('rejects a text-enable order only with a reason', async () => {
    await open(orderPagePath(blanketOrderId));
    const summary = await page.locator('dl.summary').first().innerText();
    expect(summary).toContain('IN_PROGRESS');
    expect(summary).toContain('TYPE_TEXT_ENABLE');
    expect(summary).toMatch(/LOA type\s+Blanket/);
    expect(await page.getByRole('button', { name: 'Resend the LOA' }).count()).toBe(0);
    expect(await page.locator('tr', { hasText: BLANKET_NUMBERS[0] as string }).first().innerText()).toContain('WAITING');

    await page.getByRole('button', { name: 'Reject order' }).click();
    await page.waitForURL(`${service.baseUrl}${orderPagePath(blanketOrderId)}`);
    expect(await notice()).toMatch(/^Nothing was changed: Invalid request\. reason: is required/);
    expect((await getOrder(blanketOrderId)).state).toBe('IN_PROGRESS');

    await page.getByLabel(/Reason for rejecting/).fill(REJECTION_REASON);
    await page.getByRole('button', { name: 'Reject order' }).click();
    await page.waitForURL(`${service.baseUrl}${orderPagePath(blanketOrderId)}`);
    expect(await notice()).toBe(`Order ${blanketOrderId} rejected.`);
    expect((await getOrder(blanketOrderId)).state).toBe('REJECTED');
    expect((await getQualified(BLANKET_NUMBERS[0] as string)).globalProcessState).toBe('GLOBAL_PROCESS_STATE_HOSTING_FAILED');

    expect(await page.locator('dl.summary').first().innerText()).toContain(`Rejected by the operator: ${REJECTION_REASON}`);
    const rejection = page.locator('.timeline tbody tr', { hasText: REJECTION_REASON });
    expect(await rejection.innerText()).toContain('Order REJECTED');
    const hostingProcess = page.locator('.timeline tbody tr', { hasText: 'HOSTING_PROCESS' });
    expect(await hostingProcess.count()).toBe(2);
    expect(await hostingProcess.first().innerText()).toContain('FAILED');
    expect(await page.getByRole('button', { name: 'Reject order' }).count()).toBe(0);

    await open('/console/orders?state=REJECTED');
    expect(await tableRows().locator('td:first-child').allInnerTexts()).toEqual([blanketOrderId]);
  });

  it('resends the LOA and downloads it', async () => {
    const mailRows = () => page.locator('.timeline tbody tr').filter({ has: page.locator('td:nth-child(2)', { hasText: /^Mail$/ }) });
    await open(orderPagePath(directOrderId));
    expect(await page.locator('dl.summary').first().innerText()).toMatch(/LOA type\s+Direct/);
    expect(await page.locator('.timeline').innerText()).toContain('LOA written');
    expect(await mailRows().count()).toBe(1);
    expect(await page.getByRole('link', { name: /Signed LOA/ }).count()).toBe(0);

    const downloading = page.waitForEvent('download');
    await page.getByRole('link', { name: 'LOA as mailed (PDF)' }).click();
    const download = await downloading;
    expect(download.suggestedFilename()).toBe(`loa-${directOrderId}.pdf`);
    const pdf = readFileSync(await download.path());
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const adminPdf = Buffer.from(await (await service.admin(projectPath(`/hostingOrders/${directOrderId}/loa`))).arrayBuffer());
    expect(pdf.equals(adminPdf)).toBe(true);

    expect(await emailCount(directOrderId)).toBe(1);
    await page.getByRole('button', { name: 'Resend the LOA' }).click();
    await page.waitForURL(`${service.baseUrl}${orderPagePath(directOrderId)}`);
    expect(await notice()).toBe(`Order ${directOrderId}: a new signing link was mailed; earlier links no longer work.`);
    expect(await emailCount(directOrderId)).toBe(2);
    expect(await mailRows().count()).toBe(2);

    await open(`${orderPagePath(directOrderId)}/signed-loa.pdf`, 404);
    expect(await mainText()).toContain(`Order ${directOrderId} has no signed LOA`);
    await open(`${orderPagePath(importOrderId)}/loa.pdf`, 404);
    expect(await mainText()).toContain('has no LOA document');
  });

  it('rejects actions not fitting the order', async () => {
    const operator = await ConsoleClient.login(service.baseUrl, service.adminToken);
    await operator.get(orderPagePath(importOrderId));
    const rejectImport = await operator.act(`${orderPagePath(importOrderId)}/reject`, { reason: 'not allowed', returnTo: orderPagePath(importOrderId) });
    expect(rejectImport.text).toContain('Nothing was changed: Order');
    expect(rejectImport.text).toContain('is an IMPORT order, which cannot be rejected');
    const resendImport = await operator.act(`${orderPagePath(importOrderId)}/resend-loa`, { returnTo: orderPagePath(importOrderId) });
    expect(resendImport.text).toContain('a new signing link is only sent while it is WAITING_FOR_LOA_SIGNATURE');
    const retryWaiting = await operator.act(`${orderPagePath(directOrderId)}/retry-failed-steps`, { returnTo: orderPagePath(directOrderId) });
    expect(retryWaiting.text).toContain('its carrier steps have not started');
    const rejectUnknown = await operator.act(`${orderPagePath(UNKNOWN_ORDER_ID)}/reject`, { reason: 'x', returnTo: '/console/orders' });
    expect(rejectUnknown.text).toContain(`Hosting order ${UNKNOWN_ORDER_ID} was not found`);
    expect((await getOrder(importOrderId)).state).toBe('COMPLETED');
    expect((await getOrder(directOrderId)).state).toBe('WAITING_FOR_LOA_SIGNATURE');

    await open(orderPagePath(UNKNOWN_ORDER_ID), 404);
    expect(await mainText()).toContain(`Hosting order ${UNKNOWN_ORDER_ID} was not found`);
    await open(`/console/projects/no-such-project/orders/${importOrderId}`, 404);
  });

  it('reviews ownership of qualified numbers', async () => {
    await open(`/console/qualified-numbers?projectId=${service.projectId}&prefix=${encodeURIComponent('+120655501')}`);
    const rowOf = (phoneNumber: string) => page.locator('main table tbody tr', { hasText: phoneNumber });
    expect(await tableRows().count()).toBe(6);
    expect(await rowOf(DIRECT_NUMBER).getByRole('button').count()).toBe(0);
    expect(await rowOf(BLOCKED_NUMBER).getByRole('button', { name: 'Reject ownership' }).count()).toBe(0);
    expect(await rowOf(APPROVED_NUMBER).getByRole('button', { name: 'Unblock' }).count()).toBe(0);

    await rowOf(APPROVED_NUMBER).getByRole('button', { name: 'Approve ownership' }).click();
    await page.waitForURL(/qualified-numbers\?/);
    expect(await notice()).toBe(`Ownership of ${APPROVED_NUMBER} approved: it is VERIFIED.`);
    expect((await getQualified(APPROVED_NUMBER)).globalProcessState).toBe('GLOBAL_PROCESS_STATE_VERIFIED');
    expect(await rowOf(APPROVED_NUMBER).getByRole('button').count()).toBe(0);

    await rowOf(REJECTED_NUMBER).getByRole('button', { name: 'Reject ownership' }).click();
    await page.waitForURL(/qualified-numbers\?/);
    expect(await notice()).toMatch(/^Nothing was changed: Invalid request\. reason: is missing/);
    expect((await getQualified(REJECTED_NUMBER)).globalProcessState).toBe('GLOBAL_PROCESS_STATE_ELIGIBLE');
    await page.getByLabel(`Reason for rejecting the ownership of ${REJECTED_NUMBER}`).fill(OWNERSHIP_REJECTION_REASON);
    await rowOf(REJECTED_NUMBER).getByRole('button', { name: 'Reject ownership' }).click();
    await page.waitForURL(/qualified-numbers\?/);
    expect(await notice()).toBe(`Ownership of ${REJECTED_NUMBER} rejected: it is VERIFICATION_FAILED.`);
    const rejected = await getQualified(REJECTED_NUMBER);
    expect(rejected.globalProcessState).toBe('GLOBAL_PROCESS_STATE_VERIFICATION_FAILED');
    expect(rejected.ownershipVerification.error).toBe(`Ownership proof refused: ${OWNERSHIP_REJECTION_REASON}`);
    expect(await rowOf(REJECTED_NUMBER).innerText()).toContain(OWNERSHIP_REJECTION_REASON);

    await rowOf(BLOCKED_NUMBER).getByRole('button', { name: 'Unblock' }).click();
    await page.waitForURL(/qualified-numbers\?/);
    expect(await notice()).toBe(`${BLOCKED_NUMBER} unblocked: it is ELIGIBLE again and may be sent a new voice challenge.`);
    expect((await getQualified(BLOCKED_NUMBER)).globalProcessState).toBe('GLOBAL_PROCESS_STATE_ELIGIBLE');

    await page.locator('select[name="state"]').selectOption('GLOBAL_PROCESS_STATE_VERIFIED');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(/state=GLOBAL_PROCESS_STATE_VERIFIED/);
    expect(await tableRows().locator('td:first-child').allInnerTexts()).toEqual([APPROVED_NUMBER]);

    await open('/console/qualified-numbers?state=VERIFIED&prefix=12a');
    const alert = await page.getByRole('alert').innerText();
    expect(alert).toContain('"VERIFIED" is not a valid qualified number state');
    expect(alert).toContain('"12a" is not the start of a phone number');
    expect(await tableRows().count()).toBe(6);

    const operator = await ConsoleClient.login(service.baseUrl, service.adminToken);
    await operator.get('/console/qualified-numbers');
    const approveVerified = await operator.act(`/console/projects/${service.projectId}/qualified-numbers/${encodeURIComponent(APPROVED_NUMBER)}/approve-ownership`, {
      returnTo: '/console/qualified-numbers',
    });
    expect(approveVerified.text).toContain(`Nothing was changed: ${APPROVED_NUMBER} is VERIFIED; approving ownership applies only to`);
    const unknownNumber = await operator.act(`/console/projects/${service.projectId}/qualified-numbers/%2B12065550199/unblock`, { returnTo: '/console/qualified-numbers' });
    expect(unknownNumber.text).toContain('+12065550199 is not a qualified number of project');
    const badNumber = await operator.act(`/console/projects/${service.projectId}/qualified-numbers/12345/unblock`, { returnTo: '/console/qualified-numbers' });
    expect(badNumber.text).toContain('Nothing was changed: Invalid request. phoneNumber:');
  });

  it('searches imported numbers by pattern', async () => {
    await open('/console/numbers');
    await page.getByLabel('Number pattern').fill('+1206555010');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/pattern=%2B1206555010/);
    expect(await tableRows().locator('td:first-child').allInnerTexts()).toEqual([OK_IMPORT_NUMBER]);

    await open('/console/numbers?pattern=0184');
    expect(await tableRows().locator('td:first-child').allInnerTexts()).toEqual([FAILING_IMPORT_NUMBER]);
    await open(`/console/numbers?projectId=${service.projectId}&pattern=1206`);
    expect(await tableRows().locator('td:first-child').allInnerTexts()).toEqual([OK_IMPORT_NUMBER, FAILING_IMPORT_NUMBER]);
    // An unencoded "+" arrives as a space, which the page reads as "+", so this matches the start only.
    await open('/console/numbers?pattern=+1206555018');
    expect(await tableRows().locator('td:first-child').allInnerTexts()).toEqual([FAILING_IMPORT_NUMBER]);
    await open('/console/numbers?pattern=+555');
    expect(await mainText()).toContain('No imported number matches.');
    await open('/console/numbers?pattern=555');
    expect(await tableRows().count()).toBe(2);

    await open('/console/numbers?pattern=206-555');
    expect(await page.getByRole('alert').innerText()).toContain('"206-555" cannot be searched for');
    expect(await tableRows().count()).toBe(2);
    await open('/console/numbers?pattern=9999');
    expect(await mainText()).toContain('No imported number matches.');

    await open(`/console/numbers?pattern=0184`);
    await page.getByRole('link', { name: FAILING_IMPORT_NUMBER }).click();
    await page.waitForURL(`${service.baseUrl}${numberPagePath(FAILING_IMPORT_NUMBER).replace('+', '%2B')}`);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe(FAILING_IMPORT_NUMBER);
  });

  it('shows a number with its provisioning blocks', async () => {
    await open(numberPagePath(FAILING_IMPORT_NUMBER));
    const sms = await page.locator('section.card', { has: page.getByRole('heading', { name: 'SMS platform' }) }).innerText();
    expect(sms).toContain(SERVICE_PLAN_ID);
    expect(sms).toContain('FAILED');
    expect(sms).toContain('PROVISIONING_FAILED');
    const campaign = await page.locator('section.card', { has: page.getByRole('heading', { name: 'Campaign' }) }).innerText();
    expect(campaign).toContain(CAMPAIGN_ID);
    expect(campaign).toContain('NUMBER_PROVISIONING_FAILED');
    const summary = await page.locator('dl.summary').first().innerText();
    expect(summary).toContain(callbackUrl);
    expect(summary).toContain(importOrderId);
    expect(await page.locator('h2', { hasText: 'Carriers' }).count()).toBe(1);
    const events = await listDeliveries(`resourceId=${encodeURIComponent(FAILING_IMPORT_NUMBER)}`);
    const eventLinks = page.locator('main a[href^="/console/deliveries"]');
    expect(await eventLinks.count()).toBe(events.length);
    expect(await mainText()).toContain('No task is waiting for this number.');

    await page.getByRole('link', { name: importOrderId }).first().click();
    await page.waitForURL(`${service.baseUrl}${orderPagePath(importOrderId)}`);

    await open(numberPagePath(OK_IMPORT_NUMBER));
    const okCarriers = await page.locator('main table').first().innerText();
    expect(okCarriers).toContain('smsTmo');
    // A "+" left unencoded in a path arrives as a space.
    await open(`/console/projects/${service.projectId}/numbers/%2012065550101`);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe(OK_IMPORT_NUMBER);

    await open(numberPagePath(DIRECT_NUMBER));
    expect(await mainText()).toContain(`This number is not an imported number of project ${service.projectId}.`);
    expect(await mainText()).toContain('The hosting orders that contain it are listed below.');
    expect(await mainText()).toContain(directOrderId);
    expect(await mainText()).not.toContain('imported on its own');
    await open(numberPagePath(APPROVED_NUMBER));
    expect(await mainText()).toContain('No hosting order contains it yet.');
    expect(await mainText()).toContain('No hosting order contains this number yet.');
    expect(await mainText()).not.toContain('imported on its own');

    await open(numberPagePath('+12065550199'), 404);
    expect(await mainText()).toContain('+12065550199 is neither an imported nor a qualified number');
    await open(`/console/projects/${service.projectId}/numbers/not-a-number`, 400);
    expect(await mainText()).toContain('not-a-number');
  });
});

describe('console order pages with operator tasks', () => {
  const phoneNumber = '+13035550101';
  let service: TestService;
  let operator: ConsoleClient;
  let hostingOrderId: string;

  interface TaskBody {
    taskId: string;
    kind: string;
    state: string;
  }

  async function openTasks(): Promise<TaskBody[]> {
    const response = await service.admin(`/operatorTasks?projectId=${service.projectId}&hostingOrderId=${hostingOrderId}`);
    expect(response.status).toBe(200);
    return ((await response.json()) as { operatorTasks: TaskBody[] }).operatorTasks;
  }

  beforeAll(async () => {
    service = await startTestService(newSqliteUrl(), { NUMBERHOST_CARRIER_ADAPTERS: 'manual', NUMBERHOST_MANUAL_CHECK_MS: '100' });
    const response = await service.api('/hostingOrders:importNumbers', {
      method: 'POST',
      body: JSON.stringify({ numbers: [phoneNumber], regionCode: 'US', servicePlanId: SERVICE_PLAN_ID }),
    });
    expect(response.status).toBe(200);
    hostingOrderId = ((await response.json()) as OrderBody).hostingOrderId;
    operator = await ConsoleClient.login(service.baseUrl, service.adminToken);
  });

  afterAll(async () => {
    await service?.close();
  });

  it('shows opened and resolved tasks', async () => {
    const orderPath = `/console/projects/${service.projectId}/orders/${hostingOrderId}`;
    const numberPath = `/console/projects/${service.projectId}/numbers/${encodeURIComponent(phoneNumber)}`;
    const [task] = await waitUntil(openTasks, (tasks) => tasks.some((candidate) => candidate.state === 'OPEN'));
    expect(task?.kind).toBe('SMS_PROVISIONING');
    const taskId = task?.taskId ?? '';

    const waiting = await operator.get(orderPath);
    expect(waiting.status).toBe(200);
    expect(waiting.text).toContain('Operator task <code>SMS_PROVISIONING</code> opened');
    expect(waiting.text).toContain(`task ${taskId}`);
    const numberWaiting = await operator.get(numberPath);
    expect(numberWaiting.text).toContain(`>${taskId}</a>`);
    expect(numberWaiting.text).not.toContain('No task is waiting for this number.');

    const completed = await service.admin(`/operatorTasks/${taskId}:complete`, { method: 'POST', body: JSON.stringify({ note: 'Provisioned in the partner portal' }) });
    expect(completed.status).toBe(200);
    await waitUntil(
      async () => ((await (await service.api(`/hostingOrders/${hostingOrderId}`)).json()) as OrderBody).state,
      (state) => state === 'COMPLETED',
    );

    const done = await operator.get(orderPath);
    expect(done.text).toMatch(/Operator task <code>SMS_PROVISIONING<\/code> <span class="state good">COMPLETED<\/span>/);
    expect(done.text).toContain('note: Provisioned in the partner portal');
    expect((await operator.get(numberPath)).text).toContain('No task is waiting for this number.');
  });
});

describe('order page of a large order', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService(newSqliteUrl(), { NUMBERHOST_STEP_DELAY_MS: '0' });
  });

  afterAll(async () => {
    await service?.close();
  });

  it('pages the numbers and shortens the timeline', async () => {
    await service.admin(`/projects/${service.projectId}`, { method: 'PATCH', body: JSON.stringify({ importOrderLimit: 250 }) });
    const numbers = Array.from({ length: 250 }, (_, index) => `+1312555${String(1000 + index).padStart(4, '0')}`);
    const created = await service.api('/hostingOrders:importNumbers', {
      method: 'POST',
      body: JSON.stringify({ numbers, regionCode: 'US', servicePlanId: 'plan-large' }),
    });
    expect(created.status).toBe(200);
    const { hostingOrderId } = (await created.json()) as { hostingOrderId: string };
    await waitUntil(
      async () => ((await (await service.api(`/hostingOrders/${hostingOrderId}`)).json()) as { state: string }).state,
      (state) => state === 'COMPLETED',
      60_000,
      200,
    );

    const client = await ConsoleClient.login(service.baseUrl, service.adminToken);
    const path = `/console/projects/${service.projectId}/orders/${hostingOrderId}`;
    const first = await client.get(path);
    expect(first.status).toBe(200);
    expect(first.text).toContain('Numbers 1–100 of 250.');
    expect(first.text).toContain(numbers[99] as string);
    expect(first.text).not.toContain(`>${numbers[100] as string}<`);
    expect(first.text).toMatch(/The latest 200 of \d+ entries\./);

    const second = await client.get(`${path}?numbersFrom=100`);
    expect(second.text).toContain('Numbers 101–200 of 250.');
    expect(second.text).toContain(`>${numbers[100] as string}<`);
    const last = await client.get(`${path}?numbersFrom=200`);
    expect(last.text).toContain('Numbers 201–250 of 250.');
    // An offset that is not a page start, or past the end, shows the first page.
    expect((await client.get(`${path}?numbersFrom=7`)).text).toContain('Numbers 1–100 of 250.');
    expect((await client.get(`${path}?numbersFrom=999999`)).text).toContain('Numbers 1–100 of 250.');

    const all = await client.get(`${path}?timeline=all`);
    expect(all.text).not.toContain('The latest 200');
    expect(all.text.length).toBeGreaterThan(first.text.length);
  }, 90_000);
});
