import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/config.js';
import type { CallbackSender } from '../src/domain/callback-sender.js';
import { DIALECTS, newDatabaseUrl } from './helpers/databases.js';
import { expectFlatError, violatedFields } from './helpers/error-bodies.js';
import { CallbackReceiver } from './helpers/receiver.js';
import type { TestService } from './helpers/service.js';
import { startTestService, waitUntil } from './helpers/service.js';

/**
 * End-to-end tests of manual carrier mode. The service runs in production mode, where every
 * OSR update, SMS provisioning and campaign link becomes an operator task. The tests
 * resolve those tasks through the admin API, as an operator would. The step's safety-net check is
 * ten minutes, so an order that moves within seconds shows that resolving a task makes
 * the waiting step due at once.
 */

const PROJECT_ID = 'manual-mode-project';
const KEY_ID = 'manual-mode-key';
const KEY_SECRET = 'manual-mode-secret-0123456789';
const SERVICE_PLAN_ID = 'plan-manual';
const CAMPAIGN_ID = 'CMANUAL1';
const HMAC_SECRET = 'manual-mode-hmac-secret';
/** Callback URL in https form because production mode accepts no other. The test sender posts to the loopback receiver instead. */
const CALLBACK_URL = 'https://callbacks.example.com/numberhost';
const PROVIDER_NNID = '4455667';
const HOUR_MS = 3_600_000;

interface TaskBody {
  taskId: string;
  projectId: string;
  kind: string;
  phoneNumber: string;
  targetId: string;
  hostingOrderId: string;
  isTollFree: boolean;
  state: string;
  failureCode: string;
  errorMessage: string;
  note: string;
  createdTime: string;
  resolvedTime: string;
}

interface TaskListBody {
  operatorTasks: TaskBody[];
  nextPageToken: string;
  totalSize: number;
}

interface ReportBody {
  total: number;
  osrUpdated: number;
  smsProvisioned: number;
  addedToCampaign: number;
  ongoingManualAction: number;
}

interface CallbackBody {
  eventType: string;
  resourceId: string;
  status: string;
  failureCode?: string;
}

/** Posts callbacks to the loopback receiver whatever their URL, as the real sender would post to the URL. */
function loopbackSender(receiverUrl: () => string): CallbackSender {
  return {
    async post(_url, body, headers, timeoutMs) {
      const response = await fetch(receiverUrl(), { method: 'POST', body, headers, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
      return { statusCode: response.status, bodyExcerpt: (await response.text()).slice(0, 200) };
    },
  };
}

function productionEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    NUMBERHOST_MODE: 'production',
    NUMBERHOST_NNID: PROVIDER_NNID,
    SINCH_PROJECT_ID: PROJECT_ID,
    SINCH_KEY_ID: KEY_ID,
    SINCH_KEY_SECRET: KEY_SECRET,
    SERVICE_PLAN_ID,
    CAMPAIGN_ID,
    NUMBERHOST_ELIGIBILITY_DELAY_MS: '0',
    NUMBERHOST_MANUAL_CHECK_MS: String(10 * 60_000),
    ...extra,
  };
}

describe('carrier adapter configuration', () => {
  const base = { NUMBERHOST_ADMIN_TOKEN: 'config-admin-token-0123456789', NUMBERHOST_NNID: '123456', NUMBERHOST_PROVIDER_NAME: 'Config Hosting LLC' };

  it('defaults to manual in production', () => {
    expect(loadConfig({ ...base, NUMBERHOST_MODE: 'production' }).carrierAdapters).toBe('manual');
  });

  it('defaults to simulated in sandbox', () => {
    expect(loadConfig({ ...base }).carrierAdapters).toBe('simulated');
  });

  it('lets an explicit value win in both modes', () => {
    expect(loadConfig({ ...base, NUMBERHOST_MODE: 'production', NUMBERHOST_CARRIER_ADAPTERS: 'simulated' }).carrierAdapters).toBe('simulated');
    expect(loadConfig({ ...base, NUMBERHOST_CARRIER_ADAPTERS: 'manual' }).carrierAdapters).toBe('manual');
  });

  it('rejects an unknown adapter name', () => {
    expect(() => loadConfig({ ...base, NUMBERHOST_CARRIER_ADAPTERS: 'carrier' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, NUMBERHOST_CARRIER_ADAPTERS: 'carrier' })).toThrow(/NUMBERHOST_CARRIER_ADAPTERS="carrier" is invalid: expected "simulated" or "manual"/);
  });

  it('reads the manual check interval', () => {
    expect(loadConfig({ ...base }).manualCheckMs).toBe(60_000);
    expect(loadConfig({ ...base, NUMBERHOST_MANUAL_CHECK_MS: '5000' }).manualCheckMs).toBe(5000);
    expect(() => loadConfig({ ...base, NUMBERHOST_MANUAL_CHECK_MS: '-1' })).toThrow(/NUMBERHOST_MANUAL_CHECK_MS="-1" is invalid/);
  });

  it('validates production provider and mail settings', () => {
    const production = { ...base, NUMBERHOST_MODE: 'production' };
    expect(() => loadConfig({ ...production, NUMBERHOST_NNID: '' })).toThrow(/NUMBERHOST_NNID is required in production mode/);
    expect(() => loadConfig({ ...production, NUMBERHOST_PROVIDER_NAME: undefined })).toThrow(/NUMBERHOST_PROVIDER_NAME is required in production mode/);
    expect(() => loadConfig({ ...production, NUMBERHOST_PROVIDER_NAME: '  ' })).toThrow(/NUMBERHOST_PROVIDER_NAME is required/);
    const warned = loadConfig(production).warnings;
    expect(warned.map((warning) => warning.split(' ')[0])).toEqual(['SMTP_URL', 'PUBLIC_BASE_URL']);
    const complete = loadConfig({ ...production, SMTP_URL: 'smtp://127.0.0.1:2525', PUBLIC_BASE_URL: 'https://numbers.example.test' });
    expect(complete.warnings).toEqual([]);
    expect(complete.providerName).toBe('Config Hosting LLC');
    // The sandbox keeps its placeholders and warns about nothing.
    const sandbox = loadConfig({ NUMBERHOST_ADMIN_TOKEN: base.NUMBERHOST_ADMIN_TOKEN });
    expect(sandbox.providerNnid).toBe('999999');
    expect(sandbox.warnings).toEqual([]);
  });
});

describe.each(DIALECTS)('manual mode on %s', (dialect) => {
  let service: TestService;
  let databaseUrl: string;
  const receiver = new CallbackReceiver();
  let receiverUrl = '';
  let nextLine = 100;

  /** Returns a fresh 202-555 number per call, so tests never share a number. */
  function freshNumber(): string {
    nextLine += 1;
    return `+1202555${String(nextLine).padStart(4, '0')}`;
  }

  async function startProduction(): Promise<TestService> {
    return startTestService(databaseUrl, productionEnv(), { callbackSender: loopbackSender(() => receiverUrl) });
  }

  beforeAll(async () => {
    receiverUrl = await receiver.start();
    databaseUrl = await newDatabaseUrl(dialect);
    service = await startProduction();
    await apiOk('PATCH', '/callbackConfiguration', { hmacSecret: HMAC_SECRET });
  });

  afterAll(async () => {
    await service?.close();
    await receiver.stop();
  });

  async function apiOk<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await service.api(path, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await response.text();
    expect(response.status, `${method} ${path}: ${text}`).toBe(200);
    return JSON.parse(text) as T;
  }

  async function adminOk<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await service.admin(path, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await response.text();
    expect(response.status, `${method} /admin/v1${path}: ${text}`).toBe(200);
    return JSON.parse(text) as T;
  }

  function adminPost(path: string, body?: unknown): Promise<Response> {
    return service.admin(path, { method: 'POST', ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  }

  async function importOrder(phoneNumber: string): Promise<string> {
    const order = await apiOk<{ hostingOrderId: string }>('POST', '/hostingOrders:importNumbers', {
      numbers: [phoneNumber],
      regionCode: 'US',
      servicePlanId: SERVICE_PLAN_ID,
      campaignId: CAMPAIGN_ID,
      callbackUrl: CALLBACK_URL,
    });
    return order.hostingOrderId;
  }

  async function orderTasks(hostingOrderId: string, state?: string): Promise<TaskBody[]> {
    const query = new URLSearchParams({ hostingOrderId, ...(state === undefined ? {} : { state }) });
    return (await adminOk<TaskListBody>('GET', `/operatorTasks?${query.toString()}`)).operatorTasks;
  }

  /** Waits until the order has one OPEN task of `kind` and returns it. */
  async function waitForOpenTask(hostingOrderId: string, kind: string): Promise<TaskBody> {
    const tasks = await waitUntil(
      () => orderTasks(hostingOrderId, 'OPEN'),
      (open) => open.some((task) => task.kind === kind),
    );
    const matching = tasks.filter((task) => task.kind === kind);
    expect(matching).toHaveLength(1);
    return matching[0] as TaskBody;
  }

  async function completeTask(taskId: string, note?: string): Promise<TaskBody> {
    return adminOk<TaskBody>('POST', `/operatorTasks/${taskId}:complete`, note === undefined ? undefined : { note });
  }

  function getOrderState(hostingOrderId: string): Promise<string> {
    return apiOk<{ state: string }>('GET', `/hostingOrders/${hostingOrderId}`).then((order) => order.state);
  }

  function waitForOrderState(hostingOrderId: string, state: string): Promise<string> {
    return waitUntil(
      () => getOrderState(hostingOrderId),
      (current) => current === state,
    );
  }

  function getReport(hostingOrderId: string): Promise<ReportBody> {
    return apiOk<ReportBody>('GET', `/hostingOrders/${hostingOrderId}/report`);
  }

  function callbacksOf(phoneNumber: string): CallbackBody[] {
    return receiver.payloads().filter((payload) => payload.resourceId === phoneNumber) as unknown as CallbackBody[];
  }

  /** Waits for `count` callbacks of a number; delivery order is not guaranteed, so tests wait for all before comparing. */
  async function waitForCallbackCount(phoneNumber: string, count: number): Promise<CallbackBody[]> {
    await receiver.waitFor(() => callbacksOf(phoneNumber).length >= count);
    return callbacksOf(phoneNumber);
  }

  async function waitForCallback(phoneNumber: string, eventType: string, count = 1): Promise<CallbackBody[]> {
    await receiver.waitFor(() => callbacksOf(phoneNumber).filter((payload) => payload.eventType === eventType).length >= count);
    return callbacksOf(phoneNumber).filter((payload) => payload.eventType === eventType);
  }

  function expectSignedCallbacks(phoneNumber: string): void {
    const received = receiver.received.filter((callback) => (JSON.parse(callback.rawBody.toString('utf8')) as CallbackBody).resourceId === phoneNumber);
    expect(received.length).toBeGreaterThan(0);
    for (const callback of received) {
      expect(callback.headers['x-sinch-signature']).toBe(createHmac('sha1', HMAC_SECRET).update(callback.rawBody).digest('hex'));
    }
  }

  it('import order runs through SMS and campaign tasks', async () => {
    const phoneNumber = freshNumber();
    const hostingOrderId = await importOrder(phoneNumber);

    const smsTask = await waitForOpenTask(hostingOrderId, 'SMS_PROVISIONING');
    expect(smsTask.projectId).toBe(PROJECT_ID);
    expect(smsTask.phoneNumber).toBe(phoneNumber);
    expect(smsTask.targetId).toBe(SERVICE_PLAN_ID);
    expect(smsTask.state).toBe('OPEN');
    expect(smsTask.resolvedTime).toBe('');
    expect((await getReport(hostingOrderId)).ongoingManualAction).toBe(1);
    expect(await getOrderState(hostingOrderId)).toBe('IN_PROGRESS');

    const completed = await completeTask(smsTask.taskId, 'Provisioned in the partner portal.');
    expect(completed.state).toBe('COMPLETED');
    expect(completed.note).toBe('Provisioned in the partner portal.');
    expect(completed.resolvedTime).not.toBe('');

    const campaignTask = await waitForOpenTask(hostingOrderId, 'CAMPAIGN_LINK');
    expect(campaignTask.targetId).toBe(CAMPAIGN_ID);
    expect((await getReport(hostingOrderId)).ongoingManualAction).toBe(1);
    await completeTask(campaignTask.taskId);

    await waitForOrderState(hostingOrderId, 'COMPLETED');
    expect(await getReport(hostingOrderId)).toEqual({ total: 1, osrUpdated: 1, smsProvisioned: 1, addedToCampaign: 1, ongoingManualAction: 0 });
    const callbacks = await waitForCallbackCount(phoneNumber, 3);
    expect(callbacks.map((payload) => `${payload.eventType} ${payload.status}`).sort()).toEqual([
      'HOSTING_PROCESS SUCCEEDED',
      'LINK_TO_10DLC_CAMPAIGN SUCCEEDED',
      'PROVISIONING_TO_SMS_PLATFORM SUCCEEDED',
    ]);
    expectSignedCallbacks(phoneNumber);
  });

  it('failed campaign task sends its failure code', async () => {
    const phoneNumber = freshNumber();
    const hostingOrderId = await importOrder(phoneNumber);
    await completeTask((await waitForOpenTask(hostingOrderId, 'SMS_PROVISIONING')).taskId);
    const campaignTask = await waitForOpenTask(hostingOrderId, 'CAMPAIGN_LINK');

    const failed = await adminOk<TaskBody>('POST', `/operatorTasks/${campaignTask.taskId}:fail`, {
      failureCode: 'CAMPAIGN_MNO_REJECTED',
      errorMessage: 'AT&T rejected the campaign.',
      note: 'Seen in the registry portal.',
    });
    expect(failed.state).toBe('FAILED');
    expect(failed.failureCode).toBe('CAMPAIGN_MNO_REJECTED');

    await waitForOrderState(hostingOrderId, 'COMPLETED');
    const link = await waitForCallback(phoneNumber, 'LINK_TO_10DLC_CAMPAIGN');
    expect(link).toEqual([expect.objectContaining({ status: 'FAILED', failureCode: 'CAMPAIGN_MNO_REJECTED' })]);
    const hosting = await waitForCallback(phoneNumber, 'HOSTING_PROCESS');
    expect(hosting).toEqual([expect.objectContaining({ status: 'FAILED', failureCode: 'CAMPAIGN_MNO_REJECTED' })]);
    expectSignedCallbacks(phoneNumber);

    const imported = await apiOk<{ campaignProvisioning: { state: string; errorCode: string; errorMessage: string } }>(
      'GET',
      `/importedNumbers/${encodeURIComponent(phoneNumber)}`,
    );
    expect(imported.campaignProvisioning).toEqual(expect.objectContaining({ state: 'FAILED', errorCode: 'CAMPAIGN_MNO_REJECTED', errorMessage: 'AT&T rejected the campaign.' }));
    expect((await getReport(hostingOrderId)).ongoingManualAction).toBe(0);
  });

  it('rejects a second task resolution', async () => {
    const phoneNumber = freshNumber();
    const hostingOrderId = await importOrder(phoneNumber);
    const smsTask = await waitForOpenTask(hostingOrderId, 'SMS_PROVISIONING');
    await completeTask(smsTask.taskId);

    const again = await expectFlatError(await adminPost(`/operatorTasks/${smsTask.taskId}:complete`), 400, 'FAILED_PRECONDITION');
    expect(again.message).toContain(`Operator task ${smsTask.taskId} is COMPLETED`);
    const failAfter = await expectFlatError(await adminPost(`/operatorTasks/${smsTask.taskId}:fail`, { failureCode: 'NUMBER_PROVISIONING_FAILED' }), 400, 'FAILED_PRECONDITION');
    expect(failAfter.message).toContain('is COMPLETED');
    const reread = await adminOk<TaskBody>('GET', `/operatorTasks/${smsTask.taskId}`);
    expect(reread.state).toBe('COMPLETED');
    expect(reread.failureCode).toBe('');

    await expectFlatError(await adminPost('/operatorTasks/01unknowntask:complete'), 404, 'NOT_FOUND');
    await expectFlatError(await service.admin('/operatorTasks/01unknowntask'), 404, 'NOT_FOUND');
    await expectFlatError(await adminPost(`/operatorTasks/${smsTask.taskId}:finish`), 404, 'NOT_FOUND');
  });

  it('rejects invalid failure codes', async () => {
    const phoneNumber = freshNumber();
    const hostingOrderId = await importOrder(phoneNumber);
    const smsTask = await waitForOpenTask(hostingOrderId, 'SMS_PROVISIONING');
    const path = `/operatorTasks/${smsTask.taskId}:fail`;

    const wrongKind = await expectFlatError(await adminPost(path, { failureCode: 'CAMPAIGN_EXPIRED', note: 'should not stay' }), 400, 'INVALID_ARGUMENT');
    expect(violatedFields(wrongKind)).toEqual(['failureCode']);
    expect(wrongKind.message).toContain('"CAMPAIGN_EXPIRED" does not fit a SMS_PROVISIONING task');
    expect(wrongKind.message).toContain('NUMBER_PROVISIONING_FAILED, PARTNER_SERVICE_UNAVAILABLE');

    const cases: Array<[unknown, string]> = [
      [{ failureCode: 'NOT_A_CODE' }, 'failureCode'],
      [{}, 'failureCode'],
      [{ failureCode: 42 }, 'failureCode'],
      [{ failureCode: 'NUMBER_PROVISIONING_FAILED', note: 7 }, 'note'],
      [{ failureCode: 'NUMBER_PROVISIONING_FAILED', errorMessage: 'x'.repeat(1001) }, 'errorMessage'],
      [{ failureCode: 'NUMBER_PROVISIONING_FAILED', failurecode: 'typo' }, 'failurecode'],
      [['NUMBER_PROVISIONING_FAILED'], '(body)'],
    ];
    for (const [body, field] of cases) {
      const error = await expectFlatError(await adminPost(path, body), 400, 'INVALID_ARGUMENT');
      expect(violatedFields(error), JSON.stringify(body)).toContain(field);
    }
    const completeWithCode = await expectFlatError(await adminPost(`/operatorTasks/${smsTask.taskId}:complete`, { failureCode: 'NUMBER_PROVISIONING_FAILED' }), 400, 'INVALID_ARGUMENT');
    expect(violatedFields(completeWithCode)).toEqual(['failureCode']);

    const unchanged = await adminOk<TaskBody>('GET', `/operatorTasks/${smsTask.taskId}`);
    expect(unchanged).toEqual(smsTask);
    expect((await getReport(hostingOrderId)).ongoingManualAction).toBe(1);
    expect(await getOrderState(hostingOrderId)).toBe('IN_PROGRESS');

    for (const [query, field] of [
      ['state=DONE', 'state'],
      ['kind=SMS', 'kind'],
      ['pageSize=-3', 'pageSize'],
      ['pageToken=forged', 'pageToken'],
    ]) {
      const error = await expectFlatError(await service.admin(`/operatorTasks?${query}`), 400, 'INVALID_ARGUMENT');
      expect(violatedFields(error)).toEqual([field]);
    }
  });

  it('pages through tasks oldest first when OPEN', async () => {
    const first = await importOrder(freshNumber());
    const firstTask = await waitForOpenTask(first, 'SMS_PROVISIONING');
    const second = await importOrder(freshNumber());
    const secondTask = await waitForOpenTask(second, 'SMS_PROVISIONING');

    const seen: string[] = [];
    let pageToken = '';
    do {
      const query = new URLSearchParams({ state: 'OPEN', projectId: PROJECT_ID, kind: 'SMS_PROVISIONING', pageSize: '1', ...(pageToken === '' ? {} : { pageToken }) });
      const page = await adminOk<TaskListBody>('GET', `/operatorTasks?${query.toString()}`);
      expect(page.operatorTasks.length).toBeLessThanOrEqual(1);
      seen.push(...page.operatorTasks.map((task) => task.taskId));
      pageToken = page.nextPageToken;
    } while (pageToken !== '');
    expect(seen.indexOf(firstTask.taskId)).toBeGreaterThanOrEqual(0);
    expect(seen.indexOf(secondTask.taskId)).toBeGreaterThan(seen.indexOf(firstTask.taskId));
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('retries a failed SMS task until the order completes', async () => {
    const phoneNumber = freshNumber();
    const hostingOrderId = await importOrder(phoneNumber);
    const smsTask = await waitForOpenTask(hostingOrderId, 'SMS_PROVISIONING');
    await adminOk('POST', `/operatorTasks/${smsTask.taskId}:fail`, { failureCode: 'PARTNER_SERVICE_UNAVAILABLE' });
    await waitForOrderState(hostingOrderId, 'COMPLETED');
    const failedHosting = await waitForCallback(phoneNumber, 'HOSTING_PROCESS');
    expect(failedHosting.map((payload) => payload.status)).toEqual(['FAILED']);
    expect(await getReport(hostingOrderId)).toEqual({ total: 1, osrUpdated: 1, smsProvisioned: 0, addedToCampaign: 0, ongoingManualAction: 0 });

    const retryPath = `/projects/${PROJECT_ID}/hostingOrders/${hostingOrderId}:retryFailedSteps`;
    const retry = await adminOk<{ hostingOrder: { state: string }; retriedSteps: unknown[] }>('POST', retryPath);
    expect(retry.hostingOrder.state).toBe('IN_PROGRESS');
    expect(retry.retriedSteps).toEqual([{ phoneNumber, step: 'SMS_PROVISIONING', previousState: 'FAILED' }]);
    const numbers = await apiOk<{ numbers: Array<{ platformProvisioning: { state: string }; campaignProvisioning: { state: string } }> }>(
      'GET',
      `/hostingOrders/${hostingOrderId}/numbers`,
    );
    expect(numbers.numbers[0]?.campaignProvisioning.state).toBe('WAITING');

    const secondSmsTask = await waitForOpenTask(hostingOrderId, 'SMS_PROVISIONING');
    expect(secondSmsTask.taskId).not.toBe(smsTask.taskId);
    await completeTask(secondSmsTask.taskId);
    await completeTask((await waitForOpenTask(hostingOrderId, 'CAMPAIGN_LINK')).taskId);
    await waitForOrderState(hostingOrderId, 'COMPLETED');

    const hosting = await waitForCallback(phoneNumber, 'HOSTING_PROCESS', 2);
    expect(hosting.map((payload) => payload.status)).toEqual(['FAILED', 'SUCCEEDED']);
    expect(await getReport(hostingOrderId)).toEqual({ total: 1, osrUpdated: 1, smsProvisioned: 1, addedToCampaign: 1, ongoingManualAction: 0 });

    const nothingLeft = await expectFlatError(await adminPost(retryPath), 400, 'FAILED_PRECONDITION');
    expect(nothingLeft.message).toContain('has no step to retry');
  });

  it('retries a step whose job is gone', async () => {
    const phoneNumber = freshNumber();
    const hostingOrderId = await importOrder(phoneNumber);
    const smsTask = await waitForOpenTask(hostingOrderId, 'SMS_PROVISIONING');
    // The worker deletes a job that runs out of attempts and leaves its step IN_PROGRESS.
    const deleted = await service.service.ctx.storage.db
      .deleteFrom('jobs')
      .where('type', '=', 'sms_step')
      .where('payload', '=', JSON.stringify({ projectId: PROJECT_ID, phoneNumber, hostingOrderId }))
      .where('locked_by', 'is', null)
      .executeTakeFirst();
    expect(deleted.numDeletedRows).toBe(1n);

    const retry = await adminOk<{ retriedSteps: unknown[] }>('POST', `/projects/${PROJECT_ID}/hostingOrders/${hostingOrderId}:retryFailedSteps`);
    expect(retry.retriedSteps).toEqual([{ phoneNumber, step: 'SMS_PROVISIONING', previousState: 'IN_PROGRESS' }]);
    // The new job checks on the submitted step, so the open task stays the only one.
    await completeTask(smsTask.taskId);
    await completeTask((await waitForOpenTask(hostingOrderId, 'CAMPAIGN_LINK')).taskId);
    await waitForOrderState(hostingOrderId, 'COMPLETED');
    expect((await orderTasks(hostingOrderId)).map((task) => task.kind).sort()).toEqual(['CAMPAIGN_LINK', 'SMS_PROVISIONING']);
  });

  it('text-enable order goes OSR, SMS, campaign', async () => {
    const phoneNumber = freshNumber();
    await addVerifiedNumber(phoneNumber);
    await adminOk('PATCH', `/projects/${PROJECT_ID}`, { isBlanketLoaApproved: true });
    const order = await apiOk<{ hostingOrderId: string }>('POST', '/hostingOrders:textEnableNumbers', {
      regionCode: 'US',
      numbers: [phoneNumber],
      servicePlanId: SERVICE_PLAN_ID,
      campaignId: CAMPAIGN_ID,
      callbackUrl: CALLBACK_URL,
      blanketLoaInfo: {},
    });
    const hostingOrderId = order.hostingOrderId;

    const osrTask = await waitForOpenTask(hostingOrderId, 'OSR_UPDATE');
    expect(osrTask.targetId).toBe(PROVIDER_NNID);
    expect((await getReport(hostingOrderId)).ongoingManualAction).toBe(1);
    await completeTask(osrTask.taskId);
    await completeTask((await waitForOpenTask(hostingOrderId, 'SMS_PROVISIONING')).taskId);
    await completeTask((await waitForOpenTask(hostingOrderId, 'CAMPAIGN_LINK')).taskId);

    await waitForOrderState(hostingOrderId, 'COMPLETED');
    expect(await getReport(hostingOrderId)).toEqual({ total: 1, osrUpdated: 1, smsProvisioned: 1, addedToCampaign: 1, ongoingManualAction: 0 });
    const qualified = await apiOk<{ globalProcessState: string }>('GET', `/qualifiedNumbers/${encodeURIComponent(phoneNumber)}`);
    expect(qualified.globalProcessState).toBe('GLOBAL_PROCESS_STATE_HOSTING_DONE');
    const callbacks = await waitForCallbackCount(phoneNumber, 4);
    expect(callbacks.map((payload) => `${payload.eventType} ${payload.status}`).sort()).toEqual([
      'HOSTING_PROCESS SUCCEEDED',
      'LINK_TO_10DLC_CAMPAIGN SUCCEEDED',
      'OSR_UPDATE SUCCEEDED',
      'PROVISIONING_TO_SMS_PLATFORM SUCCEEDED',
    ]);
    expectSignedCallbacks(phoneNumber);
  });

  it('retries a failed OSR update of a text-enable order', async () => {
    const phoneNumber = freshNumber();
    await addVerifiedNumber(phoneNumber);
    await adminOk('PATCH', `/projects/${PROJECT_ID}`, { isBlanketLoaApproved: true });
    const { hostingOrderId } = await apiOk<{ hostingOrderId: string }>('POST', '/hostingOrders:textEnableNumbers', {
      regionCode: 'US',
      numbers: [phoneNumber],
      servicePlanId: SERVICE_PLAN_ID,
      campaignId: CAMPAIGN_ID,
      callbackUrl: CALLBACK_URL,
      blanketLoaInfo: {},
    });
    const osrTask = await waitForOpenTask(hostingOrderId, 'OSR_UPDATE');
    const badCode = await expectFlatError(await adminPost(`/operatorTasks/${osrTask.taskId}:fail`, { failureCode: 'CAMPAIGN_EXPIRED' }), 400, 'INVALID_ARGUMENT');
    expect(badCode.message).toContain('INVALID_NNID');
    await adminOk('POST', `/operatorTasks/${osrTask.taskId}:fail`, { failureCode: 'INVALID_NNID', errorMessage: 'The registry does not know NNID 999999.' });

    await waitForOrderState(hostingOrderId, 'COMPLETED');
    expect(await waitForCallback(phoneNumber, 'OSR_UPDATE')).toEqual([expect.objectContaining({ status: 'FAILED', failureCode: 'INVALID_NNID' })]);
    expect(await waitForCallback(phoneNumber, 'HOSTING_PROCESS')).toEqual([expect.objectContaining({ status: 'FAILED', failureCode: 'INVALID_NNID' })]);
    const failedQualified = await apiOk<{ globalProcessState: string }>('GET', `/qualifiedNumbers/${encodeURIComponent(phoneNumber)}`);
    expect(failedQualified.globalProcessState).toBe('GLOBAL_PROCESS_STATE_HOSTING_FAILED');

    const retry = await adminOk<{ retriedSteps: unknown[] }>('POST', `/projects/${PROJECT_ID}/hostingOrders/${hostingOrderId}:retryFailedSteps`);
    expect(retry.retriedSteps).toEqual([{ phoneNumber, step: 'OSR_UPDATE', previousState: 'FAILED' }]);
    const retrying = await apiOk<{ globalProcessState: string; hostedNumber: { status: number } }>('GET', `/qualifiedNumbers/${encodeURIComponent(phoneNumber)}`);
    expect(retrying.globalProcessState).toBe('GLOBAL_PROCESS_STATE_HOSTING_IN_PROGRESS');
    expect(retrying.hostedNumber.status).toBe(0);

    await completeTask((await waitForOpenTask(hostingOrderId, 'OSR_UPDATE')).taskId);
    await completeTask((await waitForOpenTask(hostingOrderId, 'SMS_PROVISIONING')).taskId);
    await completeTask((await waitForOpenTask(hostingOrderId, 'CAMPAIGN_LINK')).taskId);
    await waitForOrderState(hostingOrderId, 'COMPLETED');
    const hosted = await apiOk<{ globalProcessState: string }>('GET', `/qualifiedNumbers/${encodeURIComponent(phoneNumber)}`);
    expect(hosted.globalProcessState).toBe('GLOBAL_PROCESS_STATE_HOSTING_DONE');
    const hosting = await waitForCallback(phoneNumber, 'HOSTING_PROCESS', 2);
    expect(hosting.map((payload) => payload.status)).toEqual(['FAILED', 'SUCCEEDED']);
  });

  it('rejects retry of rejected order', async () => {
    const phoneNumber = freshNumber();
    await addVerifiedNumber(phoneNumber);
    await adminOk('PATCH', `/projects/${PROJECT_ID}`, { isBlanketLoaApproved: true });
    const { hostingOrderId } = await apiOk<{ hostingOrderId: string }>('POST', '/hostingOrders:textEnableNumbers', {
      regionCode: 'US',
      numbers: [phoneNumber],
      servicePlanId: SERVICE_PLAN_ID,
      campaignId: CAMPAIGN_ID,
      callbackUrl: CALLBACK_URL,
      // The OSR update waits an hour, so the operator can still reject the order.
      scheduledOsrUpdateTime: new Date(Date.now() + HOUR_MS).toISOString(),
      blanketLoaInfo: {},
    });
    await waitForOrderState(hostingOrderId, 'IN_PROGRESS');
    await adminOk('POST', `/projects/${PROJECT_ID}/hostingOrders/${hostingOrderId}:reject`, { reason: 'Customer withdrew.' });

    const error = await expectFlatError(await adminPost(`/projects/${PROJECT_ID}/hostingOrders/${hostingOrderId}:retryFailedSteps`), 400, 'FAILED_PRECONDITION');
    expect(error.message).toContain('is REJECTED');
    expect(await orderTasks(hostingOrderId)).toEqual([]);
  });

  /** Creates a text-enable order of a fresh verified number under the approved blanket LOA. */
  async function textEnableOrder(phoneNumber: string, scheduledOsrUpdateTime?: string): Promise<string> {
    await addVerifiedNumber(phoneNumber);
    await adminOk('PATCH', `/projects/${PROJECT_ID}`, { isBlanketLoaApproved: true });
    const order = await apiOk<{ hostingOrderId: string }>('POST', '/hostingOrders:textEnableNumbers', {
      regionCode: 'US',
      numbers: [phoneNumber],
      servicePlanId: SERVICE_PLAN_ID,
      campaignId: CAMPAIGN_ID,
      callbackUrl: CALLBACK_URL,
      ...(scheduledOsrUpdateTime === undefined ? {} : { scheduledOsrUpdateTime }),
      blanketLoaInfo: {},
    });
    return order.hostingOrderId;
  }

  /** Submits the OSR update of a number to the manual carrier registry, as the order's OSR step job does. */
  function submitOsrUpdate(hostingOrderId: string, phoneNumber: string) {
    const request = { projectId: PROJECT_ID, phoneNumber, nnid: PROVIDER_NNID, isTollFree: false, hostingOrderId, attempt: 1 };
    return service.service.ctx.ports.carrierRegistry.runOsrUpdate(request, 'submit');
  }

  function rejectOrder(hostingOrderId: string, reason: string): Promise<Response> {
    return adminPost(`/projects/${PROJECT_ID}/hostingOrders/${hostingOrderId}:reject`, { reason });
  }

  it('reject cancels a task opened just before', async () => {
    const phoneNumber = freshNumber();
    const hostingOrderId = await textEnableOrder(phoneNumber, new Date(Date.now() + HOUR_MS).toISOString());
    await waitForOrderState(hostingOrderId, 'IN_PROGRESS');
    // The step job read the order while it was IN_PROGRESS and submits before the reject
    // commits, so the OSR update is still WAITING and the reject is allowed.
    expect(await submitOsrUpdate(hostingOrderId, phoneNumber)).toEqual({ kind: 'pending', checkAfterMs: 10 * 60_000 });
    const [openTask] = await orderTasks(hostingOrderId, 'OPEN');
    expect(openTask?.kind).toBe('OSR_UPDATE');
    expect((await getReport(hostingOrderId)).ongoingManualAction).toBe(1);

    const rejected = await rejectOrder(hostingOrderId, 'Customer withdrew.');
    expect(rejected.status, await rejected.clone().text()).toBe(200);

    expect(await orderTasks(hostingOrderId, 'OPEN')).toEqual([]);
    const cancelled = await adminOk<TaskBody>('GET', `/operatorTasks/${openTask?.taskId}`);
    expect(cancelled.state).toBe('CANCELLED');
    expect(cancelled.resolvedTime).not.toBe('');
    expect(cancelled.note).toBe(`Cancelled because order ${hostingOrderId} was rejected. Rejected by the operator: Customer withdrew.`);
    expect((await orderTasks(hostingOrderId, 'CANCELLED')).map((task) => task.taskId)).toEqual([openTask?.taskId]);
    expect((await getReport(hostingOrderId)).ongoingManualAction).toBe(0);

    const complete = await expectFlatError(await adminPost(`/operatorTasks/${openTask?.taskId}:complete`), 400, 'FAILED_PRECONDITION');
    expect(complete.message).toBe(
      `Operator task ${openTask?.taskId} is CANCELLED; only OPEN tasks can be completed or failed. ${cancelled.note} Nothing is left to do for this task.`,
    );
    const fail = await expectFlatError(await adminPost(`/operatorTasks/${openTask?.taskId}:fail`, { failureCode: 'INVALID_NNID' }), 400, 'FAILED_PRECONDITION');
    expect(fail.message).toContain('is CANCELLED');
    expect(await adminOk<TaskBody>('GET', `/operatorTasks/${openTask?.taskId}`)).toEqual(cancelled);
    expect(await getOrderState(hostingOrderId)).toBe('REJECTED');
  });

  it('submit after reject opens no task', async () => {
    const phoneNumber = freshNumber();
    const hostingOrderId = await textEnableOrder(phoneNumber, new Date(Date.now() + HOUR_MS).toISOString());
    await waitForOrderState(hostingOrderId, 'IN_PROGRESS');
    const rejected = await rejectOrder(hostingOrderId, 'Wrong number.');
    expect(rejected.status, await rejected.clone().text()).toBe(200);

    // The step job read the order before the reject and submits after it.
    expect(await submitOsrUpdate(hostingOrderId, phoneNumber)).toEqual({ kind: 'pending', checkAfterMs: 10 * 60_000 });
    const check = { projectId: PROJECT_ID, phoneNumber, nnid: PROVIDER_NNID, isTollFree: false, hostingOrderId, attempt: 1 };
    expect(await service.service.ctx.ports.carrierRegistry.runOsrUpdate(check, 'check')).toEqual({ kind: 'pending', checkAfterMs: 10 * 60_000 });

    expect(await orderTasks(hostingOrderId)).toEqual([]);
    expect((await getReport(hostingOrderId)).ongoingManualAction).toBe(0);
  });

  it('reject racing the OSR step leaves no open task', async () => {
    const outcomes: number[] = [];
    for (let round = 0; round < 4; round += 1) {
      const phoneNumber = freshNumber();
      const hostingOrderId = await textEnableOrder(phoneNumber);
      const rejected = await rejectOrder(hostingOrderId, 'Race check.');
      outcomes.push(rejected.status);
      await waitForOsrStepIdle(hostingOrderId, phoneNumber);

      const open = await orderTasks(hostingOrderId, 'OPEN');
      if (rejected.status === 200) {
        expect(await getOrderState(hostingOrderId), `round ${round}`).toBe('REJECTED');
        expect(open, `round ${round}`).toEqual([]);
        expect((await getReport(hostingOrderId)).ongoingManualAction, `round ${round}`).toBe(0);
      } else {
        // The OSR update had started, so the order goes on and its task is the operator's.
        expect(rejected.status, `round ${round}`).toBe(400);
        expect(open.map((task) => task.kind), `round ${round}`).toEqual(['OSR_UPDATE']);
        await adminOk('POST', `/operatorTasks/${open[0]?.taskId}:fail`, { failureCode: 'INVALID_NNID' });
      }
    }
    expect(outcomes.every((status) => status === 200 || status === 400)).toBe(true);
  });

  /** Waits until no worker runs the order number's OSR step job and the job, if any, waits for a later check. */
  async function waitForOsrStepIdle(hostingOrderId: string, phoneNumber: string): Promise<void> {
    const payload = JSON.stringify({ projectId: PROJECT_ID, phoneNumber, hostingOrderId });
    const { db } = service.service.ctx.storage;
    await waitUntil(
      () => db.selectFrom('jobs').select(['locked_by', 'run_at_ms']).where('type', '=', 'osr_step').where('payload', '=', payload).execute(),
      (jobs) => jobs.every((job) => job.locked_by === null && Number(job.run_at_ms) > service.service.ctx.clock.now()),
    );
  }

  it('deleting an imported number cancels its tasks', async () => {
    const phoneNumber = freshNumber();
    const hostingOrderId = await importOrder(phoneNumber);
    await completeTask((await waitForOpenTask(hostingOrderId, 'SMS_PROVISIONING')).taskId);
    await completeTask((await waitForOpenTask(hostingOrderId, 'CAMPAIGN_LINK')).taskId);
    await waitForOrderState(hostingOrderId, 'COMPLETED');

    await apiOk('PATCH', `/importedNumbers/${encodeURIComponent(phoneNumber)}`, { smsConfiguration: { campaignId: '' } });
    const openOfNumber = async () =>
      (await adminOk<TaskListBody>('GET', `/operatorTasks?state=OPEN&projectId=${PROJECT_ID}&kind=CAMPAIGN_UNLINK`)).operatorTasks.filter(
        (task) => task.phoneNumber === phoneNumber,
      );
    const [unlinkTask] = await waitUntil(openOfNumber, (open) => open.length === 1);
    expect(unlinkTask?.hostingOrderId).toBe('');

    const deleted = await service.api(`/importedNumbers/${encodeURIComponent(phoneNumber)}`, { method: 'DELETE' });
    expect(deleted.status, await deleted.clone().text()).toBe(200);

    expect(await openOfNumber()).toEqual([]);
    const cancelled = await adminOk<TaskBody>('GET', `/operatorTasks/${unlinkTask?.taskId}`);
    expect(cancelled.state).toBe('CANCELLED');
    expect(cancelled.note).toBe(`Cancelled because imported number ${phoneNumber} was deleted.`);
    expect(cancelled.resolvedTime).not.toBe('');
    const complete = await expectFlatError(await adminPost(`/operatorTasks/${unlinkTask?.taskId}:complete`), 400, 'FAILED_PRECONDITION');
    expect(complete.message).toContain('was deleted');
  });

  it('keeps open tasks across a restart', async () => {
    const phoneNumber = freshNumber();
    const hostingOrderId = await importOrder(phoneNumber);
    const smsTask = await waitForOpenTask(hostingOrderId, 'SMS_PROVISIONING');

    await service.close();
    service = await startProduction();

    expect(await orderTasks(hostingOrderId)).toEqual([smsTask]);
    expect((await getReport(hostingOrderId)).ongoingManualAction).toBe(1);
    // A submit repeated after a crash finds the open task instead of making a second one.
    const request = {
      projectId: PROJECT_ID,
      phoneNumber,
      serviceId: SERVICE_PLAN_ID,
      operation: 'PROVISIONING' as const,
      isTollFree: false,
      migrateToSinchTmo: false,
      hostingOrderId,
      attempt: 1,
    };
    expect(await service.service.ctx.ports.smsPlatform.runStep(request, 'submit')).toEqual({ kind: 'pending', checkAfterMs: 10 * 60_000 });
    expect(await orderTasks(hostingOrderId)).toEqual([smsTask]);

    await completeTask(smsTask.taskId);
    await completeTask((await waitForOpenTask(hostingOrderId, 'CAMPAIGN_LINK')).taskId);
    await waitForOrderState(hostingOrderId, 'COMPLETED');
    expect((await orderTasks(hostingOrderId)).map((task) => `${task.kind} ${task.state}`).sort()).toEqual(['CAMPAIGN_LINK COMPLETED', 'SMS_PROVISIONING COMPLETED']);
  });

  async function addVerifiedNumber(phoneNumber: string): Promise<void> {
    await apiOk('POST', '/qualifiedNumbers:addNumbers', { phoneNumbers: [phoneNumber] });
    await waitUntil(
      () => apiOk<{ globalProcessState: string }>('GET', `/qualifiedNumbers/${encodeURIComponent(phoneNumber)}`),
      (number) => number.globalProcessState === 'GLOBAL_PROCESS_STATE_ELIGIBLE',
    );
    await adminOk('POST', `/projects/${PROJECT_ID}/qualifiedNumbers/${encodeURIComponent(phoneNumber)}:approveOwnership`);
  }
});

describe.each(DIALECTS)('sandbox adapters on %s', (dialect) => {
  let service: TestService | undefined;

  afterAll(async () => {
    await service?.close();
  });

  async function runImportOrder(env: Record<string, string>): Promise<{ hostingOrderId: string; tasks: TaskBody[] }> {
    await service?.close();
    service = await startTestService(await newDatabaseUrl(dialect), env);
    const started = service;
    const response = await started.api('/hostingOrders:importNumbers', {
      method: 'POST',
      body: JSON.stringify({ numbers: ['+12025550111'], regionCode: 'US', servicePlanId: SERVICE_PLAN_ID, campaignId: CAMPAIGN_ID }),
    });
    expect(response.status).toBe(200);
    const { hostingOrderId } = (await response.json()) as { hostingOrderId: string };
    const readTasks = async () => ((await (await started.admin(`/operatorTasks?hostingOrderId=${hostingOrderId}`)).json()) as TaskListBody).operatorTasks;
    const readState = async () => ((await (await started.api(`/hostingOrders/${hostingOrderId}`)).json()) as { state: string }).state;
    await waitUntil(
      async () => ({ state: await readState(), tasks: await readTasks() }),
      (snapshot) => snapshot.state === 'COMPLETED' || snapshot.tasks.length > 0,
    );
    return { hostingOrderId, tasks: await readTasks() };
  }

  it('runs simulated adapters by default', async () => {
    const { tasks } = await runImportOrder({});
    expect(tasks).toEqual([]);
  });

  it('runs manual adapters when configured', async () => {
    const { tasks } = await runImportOrder({ NUMBERHOST_CARRIER_ADAPTERS: 'manual' });
    expect(tasks.map((task) => task.kind)).toEqual(['SMS_PROVISIONING']);
  });
});
