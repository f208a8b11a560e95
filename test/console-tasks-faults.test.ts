/**
 * Tests of the console's task queue and fault pages in real Chromium. In production mode an
 * operator completes and fails manual carrier tasks. In sandbox mode the operator adds and
 * deletes fault rules. The effects are checked through the public and admin APIs.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from './helpers/browser.js';
import { ConsoleClient, loginInBrowser } from './helpers/console.js';
import { newSqliteUrl } from './helpers/databases.js';
import { ForwardingCallbackSender } from './helpers/forwarding-sender.js';
import { CallbackReceiver } from './helpers/receiver.js';
import type { TestService } from './helpers/service.js';
import { TEST_ADMIN_TOKEN, startTestService, waitUntil } from './helpers/service.js';

const SERVICE_PLAN_ID = 'plan-console-tasks';
const CAMPAIGN_ID = 'CCONSOLE1';
const CALLBACK_URL = 'https://hooks.customer.test/numberhost';
/** Production mode creates no sandbox project, so the test names its own. */
const PRODUCTION_ENV = {
  NUMBERHOST_MODE: 'production',
  SINCH_PROJECT_ID: 'console-tasks-project',
  SINCH_KEY_ID: 'console-tasks-key',
  SINCH_KEY_SECRET: 'console-tasks-secret-0123456789abcdef',
};

interface TaskBody {
  taskId: string;
  kind: string;
  phoneNumber: string;
  state: string;
  failureCode: string;
  note: string;
}

interface OrderNumberBody {
  phoneNumber: string;
  platformProvisioning: { state: string };
  campaignProvisioning: { state: string };
}

async function openTasks(test: TestService, kind: string): Promise<TaskBody[]> {
  const response = await test.admin(`/operatorTasks?state=OPEN&kind=${kind}`);
  return ((await response.json()) as { operatorTasks: TaskBody[] }).operatorTasks;
}

describe('console task queue (production, manual carrier mode)', () => {
  let browser: Browser;
  let page: Page;
  let test: TestService;
  const receiver = new CallbackReceiver();

  beforeAll(async () => {
    const receiverUrl = await receiver.start();
    test = await startTestService(
      newSqliteUrl(),
      { ...PRODUCTION_ENV, SERVICE_PLAN_ID, CAMPAIGN_ID },
      { callbackSender: new ForwardingCallbackSender(() => receiverUrl) },
    );
    browser = await launchBrowser();
    page = await browser.newPage();
    await loginInBrowser(page, test.baseUrl, TEST_ADMIN_TOKEN);
  });

  afterAll(async () => {
    await browser?.close();
    await test?.close();
    await receiver.stop();
  });

  it('completes and fails tasks through pages', async () => {
    const numbers = ['+12065550111', '+12065550112'];
    const created = await test.api('/hostingOrders:importNumbers', {
      method: 'POST',
      body: JSON.stringify({ numbers, regionCode: 'US', servicePlanId: SERVICE_PLAN_ID, campaignId: CAMPAIGN_ID, callbackUrl: CALLBACK_URL }),
    });
    expect(created.status).toBe(200);
    const { hostingOrderId } = (await created.json()) as { hostingOrderId: string };

    await waitUntil(() => openTasks(test, 'SMS_PROVISIONING'), (tasks) => tasks.length === 2);
    await page.goto(`${test.baseUrl}/console/tasks`);
    await expect(page.getByRole('heading', { name: 'Operator tasks' }).isVisible()).resolves.toBe(true);
    const rows = page.locator('tbody tr');
    await expect(rows.count()).resolves.toBe(2);
    const report = (await (await test.api(`/hostingOrders/${hostingOrderId}/report`)).json()) as { ongoingManualAction: number };
    expect(report.ongoingManualAction).toBe(2);
    const headers = await page.locator('thead th').allTextContents();
    expect(headers).toContain('Project');
    await expect(rows.first().locator('td').nth(headers.indexOf('Project')).textContent()).resolves.toBe(test.projectId);

    // The list prompts for confirmation before completing a task, and dismissing the prompt changes nothing.
    const questions: string[] = [];
    page.once('dialog', (dialog) => {
      questions.push(dialog.message());
      void dialog.dismiss();
    });
    await page.getByRole('button', { name: 'Complete' }).first().click();
    expect(questions).toHaveLength(1);
    expect(questions[0]).toMatch(new RegExp(`^Complete the SMS_PROVISIONING task for \\+1206555011[12] in project ${test.projectId}\\?`));
    expect(await openTasks(test, 'SMS_PROVISIONING')).toHaveLength(2);

    // Complete both SMS tasks from the list.
    for (let done = 0; done < 2; done += 1) {
      page.once('dialog', (dialog) => void dialog.accept());
      await page.getByRole('button', { name: 'Complete' }).first().click();
      await page.waitForURL(/\/console\/tasks/);
      await expect(page.locator('.flash').textContent()).resolves.toContain('completed; the order continues');
    }

    // Campaign tasks follow. The first number's task fails with a code on its task page.
    const campaignTasks = await waitUntil(() => openTasks(test, 'CAMPAIGN_LINK'), (tasks) => tasks.length === 2);
    const toFail = campaignTasks.find((task) => task.phoneNumber === numbers[0]) as TaskBody;
    const toComplete = campaignTasks.find((task) => task.phoneNumber === numbers[1]) as TaskBody;
    await page.goto(`${test.baseUrl}/console/tasks/${toFail.taskId}`);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain(`CAMPAIGN_LINK for ${numbers[0]}`);

    // The browser does not send the fail form without a code, and the server rejects it too.
    const failFormLocator = page.getByRole('form', { name: `Fail task ${toFail.taskId}` });
    await expect(failFormLocator.getByLabel('Failure code').getAttribute('required')).resolves.toBe('');
    await expect(failFormLocator.locator('select[name="failureCode"]:invalid').count()).resolves.toBe(1);
    const navigation = page.waitForEvent('framenavigated', { timeout: 1000 }).then(
      () => 'posted',
      () => 'stayed',
    );
    await page.getByRole('form', { name: `Fail task ${toFail.taskId}` }).getByRole('button', { name: 'Fail' }).click();
    await expect(navigation).resolves.toBe('stayed');
    const client = await ConsoleClient.login(test.baseUrl, TEST_ADMIN_TOKEN);
    const withoutCode = await client.act(`/console/tasks/${toFail.taskId}/fail`, { failureCode: '', returnTo: `/console/tasks/${toFail.taskId}` });
    expect(withoutCode.text).toMatch(/<p class="flash error" role="alert">Nothing was changed: [^<]*failureCode/);
    expect((await openTasks(test, 'CAMPAIGN_LINK')).length).toBe(2);

    const failForm = page.getByRole('form', { name: `Fail task ${toFail.taskId}` });
    await failForm.getByLabel('Failure code').selectOption('CAMPAIGN_MNO_SUSPENDED');
    await failForm.getByLabel('Error message').fill('T-Mobile suspended the campaign.');
    await failForm.getByLabel('Note (optional)').fill('Ticket 4711');
    await failForm.getByRole('button', { name: 'Fail' }).click();
    await page.waitForURL(`${test.baseUrl}/console/tasks/${toFail.taskId}`);
    await expect(page.locator('.flash').textContent()).resolves.toContain('failed with CAMPAIGN_MNO_SUSPENDED');
    await expect(page.locator('.summary').textContent()).resolves.toContain('Ticket 4711');

    const completeForm = page.getByRole('form', { name: `Complete task ${toComplete.taskId}` });
    await page.goto(`${test.baseUrl}/console/tasks/${toComplete.taskId}`);
    await completeForm.getByLabel('Note (optional)').fill('Linked by hand');
    await completeForm.getByRole('button', { name: 'Complete' }).click();
    await page.waitForURL(`${test.baseUrl}/console/tasks/${toComplete.taskId}`);

    const order = await waitUntil(
      async () => (await (await test.api(`/hostingOrders/${hostingOrderId}`)).json()) as { state: string },
      (body) => body.state === 'COMPLETED',
    );
    expect(order.state).toBe('COMPLETED');
    const orderNumbers = (await (await test.api(`/hostingOrders/${hostingOrderId}/numbers`)).json()) as { numbers: OrderNumberBody[] };
    const states = Object.fromEntries(orderNumbers.numbers.map((row) => [row.phoneNumber, row.campaignProvisioning.state]));
    expect(states).toEqual({ [numbers[0] as string]: 'FAILED', [numbers[1] as string]: 'DONE' });

    await receiver.waitFor((payloads) => payloads.some((payload) => payload.eventType === 'HOSTING_PROCESS' && payload.failureCode === 'CAMPAIGN_MNO_SUSPENDED'));
    const linkFailure = receiver.payloads().find((payload) => payload.eventType === 'LINK_TO_10DLC_CAMPAIGN' && payload.resourceId === numbers[0]);
    expect(linkFailure).toMatchObject({ status: 'FAILED', failureCode: 'CAMPAIGN_MNO_SUSPENDED' });

    // The queue is empty again, and resolved tasks are listed under their state.
    await page.goto(`${test.baseUrl}/console/tasks`);
    await expect(page.locator('tbody tr').count()).resolves.toBe(0);
    await page.goto(`${test.baseUrl}/console/tasks?state=FAILED`);
    await expect(page.locator('tbody').textContent()).resolves.toContain('CAMPAIGN_MNO_SUSPENDED');
  });

  it('rejects repeat resolution and bad filters', async () => {
    const client = await ConsoleClient.login(test.baseUrl, TEST_ADMIN_TOKEN);
    const resolved = ((await (await test.admin('/operatorTasks?state=COMPLETED')).json()) as { operatorTasks: TaskBody[] }).operatorTasks[0] as TaskBody;
    const again = await client.act(`/console/tasks/${resolved.taskId}/complete`, { returnTo: `/console/tasks/${resolved.taskId}` });
    expect(again.status).toBe(200);
    expect(again.text).toContain('Nothing was changed');
    const badFilter = await client.get('/console/tasks?state=SOMETIMES&kind=%3Cscript%3E');
    expect(badFilter.status).toBe(200);
    expect(badFilter.text).toContain('Filters ignored');
    expect(badFilter.text).not.toContain('<script>');
    const unknown = await client.get('/console/tasks/01jzzzzzzzzzzzzzzzzzzzzzzz');
    expect(unknown.status).toBe(404);
  });

  it('hides LOA signing token in outbox', async () => {
    const phoneNumber = '+13125550177';
    await test.api('/qualifiedNumbers:addNumbers', { method: 'POST', body: JSON.stringify({ phoneNumbers: [phoneNumber] }) });
    await waitUntil(
      async () => (await (await test.api(`/qualifiedNumbers/${encodeURIComponent(phoneNumber)}`)).json()) as { globalProcessState: string },
      (body) => body.globalProcessState === 'GLOBAL_PROCESS_STATE_ELIGIBLE',
    );
    await test.admin(`/projects/${test.projectId}/qualifiedNumbers/${encodeURIComponent(phoneNumber)}:approveOwnership`, { method: 'POST', body: '{}' });

    const created = await test.api('/hostingOrders:textEnableNumbers', {
      method: 'POST',
      body: JSON.stringify({
        numbers: [phoneNumber],
        regionCode: 'US',
        servicePlanId: SERVICE_PLAN_ID,
        campaignId: CAMPAIGN_ID,
        directLoaInfo: {
          authorisedPerson: { firstName: 'Jane', lastName: 'Doe', email: 'jane.doe@example.com' },
          address: { buildingNumber: '2433', street: 'Vesta Drive', city: 'Chicago', state: 'IL', postalCode: '60647', country: 'US' },
          currentVoiceCarrier: 'Verizon',
        },
      }),
    });
    expect(created.status).toBe(200);

    // Only the stored mail contains the token, so the admin API and the console must both hide it.
    const stored = await waitUntil(
      () => test.service.ctx.storage.db.selectFrom('emails').select('links').where('project_id', '=', test.projectId).execute(),
      (rows) => rows.length > 0,
    );
    const token = /\/loa\/([^/?#"]+)/.exec(stored[0]?.links ?? '')?.[1];
    expect(token).toBeDefined();

    const adminEmails = await (await test.admin(`/projects/${test.projectId}/emails`)).text();
    expect(adminEmails).toContain('/loa/[hidden]');
    expect(adminEmails).not.toContain(token as string);

    const client = await ConsoleClient.login(test.baseUrl, TEST_ADMIN_TOKEN);
    const outbox = await client.get(`/console/emails?projectId=${test.projectId}`);
    expect(outbox.status).toBe(200);
    expect(outbox.text).toContain('/loa/[hidden]');
    expect(outbox.text).not.toContain(token as string);
  });

  it('has no fault page in production', async () => {
    const client = await ConsoleClient.login(test.baseUrl, TEST_ADMIN_TOKEN);
    const faults = await client.get('/console/faults');
    expect(faults.status).toBe(404);
    const add = await client.post(`/console/projects/${test.projectId}/faults`, { target: 'SMS_PLATFORM', action: 'FAIL_TIMES', times: '1' });
    expect(add.status).toBe(404);
  });
});

describe('console fault rules (sandbox)', () => {
  let browser: Browser;
  let page: Page;
  let test: TestService;

  beforeAll(async () => {
    test = await startTestService(newSqliteUrl());
    browser = await launchBrowser();
    page = await browser.newPage();
    await loginInBrowser(page, test.baseUrl, TEST_ADMIN_TOKEN);
  });

  afterAll(async () => {
    await browser?.close();
    await test?.close();
  });

  async function rules(): Promise<Array<{ ruleId: string; failureCode: string; numberPattern: string; hits: number }>> {
    return ((await (await test.admin(`/projects/${test.projectId}/faultRules`)).json()) as { faultRules: never[] }).faultRules;
  }

  it('adds, counts and deletes a rule', async () => {
    await page.goto(`${test.baseUrl}/console/faults?projectId=${test.projectId}`);
    const form = page.getByRole('form', { name: 'Add a fault rule' });
    await form.getByLabel('Target').selectOption('CAMPAIGN_REGISTRY');
    await form.getByLabel('Action').selectOption('FAIL_WITH_CODE');
    await form.getByLabel('Failure code (FAIL_WITH_CODE)').selectOption('CAMPAIGN_EXPIRED');
    await form.getByLabel('Number prefix').fill('+1206555012');
    await form.getByLabel('Description').fill('Expired campaign for the 012x lines');
    await form.getByRole('button', { name: 'Add rule' }).click();
    await page.waitForURL(/\/console\/faults\?projectId=/);
    await expect(page.locator('.flash').textContent()).resolves.toContain('CAMPAIGN_REGISTRY FAIL_WITH_CODE');
    const added = await rules();
    expect(added).toHaveLength(1);
    expect(added[0]).toMatchObject({ failureCode: 'CAMPAIGN_EXPIRED', numberPattern: '+1206555012' });

    const created = await test.api('/hostingOrders:importNumbers', {
      method: 'POST',
      body: JSON.stringify({ numbers: ['+12065550121', '+12065550131'], regionCode: 'US', servicePlanId: 'plan-f', campaignId: 'CFAULT1' }),
    });
    const { hostingOrderId } = (await created.json()) as { hostingOrderId: string };
    await waitUntil(
      async () => (await (await test.api(`/hostingOrders/${hostingOrderId}`)).json()) as { state: string },
      (body) => body.state === 'COMPLETED',
    );
    const numbersBody = (await (await test.api(`/hostingOrders/${hostingOrderId}/numbers`)).json()) as { numbers: OrderNumberBody[] };
    const campaignStates = Object.fromEntries(numbersBody.numbers.map((row) => [row.phoneNumber, row.campaignProvisioning.state]));
    expect(campaignStates).toEqual({ '+12065550121': 'FAILED', '+12065550131': 'DONE' });

    await page.reload();
    await expect(page.locator('tbody').first().textContent()).resolves.toContain('Expired campaign for the 012x lines');
    expect((await rules())[0]?.hits).toBe(1);

    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.waitForURL(/\/console\/faults\?projectId=/);
    await expect(page.locator('.flash').textContent()).resolves.toContain('deleted');
    expect(await rules()).toHaveLength(0);
  });

  it('does not count held deliveries as failing', async () => {
    const receiver = new CallbackReceiver();
    const callbackUrl = await receiver.start();
    try {
      const rule = await test.admin(`/projects/${test.projectId}/faultRules`, {
        method: 'POST',
        body: JSON.stringify({ target: 'CALLBACK_DELIVERY', action: 'DELAY', delayMs: 3_600_000, numberPattern: '+12065550141' }),
      });
      expect(rule.status).toBe(200);
      const { ruleId } = (await rule.json()) as { ruleId: string };
      await test.api('/importedNumbers', {
        method: 'POST',
        body: JSON.stringify({ phoneNumber: '+12065550141', regionCode: 'US', smsConfiguration: { servicePlanId: 'plan-held' }, callbackUrl }),
      });
      const held = await waitUntil(
        async () =>
          ((await (await test.admin(`/projects/${test.projectId}/callbackDeliveries?resourceId=%2B12065550141`)).json()) as {
            callbackDeliveries: { deliveryState: string; attempts: { error: string }[] }[];
          }).callbackDeliveries,
        (list) => list.length === 1 && (list[0]?.attempts.length ?? 0) === 1,
      );
      expect(held[0]?.deliveryState).toBe('PENDING');
      expect(held[0]?.attempts[0]?.error).toMatch(/^Held for 3600000 ms/);
      const client = await ConsoleClient.login(test.baseUrl, TEST_ADMIN_TOKEN);
      expect((await client.get(`/console?projectId=${test.projectId}`)).text).toContain('Failing callback deliveries: 0');

      // A receiver that responds with an error does count.
      receiver.respond = () => 500;
      await test.api('/importedNumbers', {
        method: 'POST',
        body: JSON.stringify({ phoneNumber: '+12065550142', regionCode: 'US', smsConfiguration: { servicePlanId: 'plan-held' }, callbackUrl }),
      });
      await waitUntil(
        async () => (await client.get(`/console?projectId=${test.projectId}`)).text,
        (text) => text.includes('Failing callback deliveries: 1'),
      );
      await test.admin(`/projects/${test.projectId}/faultRules/${ruleId}`, { method: 'DELETE' });
    } finally {
      await receiver.stop();
    }
  });

  it('explains invalid rule, stores nothing', async () => {
    await page.goto(`${test.baseUrl}/console/faults?projectId=${test.projectId}`);
    const form = page.getByRole('form', { name: 'Add a fault rule' });
    await form.getByLabel('Target').selectOption('SMS_PLATFORM');
    await form.getByLabel('Action').selectOption('FAIL_TIMES');
    await form.getByLabel('Number prefix').fill('+1303555');
    await form.getByLabel('Times', { exact: true }).fill('many');
    await form.getByLabel('Description').fill('Not in the URL');
    await form.getByRole('button', { name: 'Add rule' }).click();
    await page.waitForURL(/\/console\/faults\?projectId=/);
    const message = await page.locator('.flash.error').textContent();
    expect(message).toContain('Nothing was changed');
    expect(message).toContain('times');
    expect(message).toContain('many');
    expect(await rules()).toHaveLength(0);

    // The form comes back with its choices and number prefix, but the other fields stay out of the URL.
    await expect(form.getByLabel('Target').inputValue()).resolves.toBe('SMS_PLATFORM');
    await expect(form.getByLabel('Action').inputValue()).resolves.toBe('FAIL_TIMES');
    await expect(form.getByLabel('Number prefix').inputValue()).resolves.toBe('+1303555');
    await expect(form.getByLabel('Times', { exact: true }).inputValue()).resolves.toBe('');
    const refilledUrl = new URL(page.url());
    expect(refilledUrl.searchParams.get('numberPattern')).toBe('+1303555');
    expect(refilledUrl.search).not.toContain('many');
    expect(refilledUrl.search).not.toContain('URL');

    // A delivery action on a carrier target is rejected too.
    await form.getByLabel('Target').selectOption('SMS_PLATFORM');
    await form.getByLabel('Action').selectOption('DUPLICATE');
    await form.getByLabel('Failure code (FAIL_WITH_CODE)').selectOption('CAMPAIGN_EXPIRED');
    await form.getByRole('button', { name: 'Add rule' }).click();
    await page.waitForURL(/action=DUPLICATE/);
    await expect(page.locator('.flash.error').textContent()).resolves.toContain('action');
    await expect(form.getByLabel('Action').inputValue()).resolves.toBe('DUPLICATE');
    await expect(form.getByLabel('Failure code (FAIL_WITH_CODE)').inputValue()).resolves.toBe('CAMPAIGN_EXPIRED');
    expect(await rules()).toHaveLength(0);

    // Refilled values that are not choices of the form are ignored.
    await page.goto(`${test.baseUrl}/console/faults?projectId=${test.projectId}&target=NOPE&action=%3Cb%3E&numberPattern=12a`);
    await expect(form.getByLabel('Target').inputValue()).resolves.toBe('CAMPAIGN_REGISTRY');
    await expect(form.getByLabel('Action').inputValue()).resolves.toBe('FAIL_WITH_CODE');
    await expect(form.getByLabel('Number prefix').inputValue()).resolves.toBe('');
  });
});
