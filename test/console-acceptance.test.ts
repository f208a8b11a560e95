/**
 * Acceptance tests of the console, in real Chromium:
 * 1. In production mode an operator takes a text-enable order from SUBMITTED to
 *    COMPLETED with the console alone: approving the blanket LOA and ownership, and
 *    completing the OSR, SMS platform and campaign tasks. The customer's side uses only
 *    the public API, and the operator's side never calls the admin API.
 * 2. Every failure code of the spec is produced by a fault rule or a campaign state and
 *    shows both in the console and in the signed callbacks.
 */
import { createHmac } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAILURE_CODES } from '../src/domain/events.js';
import { launchBrowser } from './helpers/browser.js';
import { ConsoleClient, loginInBrowser } from './helpers/console.js';
import { newSqliteUrl } from './helpers/databases.js';
import { ForwardingCallbackSender } from './helpers/forwarding-sender.js';
import { CallbackReceiver } from './helpers/receiver.js';
import type { TestService } from './helpers/service.js';
import { TEST_ADMIN_TOKEN, startTestService, waitUntil } from './helpers/service.js';

const HMAC_SECRET = 'console-acceptance-secret';

function signatureOf(body: Buffer): string {
  return createHmac('sha1', Buffer.from(HMAC_SECRET, 'utf8')).update(body).digest('hex');
}

async function qualifiedStates(test: TestService, phoneNumbers: readonly string[]): Promise<string[]> {
  const states: string[] = [];
  for (const phoneNumber of phoneNumbers) {
    const body = (await (await test.api(`/qualifiedNumbers/${encodeURIComponent(phoneNumber)}`)).json()) as { globalProcessState?: string };
    states.push(body.globalProcessState ?? 'missing');
  }
  return states;
}

async function orderState(test: TestService, hostingOrderId: string): Promise<string> {
  return ((await (await test.api(`/hostingOrders/${hostingOrderId}`)).json()) as { state: string }).state;
}

describe('production order through console only', () => {
  let browser: Browser;
  let page: Page;
  let test: TestService;
  const receiver = new CallbackReceiver();
  const numbers = ['+13125550141', '+13125550142'];

  beforeAll(async () => {
    const receiverUrl = await receiver.start();
    test = await startTestService(
      newSqliteUrl(),
      {
        NUMBERHOST_MODE: 'production',
        SINCH_PROJECT_ID: 'acme-hosting',
        SINCH_KEY_ID: 'acme-key',
        SINCH_KEY_SECRET: 'acme-secret-0123456789abcdefghij',
        SERVICE_PLAN_ID: 'plan-acme',
        CAMPAIGN_ID: 'CACME01',
      },
      { callbackSender: new ForwardingCallbackSender(() => receiverUrl) },
    );
    browser = await launchBrowser();
    page = await browser.newPage();
    // The task list prompts for confirmation before completing a task, and the operator confirms.
    page.on('dialog', (dialog) => void dialog.accept());
  });

  afterAll(async () => {
    await browser?.close();
    await test?.close();
    await receiver.stop();
  });

  it('completes text-enable order by operator', async () => {
    // Customer: callback secret and qualification, through the public API.
    await test.api('/callbackConfiguration', { method: 'PATCH', body: JSON.stringify({ hmacSecret: HMAC_SECRET }) });
    expect((await test.api('/qualifiedNumbers:addNumbers', { method: 'POST', body: JSON.stringify({ phoneNumbers: numbers }) })).status).toBe(200);

    // Operator: log in, approve blanket LOAs for the project.
    await loginInBrowser(page, test.baseUrl, TEST_ADMIN_TOKEN);
    await page.goto(`${test.baseUrl}/console/projects/${test.projectId}`);
    await page.getByRole('button', { name: 'Approve blanket LOAs' }).click();
    await page.waitForURL(`${test.baseUrl}/console/projects/${test.projectId}`);
    await expect(page.getByRole('button', { name: 'Withdraw blanket LOA approval' }).isVisible()).resolves.toBe(true);

    // Operator: approve ownership of both numbers once they are eligible.
    await waitUntil(
      () => qualifiedStates(test, numbers),
      (states) => states.every((state) => state === 'GLOBAL_PROCESS_STATE_ELIGIBLE'),
    );
    for (let approved = 0; approved < numbers.length; approved += 1) {
      await page.goto(`${test.baseUrl}/console/qualified-numbers?projectId=${test.projectId}`);
      await page.getByRole('button', { name: 'Approve ownership' }).first().click();
      await page.waitForURL(/\/console\/qualified-numbers/);
    }
    expect(await qualifiedStates(test, numbers)).toEqual(['GLOBAL_PROCESS_STATE_VERIFIED', 'GLOBAL_PROCESS_STATE_VERIFIED']);

    // Customer: the text-enable order under the approved blanket LOA.
    const created = await test.api('/hostingOrders:textEnableNumbers', {
      method: 'POST',
      body: JSON.stringify({
        numbers,
        regionCode: 'US',
        servicePlanId: 'plan-acme',
        campaignId: 'CACME01',
        callbackUrl: 'https://hooks.acme.test/numberhost',
        blanketLoaInfo: {},
      }),
    });
    expect(created.status).toBe(200);
    const order = (await created.json()) as { hostingOrderId: string; state: string };
    expect(order.state).toBe('SUBMITTED');

    // Operator: work the task queue until it is empty, completing 2 OSR updates, 2 SMS provisionings and 2 campaign links.
    const completedKinds: string[] = [];
    const deadline = Date.now() + 30_000;
    while (completedKinds.length < 6 && Date.now() < deadline) {
      await page.goto(`${test.baseUrl}/console/tasks`);
      const complete = page.getByRole('button', { name: 'Complete' });
      if ((await complete.count()) === 0) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        continue;
      }
      const kind = (await page.locator('tbody tr').first().locator('td').nth(1).textContent()) ?? '';
      await complete.first().click();
      await page.waitForURL(/\/console\/tasks/);
      expect(await page.locator('.flash').textContent()).toContain('completed; the order continues');
      completedKinds.push(kind);
    }
    expect(completedKinds.sort()).toEqual(['CAMPAIGN_LINK', 'CAMPAIGN_LINK', 'OSR_UPDATE', 'OSR_UPDATE', 'SMS_PROVISIONING', 'SMS_PROVISIONING']);

    await waitUntil(() => orderState(test, order.hostingOrderId), (state) => state === 'COMPLETED');
    const report = (await (await test.api(`/hostingOrders/${order.hostingOrderId}/report`)).json()) as Record<string, number>;
    expect(report).toMatchObject({ total: 2, osrUpdated: 2, smsProvisioned: 2, addedToCampaign: 2, ongoingManualAction: 0 });

    // Operator: the order page shows the completed order and its timeline.
    await page.goto(`${test.baseUrl}/console/projects/${test.projectId}/orders/${order.hostingOrderId}`);
    const orderPage = (await page.locator('main').textContent()) ?? '';
    expect(orderPage).toContain('COMPLETED');
    for (const eventType of ['OSR_UPDATE', 'PROVISIONING_TO_SMS_PLATFORM', 'LINK_TO_10DLC_CAMPAIGN', 'HOSTING_PROCESS']) {
      expect(orderPage).toContain(eventType);
    }

    // Customer: every step's callback arrived, signed, for both numbers.
    await receiver.waitFor((payloads) => payloads.filter((payload) => payload.eventType === 'HOSTING_PROCESS').length === 2);
    for (const callback of receiver.received) {
      expect(callback.headers['x-sinch-signature']).toBe(signatureOf(callback.rawBody));
    }
    for (const phoneNumber of numbers) {
      const events = receiver
        .payloads()
        .filter((payload) => payload.resourceId === phoneNumber)
        .map((payload) => `${String(payload.eventType)}:${String(payload.status)}`);
      expect(events.sort()).toEqual(['HOSTING_PROCESS:SUCCEEDED', 'LINK_TO_10DLC_CAMPAIGN:SUCCEEDED', 'OSR_UPDATE:SUCCEEDED', 'PROVISIONING_TO_SMS_PLATFORM:SUCCEEDED']);
    }
    expect(await qualifiedStates(test, numbers)).toEqual(['GLOBAL_PROCESS_STATE_HOSTING_DONE', 'GLOBAL_PROCESS_STATE_HOSTING_DONE']);
  });
});

describe('sandbox failure codes in console and callbacks', () => {
  let test: TestService;
  let callbackUrl: string;
  const receiver = new CallbackReceiver();

  beforeAll(async () => {
    callbackUrl = await receiver.start();
    test = await startTestService(newSqliteUrl());
  });

  afterAll(async () => {
    await test?.close();
    await receiver.stop();
  });

  it('produces every spec failure code', async () => {
    await test.api('/callbackConfiguration', { method: 'PATCH', body: JSON.stringify({ hmacSecret: HMAC_SECRET }) });
    await test.admin(`/projects/${test.projectId}`, { method: 'PATCH', body: JSON.stringify({ importOrderLimit: 20, isBlanketLoaApproved: true }) });

    // Campaign-step codes: one number per code, each with a rule on the campaign registry,
    // except CAMPAIGN_EXPIRED, which comes from the campaign's state.
    const byCampaignRule = FAILURE_CODES.filter((code) => !['NUMBER_PROVISIONING_FAILED', 'INVALID_NNID', 'CAMPAIGN_EXPIRED'].includes(code));
    const numberFor = new Map<string, string>();
    byCampaignRule.forEach((code, index) => numberFor.set(code, `+1206555${String(200 + index).padStart(4, '0')}`));
    numberFor.set('NUMBER_PROVISIONING_FAILED', '+12065550230');
    numberFor.set('CAMPAIGN_EXPIRED', '+12065550231');
    numberFor.set('INVALID_NNID', '+13125550232');

    const addRule = async (rule: Record<string, unknown>) => {
      const response = await test.admin(`/projects/${test.projectId}/faultRules`, { method: 'POST', body: JSON.stringify(rule) });
      expect(response.status, JSON.stringify(rule)).toBe(200);
    };
    for (const code of byCampaignRule) {
      await addRule({ target: 'CAMPAIGN_REGISTRY', action: 'FAIL_WITH_CODE', failureCode: code, numberPattern: numberFor.get(code) });
    }
    await addRule({ target: 'SMS_PLATFORM', action: 'FAIL_WITH_CODE', failureCode: 'NUMBER_PROVISIONING_FAILED', numberPattern: numberFor.get('NUMBER_PROVISIONING_FAILED') });
    await addRule({ target: 'CARRIER_REGISTRY', action: 'FAIL_WITH_CODE', failureCode: 'INVALID_NNID', numberPattern: numberFor.get('INVALID_NNID') });
    await test.admin(`/projects/${test.projectId}/campaigns/CEXPIRED`, { method: 'PUT', body: JSON.stringify({ state: 'CAMPAIGN_EXPIRED' }) });

    const importOrder = async (orderNumbers: string[], campaignId: string) => {
      const response = await test.api('/hostingOrders:importNumbers', {
        method: 'POST',
        body: JSON.stringify({ numbers: orderNumbers, regionCode: 'US', servicePlanId: 'plan-faults', campaignId, callbackUrl }),
      });
      expect(response.status).toBe(200);
      return ((await response.json()) as { hostingOrderId: string }).hostingOrderId;
    };
    const ruleOrder = await importOrder([...byCampaignRule, 'NUMBER_PROVISIONING_FAILED'].map((code) => numberFor.get(code) as string), 'CFAULTS');
    const expiredOrder = await importOrder([numberFor.get('CAMPAIGN_EXPIRED') as string], 'CEXPIRED');

    // INVALID_NNID needs an OSR update, so its number gets a text-enable order under the project's blanket LOA.
    const osrNumber = numberFor.get('INVALID_NNID') as string;
    await test.api('/qualifiedNumbers:addNumbers', { method: 'POST', body: JSON.stringify({ phoneNumbers: [osrNumber] }) });
    await waitUntil(
      async () => (await (await test.api(`/qualifiedNumbers/${encodeURIComponent(osrNumber)}`)).json()) as { globalProcessState: string },
      (body) => body.globalProcessState === 'GLOBAL_PROCESS_STATE_ELIGIBLE',
    );
    await test.admin(`/projects/${test.projectId}/qualifiedNumbers/${encodeURIComponent(osrNumber)}:approveOwnership`, { method: 'POST', body: '{}' });
    const osrResponse = await test.api('/hostingOrders:textEnableNumbers', {
      method: 'POST',
      body: JSON.stringify({ numbers: [osrNumber], regionCode: 'US', servicePlanId: 'plan-faults', campaignId: 'CFAULTS', callbackUrl, blanketLoaInfo: {} }),
    });
    expect(osrResponse.status).toBe(200);
    const osrOrder = ((await osrResponse.json()) as { hostingOrderId: string }).hostingOrderId;

    for (const hostingOrderId of [ruleOrder, expiredOrder, osrOrder]) {
      await waitUntil(() => orderState(test, hostingOrderId), (state) => state === 'COMPLETED', 30_000);
    }

    // Callbacks: each code arrives on its number's HOSTING_PROCESS, and on the failed step's own event.
    await receiver.waitFor((payloads) => payloads.filter((payload) => payload.eventType === 'HOSTING_PROCESS').length === numberFor.size);
    for (const callback of receiver.received) {
      expect(callback.headers['x-sinch-signature']).toBe(signatureOf(callback.rawBody));
    }
    const payloads = receiver.payloads();
    const stepEventByCode = new Map([
      ['INVALID_NNID', 'OSR_UPDATE'],
      ['NUMBER_PROVISIONING_FAILED', 'PROVISIONING_TO_SMS_PLATFORM'],
    ]);
    for (const [code, phoneNumber] of numberFor) {
      const hosting = payloads.find((payload) => payload.eventType === 'HOSTING_PROCESS' && payload.resourceId === phoneNumber);
      expect(hosting, code).toMatchObject({ status: 'FAILED', failureCode: code });
      const stepEvent = stepEventByCode.get(code) ?? 'LINK_TO_10DLC_CAMPAIGN';
      const step = payloads.find((payload) => payload.eventType === stepEvent && payload.resourceId === phoneNumber);
      expect(step, code).toMatchObject({ status: 'FAILED' });
    }

    // Console: each order page shows each of its numbers' codes, and so does the callbacks page.
    const client = await ConsoleClient.login(test.baseUrl, TEST_ADMIN_TOKEN);
    const pages = new Map<string, string>();
    for (const hostingOrderId of [ruleOrder, expiredOrder, osrOrder]) {
      const response = await client.get(`/console/projects/${test.projectId}/orders/${hostingOrderId}`);
      expect(response.status).toBe(200);
      pages.set(hostingOrderId, response.text);
    }

    const orderByCode = new Map([
      ['CAMPAIGN_EXPIRED', expiredOrder],
      ['INVALID_NNID', osrOrder],
    ]);
    for (const [code, phoneNumber] of numberFor) {
      const text = pages.get(orderByCode.get(code) ?? ruleOrder) ?? '';
      const row = text.split('<tr>').find((cells) => cells.includes(phoneNumber) && cells.includes(code));
      expect(row, `${code} on the order page next to ${phoneNumber}`).toBeDefined();
    }

    for (const code of FAILURE_CODES) {
      const deliveries = await client.get(`/console/deliveries?projectId=${test.projectId}&resourceId=${encodeURIComponent(numberFor.get(code) as string)}`);
      expect(deliveries.status).toBe(200);
      expect(deliveries.text, code).toContain(code);
    }
  });
});
