/**
 * Sandbox fault injection through the admin API: rule checks, port faults that reach
 * the callbacks with every failure code of the spec, seeded selection, delivery faults
 * seen by a real loopback receiver, and hit counts that survive a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_FAULT_RULES_PER_PROJECT, faultFraction, isSelected } from '../src/app/fault-rules.js';
import { FAILURE_CODES } from '../src/domain/events.js';
import { FAULT_FAILURE_CODES, deliverySubject, reorderHoldMs } from '../src/domain/fault-rules.js';
import { DIALECTS, newDatabaseUrl } from './helpers/databases.js';
import { CallbackReceiver } from './helpers/receiver.js';
import type { TestService } from './helpers/service.js';
import { startTestService, waitUntil } from './helpers/service.js';

interface RuleView {
  ruleId: string;
  target: string;
  action: string;
  numberPattern: string;
  times: number | null;
  failureCode: string;
  delayMs: number;
  percent: number;
  seed: number;
  hits: number;
}

interface ErrorBody {
  code: string;
  status: string;
  message: string;
  details?: Array<{ type: string; fieldViolations: Array<{ field: string; description: string }> }>;
}

interface StepView {
  state: string;
  errorCode: string;
}

interface NumberView {
  smsProvisioning: StepView;
  campaignProvisioning: StepView;
}

interface DeliveryView {
  eventId: string;
  eventType: string;
  status: string;
  failureCode: string;
  deliveryState: string;
  resourceId: string;
  attempts: Array<{ attempt: number; statusCode: number | null; error: string }>;
}

const OPEN_STATES = ['WAITING', 'IN_PROGRESS'];
/** Codes that only the SMS platform or the carrier registry produce. The campaign rules cover the rest. */
const NON_CAMPAIGN_CODES = ['NUMBER_PROVISIONING_FAILED', 'INVALID_NNID'];

function isSettled(view: NumberView): boolean {
  return !OPEN_STATES.includes(view.smsProvisioning.state) && !OPEN_STATES.includes(view.campaignProvisioning.state);
}

/** Builds the admin calls and number reads of one running service's sandbox project. */
function client(service: TestService) {
  const projectPath = `/projects/${service.projectId}`;
  return {
    async createRule(body: unknown): Promise<Response> {
      return service.admin(`${projectPath}/faultRules`, { method: 'POST', body: JSON.stringify(body) });
    },
    async addRule(body: Record<string, unknown>): Promise<RuleView> {
      const response = await service.admin(`${projectPath}/faultRules`, { method: 'POST', body: JSON.stringify(body) });
      expect(response.status, await response.clone().text()).toBe(200);
      return (await response.json()) as RuleView;
    },
    async rules(): Promise<RuleView[]> {
      const response = await service.admin(`${projectPath}/faultRules`);
      expect(response.status).toBe(200);
      return ((await response.json()) as { faultRules: RuleView[] }).faultRules;
    },
    async advanceClock(seconds: number): Promise<void> {
      const response = await service.admin('/clock:advance', { method: 'POST', body: JSON.stringify({ seconds }) });
      expect(response.status).toBe(200);
    },
    async readNumber(phoneNumber: string): Promise<NumberView> {
      const response = await service.api(`/importedNumbers/${encodeURIComponent(phoneNumber)}`);
      expect(response.status, await response.clone().text()).toBe(200);
      return (await response.json()) as NumberView;
    },
    async importNumber(phoneNumber: string, smsConfiguration: Record<string, string>, callbackUrl?: string): Promise<void> {
      const response = await service.api('/importedNumbers', {
        method: 'POST',
        body: JSON.stringify({ phoneNumber, regionCode: 'US', smsConfiguration, callbackUrl }),
      });
      expect(response.status, await response.clone().text()).toBe(200);
    },
    async deliveries(phoneNumber: string): Promise<DeliveryView[]> {
      const response = await service.admin(`${projectPath}/callbackDeliveries?resourceId=${encodeURIComponent(phoneNumber)}`);
      expect(response.status).toBe(200);
      return ((await response.json()) as { callbackDeliveries: DeliveryView[] }).callbackDeliveries;
    },
  };
}

type Client = ReturnType<typeof client>;

/** Waits until both steps of a number have ended, advancing the virtual clock so that retry backoffs pass at once. */
async function waitForSettled(api: Client, phoneNumber: string, isAdvancingClock = false): Promise<NumberView> {
  return waitUntil(async () => {
    if (isAdvancingClock) {
      await api.advanceClock(10);
    }
    return api.readNumber(phoneNumber);
  }, isSettled);
}

describe.each(DIALECTS)('fault injection on %s', (dialect) => {
  let databaseUrl: string;
  let service: TestService;
  let api: Client;
  const receiver = new CallbackReceiver();
  let callbackUrl: string;

  beforeAll(async () => {
    databaseUrl = await newDatabaseUrl(dialect);
    service = await startTestService(databaseUrl, { NUMBERHOST_ELIGIBILITY_DELAY_MS: '0' });
    api = client(service);
    callbackUrl = await receiver.start();
    const settings = await service.admin(`/projects/${service.projectId}`, {
      method: 'PATCH',
      body: JSON.stringify({ isBlanketLoaApproved: true, importOrderLimit: 20 }),
    });
    expect(settings.status, await settings.clone().text()).toBe(200);
  });

  afterAll(async () => {
    await service?.close();
    await receiver.stop();
  });

  const INVALID_BODIES: Array<[string, Record<string, unknown>]> = [
    ['target', { target: 'MODEM', action: 'FAIL_TIMES', times: 1 }],
    ['target', { action: 'FAIL_TIMES', times: 1 }],
    ['action', { target: 'SMS_PLATFORM', action: 'EXPLODE' }],
    ['action', { target: 'SMS_PLATFORM', action: 'DROP' }],
    ['action', { target: 'CALLBACK_DELIVERY', action: 'FAIL_TIMES', times: 1 }],
    ['numberPattern', { target: 'SMS_PLATFORM', action: 'FAIL_TIMES', times: 1, numberPattern: '12025550100' }],
    ['numberPattern', { target: 'SMS_PLATFORM', action: 'FAIL_TIMES', times: 1, numberPattern: '+1 202' }],
    ['numberPattern', { target: 'SMS_PLATFORM', action: 'FAIL_TIMES', times: 1, numberPattern: '+1234567890123456' }],
    ['times', { target: 'SMS_PLATFORM', action: 'FAIL_TIMES' }],
    ['times', { target: 'SMS_PLATFORM', action: 'FAIL_TIMES', times: 0 }],
    ['times', { target: 'SMS_PLATFORM', action: 'FAIL_TIMES', times: 21 }],
    ['times', { target: 'SMS_PLATFORM', action: 'FAIL_WITH_CODE', failureCode: 'PARTNER_SERVICE_UNAVAILABLE', times: 1.5 }],
    ['failureCode', { target: 'CAMPAIGN_REGISTRY', action: 'FAIL_WITH_CODE' }],
    ['failureCode', { target: 'CAMPAIGN_REGISTRY', action: 'FAIL_WITH_CODE', failureCode: 'OSR_REJECTED' }],
    ['failureCode', { target: 'SMS_PLATFORM', action: 'FAIL_TIMES', times: 1, failureCode: 'INVALID_NNID' }],
    ['failureCode', { target: 'SMS_PLATFORM', action: 'FAIL_WITH_CODE', failureCode: 'CAMPAIGN_EXPIRED' }],
    ['failureCode', { target: 'CARRIER_REGISTRY', action: 'FAIL_WITH_CODE', failureCode: 'TFN_NOT_ALLOWED' }],
    ['failureCode', { target: 'CAMPAIGN_REGISTRY', action: 'FAIL_WITH_CODE', failureCode: 'NUMBER_PROVISIONING_FAILED' }],
    ['failureCode', { target: 'CAMPAIGN_REGISTRY', action: 'FAIL_WITH_CODE', failureCode: 'INVALID_NNID' }],
    ['delayMs', { target: 'CALLBACK_DELIVERY', action: 'DELAY' }],
    ['delayMs', { target: 'CALLBACK_DELIVERY', action: 'REORDER', delayMs: 0 }],
    ['delayMs', { target: 'CALLBACK_DELIVERY', action: 'DELAY', delayMs: 24 * 3600 * 1000 + 1 }],
    ['delayMs', { target: 'CALLBACK_DELIVERY', action: 'DROP', delayMs: 500 }],
    ['percent', { target: 'CALLBACK_DELIVERY', action: 'DROP', percent: 101 }],
    ['percent', { target: 'CALLBACK_DELIVERY', action: 'DROP', percent: '50' }],
    ['seed', { target: 'CALLBACK_DELIVERY', action: 'DROP', seed: 1.5 }],
    ['seed', { target: 'CALLBACK_DELIVERY', action: 'DROP', seed: '7' }],
    ['description', { target: 'CALLBACK_DELIVERY', action: 'DROP', description: 42 }],
    ['pattern', { target: 'CALLBACK_DELIVERY', action: 'DROP', pattern: '+1202' }],
  ];

  it.each(INVALID_BODIES)('invalid %s is a 400 naming it', async (field, body) => {
    const response = await api.createRule(body);
    expect(response.status).toBe(400);
    const error = (await response.json()) as ErrorBody;
    expect(error.status).toBe('INVALID_ARGUMENT');
    const fields = error.details?.[0]?.fieldViolations.map((violation) => violation.field) ?? [];
    expect(fields).toContain(field);
    expect(error.message).toContain(field);
  });

  it.each(Object.entries(FAULT_FAILURE_CODES))('%s rule takes only its own failure codes', async (target, allowed) => {
    const misfits = FAILURE_CODES.filter((code) => !allowed.includes(code));
    expect(misfits.length).toBeGreaterThan(0);
    for (const code of misfits) {
      const response = await api.createRule({ target, action: 'FAIL_WITH_CODE', failureCode: code });
      expect(response.status, code).toBe(400);
      const error = (await response.json()) as ErrorBody;
      expect(error.details?.[0]?.fieldViolations, code).toEqual([
        { field: 'failureCode', description: `"${code}" does not fit a ${target} rule; give one of ${allowed.join(', ')}.` },
      ]);
    }
    for (const code of allowed) {
      const rule = await api.addRule({ target, action: 'FAIL_WITH_CODE', failureCode: code, numberPattern: '+1999' });
      expect(rule.failureCode).toBe(code);
      const deleted = await service.admin(`/projects/${service.projectId}/faultRules/${rule.ruleId}`, { method: 'DELETE' });
      expect(deleted.status).toBe(200);
    }
  });

  it('missing failure code lists the target codes', async () => {
    const response = await api.createRule({ target: 'CARRIER_REGISTRY', action: 'FAIL_WITH_CODE' });
    expect(response.status).toBe(400);
    const error = (await response.json()) as ErrorBody;
    expect(error.details?.[0]?.fieldViolations).toEqual([
      { field: 'failureCode', description: 'is required for FAIL_WITH_CODE; a CARRIER_REGISTRY rule takes one of INVALID_NNID, NUMBER_PROVISIONING_FAILED, PARTNER_SERVICE_UNAVAILABLE.' },
    ]);
  });

  it('parallel creates stop at the rule limit', async () => {
    const created = await service.admin('/projects', { method: 'POST', body: JSON.stringify({ displayName: 'rule limit' }) });
    expect(created.status, await created.clone().text()).toBe(200);
    const { projectId } = (await created.json()) as { projectId: string };
    const rulesPath = `/projects/${projectId}/faultRules`;
    const body = JSON.stringify({ target: 'CALLBACK_DELIVERY', action: 'DROP', numberPattern: '+1999' });
    const prefilled = MAX_FAULT_RULES_PER_PROJECT - 10;
    for (let index = 0; index < prefilled; index += 1) {
      expect((await service.admin(rulesPath, { method: 'POST', body })).status).toBe(200);
    }

    const post = async () => {
      const response = await service.admin(rulesPath, { method: 'POST', body });
      return { status: response.status, body: (await response.json()) as ErrorBody };
    };
    const results = await Promise.all(Array.from({ length: 30 }, post));
    expect(results.filter((result) => result.status === 200)).toHaveLength(10);
    const rejected = results.filter((result) => result.status !== 200);
    expect(rejected).toHaveLength(20);
    for (const result of rejected) {
      expect(result.status).toBe(400);
      expect(result.body.status).toBe('FAILED_PRECONDITION');
      expect(result.body.message).toContain(`already has ${MAX_FAULT_RULES_PER_PROJECT} fault rules`);
    }
    const listed = await service.admin(rulesPath);
    expect(((await listed.json()) as { faultRules: RuleView[] }).faultRules).toHaveLength(MAX_FAULT_RULES_PER_PROJECT);
  });

  it('invalid bodies write no rule', async () => {
    expect(await api.rules()).toEqual([]);
    const notObject = await api.createRule([1, 2]);
    expect(notObject.status).toBe(400);
    expect(await api.rules()).toEqual([]);
  });

  it('unknown project is a 404', async () => {
    const response = await service.admin('/projects/no-such-project/faultRules');
    expect(response.status).toBe(404);
    const created = await service.admin('/projects/no-such-project/faultRules', {
      method: 'POST',
      body: JSON.stringify({ target: 'CALLBACK_DELIVERY', action: 'DROP' }),
    });
    expect(created.status).toBe(404);
  });

  it('created rule shows its defaults', async () => {
    const rule = await api.addRule({ target: 'CALLBACK_DELIVERY', action: 'DUPLICATE', numberPattern: '+1999', description: 'defaults' });
    expect(rule).toMatchObject({ target: 'CALLBACK_DELIVERY', action: 'DUPLICATE', numberPattern: '+1999', times: null, failureCode: '', delayMs: 0, percent: 100, seed: 0, hits: 0 });
    const deleted = await service.admin(`/projects/${service.projectId}/faultRules/${rule.ruleId}`, { method: 'DELETE' });
    expect(deleted.status).toBe(200);
    expect(await deleted.json()).toEqual({});
  });

  it('FAIL_TIMES 2 fails SMS twice then succeeds', async () => {
    const phoneNumber = '+12065550101';
    const retriedRuns = async () =>
      (await service.service.ctx.storage.db.selectFrom('job_runs').select('id').where('job_type', '=', 'sms_step').where('outcome', '=', 'retried').execute()).length;
    const retriedBefore = await retriedRuns();
    const rule = await api.addRule({ target: 'SMS_PLATFORM', action: 'FAIL_TIMES', times: 2, numberPattern: phoneNumber });

    await api.importNumber(phoneNumber, { servicePlanId: 'plan-a' }, callbackUrl);
    const view = await waitForSettled(api, phoneNumber, true);

    expect(view.smsProvisioning.state).toBe('DONE');
    expect((await api.rules()).find((listed) => listed.ruleId === rule.ruleId)?.hits).toBe(2);
    expect((await retriedRuns()) - retriedBefore).toBe(2);
    await receiver.waitFor((payloads) => payloads.some((payload) => payload.resourceId === phoneNumber && payload.status === 'SUCCEEDED'));
  });

  it('FAIL_WITH_CODE brings every failure code to the callbacks', async () => {
    const campaignCodes = FAILURE_CODES.filter((code) => !NON_CAMPAIGN_CODES.includes(code));
    const campaignNumbers = campaignCodes.map((_code, index) => `+1503555${String(100 + index).padStart(4, '0')}`);
    for (const [index, code] of campaignCodes.entries()) {
      await api.addRule({ target: 'CAMPAIGN_REGISTRY', action: 'FAIL_WITH_CODE', failureCode: code, numberPattern: campaignNumbers[index] });
    }
    // An SMS rule without a failure code gives the default code, and a rule with one gives that code.
    const smsDefaultNumber = '+15035550150';
    const smsCodedNumber = '+15035550151';
    await api.addRule({ target: 'SMS_PLATFORM', action: 'FAIL_WITH_CODE', failureCode: 'NUMBER_PROVISIONING_FAILED', numberPattern: smsDefaultNumber });
    await api.addRule({ target: 'SMS_PLATFORM', action: 'FAIL_WITH_CODE', failureCode: 'PARTNER_SERVICE_UNAVAILABLE', numberPattern: smsCodedNumber });
    const orderNumbers = [...campaignNumbers, smsDefaultNumber, smsCodedNumber];
    const created = await service.api('/hostingOrders:importNumbers', {
      method: 'POST',
      body: JSON.stringify({ numbers: orderNumbers, regionCode: 'US', servicePlanId: 'plan-a', campaignId: 'CAMPFAULT', callbackUrl }),
    });
    expect(created.status, await created.clone().text()).toBe(200);

    const osrNumber = '+15035550160';
    await api.addRule({ target: 'CARRIER_REGISTRY', action: 'FAIL_WITH_CODE', failureCode: 'INVALID_NNID', numberPattern: osrNumber });
    const added = await service.api('/qualifiedNumbers:addNumbers', { method: 'POST', body: JSON.stringify({ phoneNumbers: [osrNumber] }) });
    expect(added.status, await added.clone().text()).toBe(200);
    await waitUntil(
      async () => ((await (await service.api(`/qualifiedNumbers/${encodeURIComponent(osrNumber)}`)).json()) as { globalProcessState: string }).globalProcessState,
      (state) => state !== 'GLOBAL_PROCESS_STATE_ELIGIBLE_CHECK_PENDING',
    );
    const approved = await service.admin(`/projects/${service.projectId}/qualifiedNumbers/${encodeURIComponent(osrNumber)}:approveOwnership`, { method: 'POST' });
    expect(approved.status, await approved.clone().text()).toBe(200);
    const textEnable = await service.api('/hostingOrders:textEnableNumbers', {
      method: 'POST',
      body: JSON.stringify({ numbers: [osrNumber], regionCode: 'US', servicePlanId: 'plan-a', blanketLoaInfo: {}, callbackUrl }),
    });
    expect(textEnable.status, await textEnable.clone().text()).toBe(200);

    const label = (payload: Record<string, unknown>) => [payload.eventType, payload.status, payload.failureCode].filter((part) => part !== undefined).join(' ');
    const labelsOf = (phoneNumber: string) =>
      receiver
        .payloads()
        .filter((payload) => payload.resourceId === phoneNumber)
        .map(label)
        .sort();
    const allNumbers = [...orderNumbers, osrNumber];
    await receiver.waitFor(() => allNumbers.every((phoneNumber) => labelsOf(phoneNumber).some((text) => text.startsWith('HOSTING_PROCESS'))));

    for (const [index, code] of campaignCodes.entries()) {
      const phoneNumber = campaignNumbers[index] as string;
      expect(labelsOf(phoneNumber), code).toEqual([`HOSTING_PROCESS FAILED ${code}`, `LINK_TO_10DLC_CAMPAIGN FAILED ${code}`, 'PROVISIONING_TO_SMS_PLATFORM SUCCEEDED']);
      expect((await api.readNumber(phoneNumber)).campaignProvisioning.errorCode, code).toBe(code);
    }
    expect(labelsOf(smsDefaultNumber)).toEqual(['HOSTING_PROCESS FAILED NUMBER_PROVISIONING_FAILED', 'PROVISIONING_TO_SMS_PLATFORM FAILED']);
    expect(labelsOf(smsCodedNumber)).toEqual(['HOSTING_PROCESS FAILED PARTNER_SERVICE_UNAVAILABLE', 'PROVISIONING_TO_SMS_PLATFORM FAILED']);
    expect((await api.readNumber(smsCodedNumber)).smsProvisioning.errorCode).toBe('PARTNER_SERVICE_UNAVAILABLE');
    expect(labelsOf(osrNumber)).toEqual(['HOSTING_PROCESS FAILED INVALID_NNID', 'OSR_UPDATE FAILED INVALID_NNID']);

    const codesSeen = new Set(receiver.payloads().map((payload) => payload.failureCode).filter((code) => code !== undefined));
    expect([...codesSeen].sort()).toEqual([...FAILURE_CODES].sort());
  });

  it('numberPattern limits a rule to its prefix', async () => {
    await api.addRule({ target: 'SMS_PLATFORM', action: 'FAIL_WITH_CODE', failureCode: 'PARTNER_SERVICE_UNAVAILABLE', numberPattern: '+1212555' });
    await api.importNumber('+12125550120', { servicePlanId: 'plan-a' }, callbackUrl);
    await api.importNumber('+13125550120', { servicePlanId: 'plan-a' }, callbackUrl);

    const matched = await waitForSettled(api, '+12125550120');
    const other = await waitForSettled(api, '+13125550120');

    expect(matched.smsProvisioning.state).toBe('FAILED');
    expect(matched.smsProvisioning.errorCode).toBe('PARTNER_SERVICE_UNAVAILABLE');
    expect(other.smsProvisioning.state).toBe('DONE');
  });

  it('DROP records the drop and redelivery still works', async () => {
    const phoneNumber = '+14045550121';
    const rule = await api.addRule({ target: 'CALLBACK_DELIVERY', action: 'DROP', numberPattern: phoneNumber });
    await api.importNumber(phoneNumber, { servicePlanId: 'plan-a' }, callbackUrl);

    const [dropped] = await waitUntil(
      () => api.deliveries(phoneNumber),
      (deliveries) => deliveries.length === 1 && deliveries[0]?.deliveryState === 'FAILED',
    );
    expect(dropped?.attempts).toHaveLength(1);
    expect(dropped?.attempts[0]?.statusCode).toBeNull();
    expect(dropped?.attempts[0]?.error).toContain(`Dropped by fault rule ${rule.ruleId}`);
    const deliveryJobs = await service.service.ctx.storage.db
      .selectFrom('jobs')
      .select('id')
      .where('type', '=', 'deliver_callback')
      .where('payload', '=', JSON.stringify({ eventId: dropped?.eventId }))
      .execute();
    expect(deliveryJobs).toEqual([]);
    expect(receiver.payloads().filter((payload) => payload.resourceId === phoneNumber)).toEqual([]);

    const redelivered = await service.admin(`/projects/${service.projectId}/callbackDeliveries/${dropped?.eventId}:redeliver`, { method: 'POST' });
    expect(redelivered.status).toBe(200);
    await receiver.waitFor((payloads) => payloads.some((payload) => payload.eventId === dropped?.eventId));
    const [delivered] = await waitUntil(() => api.deliveries(phoneNumber), (deliveries) => deliveries[0]?.deliveryState === 'DELIVERED');
    expect(delivered?.attempts.map((attempt) => attempt.statusCode)).toEqual([null, 200]);
  });

  it('DELAY holds delivery until clock passes', async () => {
    const phoneNumber = '+14045550122';
    const rule = await api.addRule({ target: 'CALLBACK_DELIVERY', action: 'DELAY', delayMs: 3_600_000, numberPattern: phoneNumber });
    await api.importNumber(phoneNumber, { servicePlanId: 'plan-a' }, callbackUrl);

    const [held] = await waitUntil(() => api.deliveries(phoneNumber), (deliveries) => (deliveries[0]?.attempts.length ?? 0) === 1);
    expect(held?.attempts[0]?.error).toContain(`Held for 3600000 ms by fault rule ${rule.ruleId} (DELAY)`);
    expect(held?.deliveryState).toBe('PENDING');
    expect(receiver.payloads().filter((payload) => payload.resourceId === phoneNumber)).toEqual([]);

    await api.advanceClock(3600);
    await receiver.waitFor((payloads) => payloads.some((payload) => payload.eventId === held?.eventId));
    const [delivered] = await waitUntil(() => api.deliveries(phoneNumber), (deliveries) => deliveries[0]?.deliveryState === 'DELIVERED');
    expect(delivered?.attempts.map((attempt) => attempt.statusCode)).toEqual([null, 200]);
  });

  it('DUPLICATE sends identical bytes and signature twice', async () => {
    const secret = await service.api('/callbackConfiguration', { method: 'PATCH', body: JSON.stringify({ hmacSecret: 'fault-injection-secret' }) });
    expect(secret.status, await secret.clone().text()).toBe(200);
    const phoneNumber = '+14045550123';
    const rule = await api.addRule({ target: 'CALLBACK_DELIVERY', action: 'DUPLICATE', numberPattern: phoneNumber });
    await api.importNumber(phoneNumber, { servicePlanId: 'plan-a' }, callbackUrl);

    const forNumber = () => receiver.received.filter((callback) => callback.rawBody.toString('utf8').includes(phoneNumber));
    await receiver.waitFor(() => forNumber().length === 2);
    const [first, second] = forNumber();
    expect(second?.rawBody.equals(first?.rawBody as Buffer)).toBe(true);
    expect(first?.headers['x-sinch-signature']).toMatch(/^[0-9a-f]{40}$/);
    expect(second?.headers['x-sinch-signature']).toBe(first?.headers['x-sinch-signature']);

    const [delivery] = await waitUntil(() => api.deliveries(phoneNumber), (deliveries) => deliveries[0]?.attempts.length === 2);
    expect(delivery?.attempts.map((attempt) => attempt.statusCode)).toEqual([200, 200]);
    expect(delivery?.attempts[1]?.error).toContain(`sent by fault rule ${rule.ruleId} (DUPLICATE)`);
  });

  it('REORDER lets a later event overtake an earlier one', async () => {
    const phoneNumber = '+14045550124';
    const delayMs = 3000;
    const holdOf = (seed: number, eventType: string) => reorderHoldMs(faultFraction(seed, `hold:${deliverySubject(eventType, phoneNumber)}`), delayMs);
    // Finds the first seed that delays the SMS event at least 2 s longer than the later campaign event.
    let seed = 0;
    while (holdOf(seed, 'PROVISIONING_TO_SMS_PLATFORM') - holdOf(seed, 'LINK_TO_10DLC_CAMPAIGN') < 2000) {
      seed += 1;
    }
    const rule = await api.addRule({ target: 'CALLBACK_DELIVERY', action: 'REORDER', delayMs, seed, numberPattern: phoneNumber });
    await api.importNumber(phoneNumber, { servicePlanId: 'plan-a', campaignId: 'CAMPREORDER' }, callbackUrl);

    const eventTypes = () => receiver.payloads().filter((payload) => payload.resourceId === phoneNumber).map((payload) => payload.eventType);
    await receiver.waitFor(() => eventTypes().length === 2);
    expect(eventTypes()).toEqual(['LINK_TO_10DLC_CAMPAIGN', 'PROVISIONING_TO_SMS_PLATFORM']);
    const deliveries = await api.deliveries(phoneNumber);
    for (const delivery of deliveries) {
      expect(delivery.attempts[0]?.error).toContain(`Held for ${holdOf(seed, delivery.eventType)} ms by fault rule ${rule.ruleId} (REORDER)`);
    }
  });

  it('hits survive a service restart', async () => {
    const phoneNumber = '+16175550125';
    const rule = await api.addRule({ target: 'SMS_PLATFORM', action: 'FAIL_WITH_CODE', failureCode: 'NUMBER_PROVISIONING_FAILED', times: 1, numberPattern: phoneNumber });
    await api.importNumber(phoneNumber, { servicePlanId: 'plan-a' }, callbackUrl);
    expect((await waitForSettled(api, phoneNumber)).smsProvisioning.state).toBe('FAILED');

    await service.close();
    service = await startTestService(databaseUrl, { NUMBERHOST_ELIGIBILITY_DELAY_MS: '0' });
    api = client(service);
    expect((await api.rules()).find((listed) => listed.ruleId === rule.ruleId)?.hits).toBe(1);

    // The same service plan again retries the failed step; the rule has no hits left.
    const retry = await service.api(`/importedNumbers/${encodeURIComponent(phoneNumber)}`, { method: 'PATCH', body: JSON.stringify({ smsConfiguration: { servicePlanId: 'plan-a' } }) });
    expect(retry.status, await retry.clone().text()).toBe(200);
    expect((await waitForSettled(api, phoneNumber)).smsProvisioning.state).toBe('DONE');
    expect((await api.rules()).find((listed) => listed.ruleId === rule.ruleId)?.hits).toBe(1);
  });

  it('deleted rule no longer fires', async () => {
    const phoneNumber = '+16175550126';
    const rule = await api.addRule({ target: 'SMS_PLATFORM', action: 'FAIL_WITH_CODE', failureCode: 'PARTNER_SERVICE_UNAVAILABLE', numberPattern: phoneNumber });
    await api.importNumber(phoneNumber, { servicePlanId: 'plan-a' }, callbackUrl);
    expect((await waitForSettled(api, phoneNumber)).smsProvisioning.state).toBe('FAILED');

    const deleted = await service.admin(`/projects/${service.projectId}/faultRules/${rule.ruleId}`, { method: 'DELETE' });
    expect(deleted.status).toBe(200);
    expect((await api.rules()).map((listed) => listed.ruleId)).not.toContain(rule.ruleId);
    const again = await service.admin(`/projects/${service.projectId}/faultRules/${rule.ruleId}`, { method: 'DELETE' });
    expect(again.status).toBe(404);

    const retry = await service.api(`/importedNumbers/${encodeURIComponent(phoneNumber)}`, { method: 'PATCH', body: JSON.stringify({ smsConfiguration: { servicePlanId: 'plan-a' } }) });
    expect(retry.status, await retry.clone().text()).toBe(200);
    expect((await waitForSettled(api, phoneNumber)).smsProvisioning.state).toBe('DONE');
  });
});

describe('fault failure codes', () => {
  it('every spec failure code fits some target', () => {
    const reachable = new Set(Object.values(FAULT_FAILURE_CODES).flat());
    expect([...reachable].sort()).toEqual([...FAILURE_CODES].sort());
  });
});

describe.each(DIALECTS)('seeded selection on %s', (dialect) => {
  const SEED = 42;
  const PERCENT = 50;
  const numbers = Array.from({ length: 10 }, (_unused, index) => `+1704555${String(100 + index).padStart(4, '0')}`);

  /** Imports ten numbers under a 50% rule on a fresh database and returns those whose SMS step failed. */
  async function failedNumbersInFreshDatabase(): Promise<string[]> {
    const service = await startTestService(await newDatabaseUrl(dialect));
    try {
      const api = client(service);
      await api.addRule({ target: 'SMS_PLATFORM', action: 'FAIL_WITH_CODE', failureCode: 'NUMBER_PROVISIONING_FAILED', percent: PERCENT, seed: SEED, numberPattern: '+1704555' });
      for (const phoneNumber of numbers) {
        await api.importNumber(phoneNumber, { servicePlanId: 'plan-a' });
      }
      const failed: string[] = [];
      for (const phoneNumber of numbers) {
        if ((await waitForSettled(api, phoneNumber)).smsProvisioning.state === 'FAILED') {
          failed.push(phoneNumber);
        }
      }
      return failed;
    } finally {
      await service.close();
    }
  }

  it('same seed picks the same numbers', async () => {
    const predicted = numbers.filter((phoneNumber) => isSelected(SEED, PERCENT, phoneNumber));
    expect(predicted.length).toBeGreaterThan(0);
    expect(predicted.length).toBeLessThan(numbers.length);
    expect(numbers.filter((phoneNumber) => isSelected(SEED + 1, PERCENT, phoneNumber))).not.toEqual(predicted);

    const firstRun = await failedNumbersInFreshDatabase();
    const secondRun = await failedNumbersInFreshDatabase();

    expect(firstRun).toEqual(predicted);
    expect(secondRun).toEqual(predicted);
  });
});

describe.each(DIALECTS)('production mode on %s', (dialect) => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService(await newDatabaseUrl(dialect), {
      NUMBERHOST_MODE: 'production',
      SINCH_PROJECT_ID: 'prod-project',
      SINCH_KEY_ID: 'prod-key',
      SINCH_KEY_SECRET: 'prod-secret-0123456789',
    });
  });

  afterAll(async () => {
    await service?.close();
  });

  it('rejects rule creation', async () => {
    const response = await service.admin(`/projects/${service.projectId}/faultRules`, {
      method: 'POST',
      body: JSON.stringify({ target: 'SMS_PLATFORM', action: 'FAIL_TIMES', times: 1 }),
    });
    expect(response.status).toBe(400);
    const error = (await response.json()) as ErrorBody;
    expect(error.status).toBe('FAILED_PRECONDITION');
    expect(error.message).toContain('sandbox feature');
    const rows = await service.service.ctx.storage.db.selectFrom('fault_rules').select('id').execute();
    expect(rows).toEqual([]);
  });
});
