import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSpecAjv, schemaRef } from '../src/http/spec.js';
import { DIALECTS, newDatabaseUrl } from './helpers/databases.js';
import { expectFlatError, violatedFields } from './helpers/error-bodies.js';
import { CallbackReceiver } from './helpers/receiver.js';
import type { TestService } from './helpers/service.js';
import { startTestService, waitUntil } from './helpers/service.js';
import { assertMatchesSpec } from './helpers/spec-responses.js';

/** Long enough that an order stays IN_PROGRESS for several polls. */
const STEP_DELAY_MS = 200;
const ANY_ORDER = { states: 'HOSTING_ORDER_STATE_UNSPECIFIED', type: 'HOSTING_ORDER_TYPE_UNSPECIFIED', servicePlanId: '', campaignId: '' };
const ORDERS_PATH = '/v1/projects/p/hostingOrders';

interface OrderBody {
  hostingOrderId: string;
  projectId: string;
  state: string;
  type: string;
  regionCode: string;
  displayName: string;
  servicePlanId: string;
  campaignId: string;
  callbackUrl: string;
  createdTime: string;
  updatedTime: string;
}

interface OrderNumberBody {
  hostingOrderId: string;
  phoneNumber: string;
  osrUpdate: { nnid: string; state: string };
  platformProvisioning: { servicePlanId: string; state: string };
  campaignProvisioning: { campaignId: string; state: string };
}

interface OrderListBody {
  hostingOrders: OrderBody[];
  nextPageToken: string;
  totalSize: number;
}

interface NumberListBody {
  numbers: OrderNumberBody[];
  nextPageToken: string;
  totalSize: number;
}

const callbackAjv = createSpecAjv();
const validateCallbackPayload = callbackAjv.compile(schemaRef('CallbackPayload'));

function numbersFrom(firstLine: number, count: number, areaCode = '303'): string[] {
  return Array.from({ length: count }, (_, index) => `+1${areaCode}5550${String(firstLine + index).padStart(3, '0')}`);
}

describe.each(DIALECTS)('hosting orders API on %s', (dialect) => {
  let service: TestService;
  const receiver = new CallbackReceiver();
  let callbackUrl: string;

  function createOrder(body: Record<string, unknown>, target: TestService = service): Promise<Response> {
    return target.api('/hostingOrders:importNumbers', { method: 'POST', body: JSON.stringify(body) });
  }

  async function createdOrder(body: Record<string, unknown>): Promise<OrderBody> {
    const response = await createOrder(body);
    const order = (await response.json()) as OrderBody;
    expect(response.status, JSON.stringify(order)).toBe(200);
    assertMatchesSpec('POST', `${ORDERS_PATH}:importNumbers`, 200, order);
    return order;
  }

  async function getOrder(hostingOrderId: string): Promise<OrderBody> {
    const response = await service.api(`/hostingOrders/${hostingOrderId}`);
    const order = (await response.json()) as OrderBody;
    expect(response.status).toBe(200);
    assertMatchesSpec('GET', `${ORDERS_PATH}/${hostingOrderId}`, 200, order);
    return order;
  }

  function waitForCompletion(hostingOrderId: string): Promise<OrderBody> {
    return waitUntil(() => getOrder(hostingOrderId), (order) => order.state === 'COMPLETED');
  }

  async function listOrders(filters: Record<string, string>): Promise<OrderListBody> {
    const response = await service.api(`/hostingOrders?${new URLSearchParams(filters).toString()}`);
    const body = (await response.json()) as OrderListBody;
    expect(response.status, JSON.stringify(body)).toBe(200);
    assertMatchesSpec('GET', ORDERS_PATH, 200, body);
    return body;
  }

  async function listNumbers(hostingOrderId: string, query: string): Promise<NumberListBody> {
    const response = await service.api(`/hostingOrders/${hostingOrderId}/numbers?${query}`);
    const body = (await response.json()) as NumberListBody;
    expect(response.status, JSON.stringify(body)).toBe(200);
    assertMatchesSpec('GET', `${ORDERS_PATH}/${hostingOrderId}/numbers`, 200, body);
    return body;
  }

  async function importedNumberStatus(phoneNumber: string): Promise<number> {
    return (await service.api(`/importedNumbers/${encodeURIComponent(phoneNumber)}`)).status;
  }

  beforeAll(async () => {
    service = await startTestService(await newDatabaseUrl(dialect), { NUMBERHOST_STEP_DELAY_MS: String(STEP_DELAY_MS) });
    callbackUrl = await receiver.start();
  });

  afterAll(async () => {
    await service.close();
    await receiver.stop();
  });

  describe('import order lifecycle', () => {
    const numbers = numbersFrom(101, 3);
    let created: OrderBody;
    const statesSeen: string[] = [];

    beforeAll(async () => {
      created = await createdOrder({ numbers, regionCode: 'US', servicePlanId: 'plan-a', campaignId: 'CAMPH', displayName: 'Denver lines', callbackUrl });
      statesSeen.push(created.state);
      await waitUntil(
        async () => {
          const { state } = await getOrder(created.hostingOrderId);
          if (statesSeen.at(-1) !== state) {
            statesSeen.push(state);
          }
          return state;
        },
        (state) => state === 'COMPLETED',
        20_000,
        10,
      );
    });

    it('creates a SUBMITTED IMPORT order', () => {
      assertMatchesSpec('POST', `${ORDERS_PATH}:importNumbers`, 200, created);
      expect(created.state).toBe('SUBMITTED');
      expect(created.type).toBe('IMPORT');
      expect(created.hostingOrderId).toMatch(/^[0-9a-z]{26}$/);
      expect(created.projectId).toBe(service.projectId);
      expect(created).toMatchObject({ regionCode: 'US', servicePlanId: 'plan-a', campaignId: 'CAMPH', displayName: 'Denver lines', callbackUrl });
    });

    it('goes SUBMITTED, IN_PROGRESS, COMPLETED', () => {
      expect(statesSeen).toEqual(['SUBMITTED', 'IN_PROGRESS', 'COMPLETED']);
    });

    it('GET returns the spec HostingOrder', async () => {
      const order = await getOrder(created.hostingOrderId);

      assertMatchesSpec('GET', `${ORDERS_PATH}/${created.hostingOrderId}`, 200, order);
      expect(order.state).toBe('COMPLETED');
      expect(Date.parse(order.updatedTime)).toBeGreaterThan(Date.parse(order.createdTime));
      expect(order.createdTime).toBe(created.createdTime);
    });

    it('reports every step DONE', async () => {
      const response = await service.api(`/hostingOrders/${created.hostingOrderId}/report`);
      const report = await response.json();

      expect(response.status).toBe(200);
      assertMatchesSpec('GET', `${ORDERS_PATH}/${created.hostingOrderId}/report`, 200, report);
      expect(report).toEqual({ total: 3, osrUpdated: 3, smsProvisioned: 3, addedToCampaign: 3, ongoingManualAction: 0 });
    });

    it('lists every number with every step DONE', async () => {
      const body = await listNumbers(created.hostingOrderId, '');

      expect(body.totalSize).toBe(3);
      expect(body.nextPageToken).toBe('');
      expect(body.numbers.map((number) => number.phoneNumber)).toEqual(numbers);
      for (const number of body.numbers) {
        expect(number.hostingOrderId).toBe(created.hostingOrderId);
        expect(number.osrUpdate.state).toBe('DONE');
        expect(number.platformProvisioning).toEqual({ servicePlanId: 'plan-a', state: 'DONE' });
        expect(number.campaignProvisioning).toEqual({ campaignId: 'CAMPH', state: 'DONE' });
      }
    });

    it('GET one order number', async () => {
      const phoneNumber = numbers[1] as string;
      const encoded = await service.api(`/hostingOrders/${created.hostingOrderId}/numbers/${encodeURIComponent(phoneNumber)}`);
      const raw = await service.api(`/hostingOrders/${created.hostingOrderId}/numbers/${phoneNumber}`);
      const body = (await encoded.json()) as OrderNumberBody;

      expect(encoded.status).toBe(200);
      expect(raw.status).toBe(200);
      expect(await raw.json()).toEqual(body);
      assertMatchesSpec('GET', `${ORDERS_PATH}/${created.hostingOrderId}/numbers/${phoneNumber}`, 200, body);
      expect(body.phoneNumber).toBe(phoneNumber);
      expect(body.osrUpdate).toMatchObject({ state: 'DONE' });
      expect(body.osrUpdate.nnid).not.toBe('');
    });

    it('GET a number outside the order is 404', async () => {
      const response = await service.api(`/hostingOrders/${created.hostingOrderId}/numbers/%2B13035550199`);
      const body = await expectFlatError(response, 404, 'NOT_FOUND');

      assertMatchesSpec('GET', `${ORDERS_PATH}/${created.hostingOrderId}/numbers/+13035550199`, 404, body);
    });

    it.each([
      { query: 'platformProvisioningState=DONE', count: 3 },
      { query: 'platformProvisioningState=FAILED', count: 0 },
      { query: 'campaignProvisioningState=DONE', count: 3 },
      { query: 'campaignProvisioningState=IN_PROGRESS', count: 0 },
      { query: 'osrUpdateState=DONE', count: 3 },
      { query: 'osrUpdateState=WAITING', count: 0 },
      { query: 'osrUpdateState=STATE_UNSPECIFIED', count: 3 },
    ])('numbers filtered by $query: $count', async ({ query, count }) => {
      const body = await listNumbers(created.hostingOrderId, query);

      expect(body.numbers).toHaveLength(count);
      expect(body.totalSize).toBe(count);
    });

    it('pages the numbers', async () => {
      const first = await listNumbers(created.hostingOrderId, 'pageSize=2');
      const second = await listNumbers(created.hostingOrderId, `pageSize=2&pageToken=${encodeURIComponent(first.nextPageToken)}`);

      expect(first.numbers).toHaveLength(2);
      expect(first.nextPageToken).not.toBe('');
      expect(second.numbers).toHaveLength(1);
      expect(second.nextPageToken).toBe('');
      expect([...first.numbers, ...second.numbers].map((number) => number.phoneNumber)).toEqual(numbers);
    });

    it('sends HOSTING_PROCESS for every number', async () => {
      await receiver.waitFor((payloads) => numbers.every((phoneNumber) => payloads.some((p) => p.resourceId === phoneNumber && p.eventType === 'HOSTING_PROCESS')));
      const hosting = receiver.payloads().filter((payload) => payload.eventType === 'HOSTING_PROCESS' && numbers.includes(String(payload.resourceId)));

      expect(hosting.map((payload) => payload.resourceId).sort()).toEqual(numbers);
      for (const payload of hosting) {
        expect(payload).toMatchObject({ resourceType: 'HOSTING_ORDER_NUMBER', status: 'SUCCEEDED', projectId: service.projectId });
        expect(payload).not.toHaveProperty('failureCode');
        expect(validateCallbackPayload(payload), callbackAjv.errorsText(validateCallbackPayload.errors)).toBe(true);
      }
    });

    it('sends step callbacks as HOSTING_ORDER_NUMBER', async () => {
      await receiver.waitFor((payloads) => payloads.filter((p) => p.eventType === 'LINK_TO_10DLC_CAMPAIGN' && numbers.includes(String(p.resourceId))).length === 3);
      const steps = receiver
        .payloads()
        .filter((payload) => numbers.includes(String(payload.resourceId)) && payload.eventType !== 'HOSTING_PROCESS');

      expect(steps.map((payload) => payload.eventType).sort()).toEqual([
        ...Array(3).fill('LINK_TO_10DLC_CAMPAIGN'),
        ...Array(3).fill('PROVISIONING_TO_SMS_PLATFORM'),
      ]);
      expect(steps.every((payload) => payload.resourceType === 'HOSTING_ORDER_NUMBER')).toBe(true);
    });

    it('makes every number an imported number', async () => {
      for (const phoneNumber of numbers) {
        const response = await service.api(`/importedNumbers/${encodeURIComponent(phoneNumber)}`);
        const body = (await response.json()) as { smsConfiguration: { servicePlanId: string; campaignId: string } };

        expect(response.status).toBe(200);
        expect(body.smsConfiguration).toMatchObject({ servicePlanId: 'plan-a', campaignId: 'CAMPH' });
      }
    });

    it.each(['', '/report', '/numbers'])('unknown order%s is 404', async (suffix) => {
      const path = `/hostingOrders/01jzzzzzzzzzzzzzzzzzzzzzzz${suffix}`;
      const body = await expectFlatError(await service.api(path), 404, 'NOT_FOUND');

      assertMatchesSpec('GET', `/v1/projects/p${path}`, 404, body);
    });
  });

  describe('order size limit', () => {
    const six = numbersFrom(111, 6);

    it('rejects 6 numbers naming numbers', async () => {
      const before = await listOrders(ANY_ORDER);
      const response = await createOrder({ numbers: six, regionCode: 'US', servicePlanId: 'plan-a' });
      const body = await expectFlatError(response, 400, 'INVALID_ARGUMENT');

      expect(violatedFields(body)).toEqual(['numbers']);
      expect(body.details?.[0]?.fieldViolations[0]?.description).toContain('at most 5');
      expect((await listOrders(ANY_ORDER)).totalSize).toBe(before.totalSize);
      for (const phoneNumber of six) {
        expect(await importedNumberStatus(phoneNumber)).toBe(404);
      }
    });

    it('allows 6 after the limit is raised', async () => {
      const raised = await service.admin(`/projects/${service.projectId}`, { method: 'PATCH', body: JSON.stringify({ importOrderLimit: 10 }) });
      expect(raised.status).toBe(200);
      expect(((await raised.json()) as { importOrderLimit: number }).importOrderLimit).toBe(10);

      const order = await createdOrder({ numbers: six, regionCode: 'US', servicePlanId: 'plan-a' });
      const finished = await waitForCompletion(order.hostingOrderId);
      const report = await (await service.api(`/hostingOrders/${order.hostingOrderId}/report`)).json();

      expect(finished.state).toBe('COMPLETED');
      expect(report).toMatchObject({ total: 6, smsProvisioned: 6 });
    });

    it('still rejects more than the raised limit', async () => {
      const response = await createOrder({ numbers: numbersFrom(121, 11), regionCode: 'US', servicePlanId: 'plan-a' });
      const body = await expectFlatError(response, 400, 'INVALID_ARGUMENT');

      expect(violatedFields(body)).toEqual(['numbers']);
      expect(body.details?.[0]?.fieldViolations[0]?.description).toContain('at most 10');
    });

    it('keeps the limit of other projects', async () => {
      const projectResponse = await service.admin('/projects', { method: 'POST', body: JSON.stringify({ displayName: 'other' }) });
      const { projectId } = (await projectResponse.json()) as { projectId: string };
      const key = (await (await service.admin(`/projects/${projectId}/accessKeys`, { method: 'POST' })).json()) as { keyId: string; keySecret: string };
      const response = await fetch(`${service.baseUrl}/v1/projects/${projectId}/hostingOrders:importNumbers`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${key.keyId}:${key.keySecret}`).toString('base64')}`, 'content-type': 'application/json' },
        body: JSON.stringify({ numbers: numbersFrom(131, 6), regionCode: 'US', servicePlanId: 'plan-a' }),
      });
      const body = await expectFlatError(response, 400, 'INVALID_ARGUMENT');

      expect(violatedFields(body)).toEqual(['numbers']);
    });
  });

  describe('already imported number', () => {
    const taken = '+13035550141';
    const free = '+13035550142';

    beforeAll(async () => {
      const imported = await service.api('/importedNumbers', {
        method: 'POST',
        body: JSON.stringify({ phoneNumber: taken, regionCode: 'US', smsConfiguration: { servicePlanId: 'plan-a' } }),
      });
      expect(imported.status).toBe(200);
    });

    it('gives 409 and creates no order', async () => {
      const before = await listOrders(ANY_ORDER);
      const response = await createOrder({ numbers: [free, taken], regionCode: 'US', servicePlanId: 'plan-a' });
      const body = await expectFlatError(response, 409, 'ALREADY_EXISTS');

      expect(body.message).toContain(taken);
      expect((await listOrders(ANY_ORDER)).totalSize).toBe(before.totalSize);
      expect(await importedNumberStatus(free)).toBe(404);
    });
  });

  describe('concurrent orders', () => {
    it('two orders sharing a number: one 200, one 409', async () => {
      const shared = '+13035550145';
      const responses = await Promise.all([
        createOrder({ numbers: ['+13035550143', shared], regionCode: 'US', servicePlanId: 'plan-a' }),
        createOrder({ numbers: ['+13035550144', shared], regionCode: 'US', servicePlanId: 'plan-a' }),
      ]);
      const statuses = responses.map((response) => response.status).sort();
      const winner = responses.find((response) => response.status === 200);
      const order = (await winner?.json()) as OrderBody;
      const numbers = await listNumbers(order.hostingOrderId, '');
      const loserOwnNumber = numbers.numbers.some((number) => number.phoneNumber === '+13035550143') ? '+13035550144' : '+13035550143';

      expect(statuses).toEqual([200, 409]);
      expect(numbers.totalSize).toBe(2);
      expect(await importedNumberStatus(loserOwnNumber)).toBe(404);
      await waitForCompletion(order.hostingOrderId);
    });
  });

  describe('numbers of an unfinished order', () => {
    const numbers = numbersFrom(146, 2);
    let order: OrderBody;

    beforeAll(async () => {
      order = await createdOrder({ numbers, regionCode: 'US', servicePlanId: 'plan-a', campaignId: 'CAMPH' });
    });

    afterAll(async () => {
      await waitForCompletion(order.hostingOrderId);
    });

    it('refuses a link change while the order runs', async () => {
      const response = await service.api(`/importedNumbers/${encodeURIComponent(numbers[0] as string)}`, {
        method: 'PATCH',
        body: JSON.stringify({ smsConfiguration: { campaignId: '' } }),
      });
      const body = await expectFlatError(response, 400, 'FAILED_PRECONDITION');

      expect(violatedFields(body)).toEqual(['smsConfiguration']);
      expect(body.message).toContain(order.hostingOrderId);
    });

    it('refuses a delete while the order runs', async () => {
      const response = await service.api(`/importedNumbers/${encodeURIComponent(numbers[1] as string)}`, { method: 'DELETE' });
      const body = await expectFlatError(response, 400, 'FAILED_PRECONDITION');

      expect(violatedFields(body)).toEqual(['phoneNumber']);
    });

    it('completes with both numbers linked', async () => {
      await waitForCompletion(order.hostingOrderId);
      const report = await (await service.api(`/hostingOrders/${order.hostingOrderId}/report`)).json();

      expect(report).toEqual({ total: 2, osrUpdated: 2, smsProvisioned: 2, addedToCampaign: 2, ongoingManualAction: 0 });
    });
  });

  describe('order with a failing number', () => {
    const succeeding = '+13035550161';
    /** Sandbox magic line 0184: SMS platform provisioning fails. */
    const failing = '+13035550184';
    let order: OrderBody;

    beforeAll(async () => {
      order = await createdOrder({ numbers: [succeeding, failing], regionCode: 'US', servicePlanId: 'plan-a', campaignId: 'CAMPH', callbackUrl });
      await waitForCompletion(order.hostingOrderId);
    });

    it('still completes', async () => {
      expect((await getOrder(order.hostingOrderId)).state).toBe('COMPLETED');
    });

    it('reports the failed number', async () => {
      const report = await (await service.api(`/hostingOrders/${order.hostingOrderId}/report`)).json();

      expect(report).toEqual({ total: 2, osrUpdated: 2, smsProvisioned: 1, addedToCampaign: 1, ongoingManualAction: 0 });
    });

    it('filters the failed number by state', async () => {
      const failed = await listNumbers(order.hostingOrderId, 'platformProvisioningState=FAILED');

      expect(failed.numbers.map((number) => number.phoneNumber)).toEqual([failing]);
      expect(failed.numbers[0]?.campaignProvisioning.state).toBe('FAILED');
    });

    it('sends HOSTING_PROCESS FAILED for it', async () => {
      await receiver.waitFor((payloads) => payloads.some((p) => p.resourceId === failing && p.eventType === 'HOSTING_PROCESS'));
      const failed = receiver.payloads().find((payload) => payload.resourceId === failing && payload.eventType === 'HOSTING_PROCESS');

      expect(failed).toMatchObject({ resourceType: 'HOSTING_ORDER_NUMBER', status: 'FAILED', failureCode: 'NUMBER_PROVISIONING_FAILED' });
    });
  });

  describe('list hosting orders', () => {
    let planAOrder: OrderBody;
    let planBOrder: OrderBody;

    beforeAll(async () => {
      planAOrder = await createdOrder({ numbers: numbersFrom(151, 1), regionCode: 'US', servicePlanId: 'plan-list-a', campaignId: 'CAMPL' });
      planBOrder = await createdOrder({ numbers: numbersFrom(152, 1, '416'), regionCode: 'CA', servicePlanId: 'plan-list-b' });
      await waitForCompletion(planAOrder.hostingOrderId);
      await waitForCompletion(planBOrder.hostingOrderId);
    });

    it.each(['states', 'type', 'servicePlanId', 'campaignId'])('requires %s', async (missing) => {
      const filters = Object.fromEntries(Object.entries(ANY_ORDER).filter(([name]) => name !== missing));
      const response = await service.api(`/hostingOrders?${new URLSearchParams(filters).toString()}`);
      const body = await expectFlatError(response, 400, 'INVALID_ARGUMENT');

      expect(violatedFields(body)).toEqual([missing]);
    });

    it('names each missing filter', async () => {
      const body = await expectFlatError(await service.api('/hostingOrders'), 400, 'INVALID_ARGUMENT');

      expect(violatedFields(body)).toEqual(['states', 'type', 'servicePlanId', 'campaignId']);
    });

    it('UNSPECIFIED and empty ids match any', async () => {
      const body = await listOrders(ANY_ORDER);
      const ids = body.hostingOrders.map((order) => order.hostingOrderId);

      expect(ids).toContain(planAOrder.hostingOrderId);
      expect(ids).toContain(planBOrder.hostingOrderId);
      expect(body.totalSize).toBe(body.hostingOrders.length);
    });

    it('filters by servicePlanId', async () => {
      const body = await listOrders({ ...ANY_ORDER, servicePlanId: 'plan-list-b' });

      expect(body.hostingOrders.map((order) => order.hostingOrderId)).toEqual([planBOrder.hostingOrderId]);
    });

    it('filters by campaignId', async () => {
      const body = await listOrders({ ...ANY_ORDER, campaignId: 'CAMPL' });

      expect(body.hostingOrders.map((order) => order.hostingOrderId)).toEqual([planAOrder.hostingOrderId]);
    });

    it('filters by regionCode', async () => {
      const body = await listOrders({ ...ANY_ORDER, regionCode: 'CA' });

      expect(body.hostingOrders.map((order) => order.hostingOrderId)).toEqual([planBOrder.hostingOrderId]);
    });

    it.each([
      { states: 'COMPLETED', type: 'IMPORT', count: 1 },
      { states: 'SUBMITTED', type: 'HOSTING_ORDER_TYPE_UNSPECIFIED', count: 0 },
      { states: 'HOSTING_ORDER_STATE_UNSPECIFIED', type: 'TYPE_TEXT_ENABLE', count: 0 },
      { states: 'HOSTING_ORDER_STATE_UNSPECIFIED', type: 'IMPORT', count: 1 },
    ])('filters states $states and type $type', async ({ states, type, count }) => {
      const body = await listOrders({ ...ANY_ORDER, servicePlanId: 'plan-list-a', states, type });

      expect(body.hostingOrders).toHaveLength(count);
      expect(body.totalSize).toBe(count);
    });

    it('pages by one', async () => {
      const all = await listOrders(ANY_ORDER);
      const paged: string[] = [];
      let pageToken = '';
      let pages = 0;
      do {
        const page = await listOrders({ ...ANY_ORDER, pageSize: '1', ...(pageToken === '' ? {} : { pageToken }) });
        expect(page.hostingOrders).toHaveLength(1);
        expect(page.totalSize).toBe(all.totalSize);
        paged.push(...page.hostingOrders.map((order) => order.hostingOrderId));
        pageToken = page.nextPageToken;
        pages += 1;
      } while (pageToken !== '' && pages <= all.totalSize);

      expect(pages).toBe(all.totalSize);
      expect(paged).toEqual(all.hostingOrders.map((order) => order.hostingOrderId));
    });
  });
});
