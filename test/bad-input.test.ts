import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, newDatabaseUrl } from './helpers/databases.js';
import { expectFlatError, violatedFields } from './helpers/error-bodies.js';
import type { TestService } from './helpers/service.js';
import { startTestService, waitUntil } from './helpers/service.js';
import { assertMatchesSpec } from './helpers/spec-responses.js';

/** Ids created before the table runs, for cases whose path or query needs them. */
interface Seed {
  hostingOrderId: string;
  /** nextPageToken of GET /importedNumbers?pageSize=1 (no other filter). */
  pageToken: string;
}

interface BadInputCase {
  name: string;
  method: 'GET' | 'POST' | 'PATCH';
  /** Path after /v1/projects/{projectId}, query included. */
  path: string | ((seed: Seed) => string);
  body?: unknown;
  /** Every field the 400 must name, in order. */
  fields: string[];
  status?: 'INVALID_ARGUMENT' | 'FAILED_PRECONDITION';
  /** Text the first field violation's description must contain. */
  hint?: string;
}

const SEEDED_NUMBER = '+12025550134';
const ORDER_NUMBERS = ['+12025550171', '+12025550172'];
const ANY_ORDER = 'states=HOSTING_ORDER_STATE_UNSPECIFIED&type=HOSTING_ORDER_TYPE_UNSPECIFIED&servicePlanId=&campaignId=';

const importBody = (overrides: Record<string, unknown>): Record<string, unknown> => ({
  phoneNumber: '+12025550150',
  regionCode: 'US',
  smsConfiguration: { servicePlanId: 'plan-a' },
  ...overrides,
});
const importPhone = (phoneNumber: unknown): BadInputCase['body'] => importBody({ phoneNumber });
const orderBody = (overrides: Record<string, unknown>): Record<string, unknown> => ({
  numbers: ['+12025550160'],
  regionCode: 'US',
  servicePlanId: 'plan-a',
  ...overrides,
});
const { phoneNumber: _omittedPhone, ...importWithoutPhone } = importBody({});
const { regionCode: _omittedRegion, ...importWithoutRegion } = importBody({});
const { smsConfiguration: _omittedSms, ...importWithoutSms } = importBody({});
const { numbers: _omittedNumbers, ...orderWithoutNumbers } = orderBody({});
const { servicePlanId: _omittedPlan, ...orderWithoutPlan } = orderBody({});
const SIX_NUMBERS = ['+12025550161', '+12025550162', '+12025550163', '+12025550164', '+12025550165', '+12025550166'];

const CASES: BadInputCase[] = [
  // POST /importedNumbers: phone number syntax and region.
  { name: 'number without "+"', method: 'POST', path: '/importedNumbers', body: importPhone('12025550150'), fields: ['phoneNumber'], hint: 'Did you mean +12025550150?' },
  { name: 'number with spaces', method: 'POST', path: '/importedNumbers', body: importPhone('+1 202 555 0150'), fields: ['phoneNumber'], hint: 'Did you mean +12025550150?' },
  { name: 'number with punctuation', method: 'POST', path: '/importedNumbers', body: importPhone('+1 (202) 555-0150'), fields: ['phoneNumber'], hint: 'no spaces or punctuation' },
  { name: 'Arabic-Indic digits', method: 'POST', path: '/importedNumbers', body: importPhone('+١٢٠٢٥٥٥٠١٥٠'), fields: ['phoneNumber'], hint: 'ASCII digits' },
  { name: 'full-width digits', method: 'POST', path: '/importedNumbers', body: importPhone('+１２０２５５５０１５０'), fields: ['phoneNumber'], hint: 'Did you mean +12025550150?' },
  { name: 'doubled country code', method: 'POST', path: '/importedNumbers', body: importPhone('+112025550150'), fields: ['phoneNumber'], hint: 'Did you mean +12025550150?' },
  { name: 'non-NANP number', method: 'POST', path: '/importedNumbers', body: importPhone('+442071838750'), fields: ['phoneNumber'], hint: '+1' },
  { name: 'Jamaican number as US', method: 'POST', path: '/importedNumbers', body: importPhone('+18765550150'), fields: ['phoneNumber'], hint: 'JM' },
  { name: 'Canadian area code as US', method: 'POST', path: '/importedNumbers', body: importPhone('+14165550150'), fields: ['phoneNumber'], hint: 'regionCode to "CA"' },
  { name: 'area code starting 0', method: 'POST', path: '/importedNumbers', body: importPhone('+10255550150'), fields: ['phoneNumber'], hint: '2 to 9' },
  { name: 'area code starting 1', method: 'POST', path: '/importedNumbers', body: importPhone('+11255550150'), fields: ['phoneNumber'], hint: '2 to 9' },
  { name: 'exchange starting 0', method: 'POST', path: '/importedNumbers', body: importPhone('+12020550150'), fields: ['phoneNumber'], hint: '2 to 9' },
  { name: 'exchange starting 1', method: 'POST', path: '/importedNumbers', body: importPhone('+12021550150'), fields: ['phoneNumber'], hint: '2 to 9' },
  { name: 'number too long', method: 'POST', path: '/importedNumbers', body: importPhone('+120255501501'), fields: ['phoneNumber'], hint: '11 digits' },
  { name: 'number too short', method: 'POST', path: '/importedNumbers', body: importPhone('+1202555015'), fields: ['phoneNumber'], hint: '9 digits' },
  { name: 'number as JSON number', method: 'POST', path: '/importedNumbers', body: importPhone(12025550150), fields: ['phoneNumber'] },
  // POST /importedNumbers: required fields, enums, types and sizes.
  { name: 'missing phoneNumber', method: 'POST', path: '/importedNumbers', body: importWithoutPhone, fields: ['phoneNumber'] },
  { name: 'missing regionCode', method: 'POST', path: '/importedNumbers', body: importWithoutRegion, fields: ['regionCode'] },
  { name: 'missing smsConfiguration', method: 'POST', path: '/importedNumbers', body: importWithoutSms, fields: ['smsConfiguration'] },
  { name: 'missing servicePlanId', method: 'POST', path: '/importedNumbers', body: importBody({ smsConfiguration: {} }), fields: ['smsConfiguration.servicePlanId'] },
  { name: 'regionCode GB', method: 'POST', path: '/importedNumbers', body: importBody({ regionCode: 'GB' }), fields: ['regionCode'] },
  { name: 'smsConfiguration as array', method: 'POST', path: '/importedNumbers', body: importBody({ smsConfiguration: [] }), fields: ['smsConfiguration'] },
  { name: '10,000-character displayName', method: 'POST', path: '/importedNumbers', body: importBody({ displayName: 'd'.repeat(10_000) }), fields: ['displayName'], hint: '10000 characters' },
  {
    name: '100 KB servicePlanId',
    method: 'POST',
    path: '/importedNumbers',
    body: importBody({ smsConfiguration: { servicePlanId: 'p'.repeat(100 * 1024) } }),
    fields: ['smsConfiguration.servicePlanId'],
  },
  { name: 'body as array', method: 'POST', path: '/importedNumbers', body: [importBody({})], fields: ['(body)'] },

  // POST /hostingOrders:importNumbers.
  { name: 'empty numbers array', method: 'POST', path: '/hostingOrders:importNumbers', body: orderBody({ numbers: [] }), fields: ['numbers'] },
  { name: 'six numbers in an order', method: 'POST', path: '/hostingOrders:importNumbers', body: orderBody({ numbers: SIX_NUMBERS }), fields: ['numbers'], hint: 'at most 5' },
  {
    name: 'duplicate in one order',
    method: 'POST',
    path: '/hostingOrders:importNumbers',
    body: orderBody({ numbers: ['+12025550160', '+12025550160'] }),
    fields: ['numbers[1]'],
    hint: 'listed twice',
  },
  { name: 'numbers as object', method: 'POST', path: '/hostingOrders:importNumbers', body: orderBody({ numbers: { first: '+12025550160' } }), fields: ['numbers'] },
  { name: 'numbers as string', method: 'POST', path: '/hostingOrders:importNumbers', body: orderBody({ numbers: '+12025550160' }), fields: ['numbers'] },
  { name: 'order number as JSON number', method: 'POST', path: '/hostingOrders:importNumbers', body: orderBody({ numbers: [12025550160] }), fields: ['numbers[0]'] },
  { name: 'order number with spaces', method: 'POST', path: '/hostingOrders:importNumbers', body: orderBody({ numbers: ['+12025550160', '+1 202 555 0161'] }), fields: ['numbers[1]'] },
  { name: 'order Canadian number as US', method: 'POST', path: '/hostingOrders:importNumbers', body: orderBody({ numbers: ['+14165550160'] }), fields: ['numbers[0]'] },
  { name: 'order missing numbers', method: 'POST', path: '/hostingOrders:importNumbers', body: orderWithoutNumbers, fields: ['numbers'] },
  { name: 'order missing servicePlanId', method: 'POST', path: '/hostingOrders:importNumbers', body: orderWithoutPlan, fields: ['servicePlanId'] },
  { name: 'order regionCode GB', method: 'POST', path: '/hostingOrders:importNumbers', body: orderBody({ regionCode: 'GB' }), fields: ['regionCode'] },
  { name: 'order campaignId as number', method: 'POST', path: '/hostingOrders:importNumbers', body: orderBody({ campaignId: 7 }), fields: ['campaignId'] },

  // PATCH /importedNumbers/{phoneNumber}.
  { name: 'PATCH 10,000-character displayName', method: 'PATCH', path: '/importedNumbers/%2B12025550134', body: { displayName: 'd'.repeat(10_000) }, fields: ['displayName'] },
  { name: 'PATCH servicePlanId as number', method: 'PATCH', path: '/importedNumbers/%2B12025550134', body: { smsConfiguration: { servicePlanId: 5 } }, fields: ['smsConfiguration.servicePlanId'] },
  { name: 'PATCH smsConfiguration as string', method: 'PATCH', path: '/importedNumbers/%2B12025550134', body: { smsConfiguration: 'plan-a' }, fields: ['smsConfiguration'] },
  { name: 'PATCH body as array', method: 'PATCH', path: '/importedNumbers/%2B12025550134', body: [{ displayName: 'x' }], fields: ['(body)'] },
  { name: 'PATCH other regionCode', method: 'PATCH', path: '/importedNumbers/%2B12025550134', body: { regionCode: 'CA' }, fields: ['regionCode'] },
  { name: 'PATCH other phoneNumber', method: 'PATCH', path: '/importedNumbers/%2B12025550134', body: { phoneNumber: '+12025550135' }, fields: ['phoneNumber'] },
  {
    name: 'PATCH 100 KB servicePlanId',
    method: 'PATCH',
    path: '/importedNumbers/%2B12025550134',
    body: { smsConfiguration: { servicePlanId: 'p'.repeat(100 * 1024) } },
    fields: ['smsConfiguration.servicePlanId'],
  },
  {
    name: 'PATCH relink without unlink',
    method: 'PATCH',
    path: '/importedNumbers/%2B12025550134',
    body: { smsConfiguration: { servicePlanId: 'plan-b' } },
    fields: ['smsConfiguration.servicePlanId'],
    status: 'FAILED_PRECONDITION',
    hint: 'Unlink it first',
  },
  { name: 'PATCH path with punctuation', method: 'PATCH', path: '/importedNumbers/%2B1-202-555-0134', body: { displayName: 'x' }, fields: ['phoneNumber'] },
  { name: 'PATCH path with space for "+"', method: 'PATCH', path: '/importedNumbers/%2012025550134', body: { displayName: 'x' }, fields: ['phoneNumber'], hint: '%2B' },

  // GET /importedNumbers.
  { name: 'list regionCode GB', method: 'GET', path: '/importedNumbers?regionCode=GB', fields: ['regionCode'] },
  { name: 'list searchPattern MIDDLE', method: 'GET', path: '/importedNumbers?numberPattern.pattern=555&numberPattern.searchPattern=MIDDLE', fields: ['numberPattern.searchPattern'] },
  { name: 'list pattern with letters', method: 'GET', path: '/importedNumbers?numberPattern.pattern=abc', fields: ['numberPattern.pattern'] },
  { name: 'list garbage pageToken', method: 'GET', path: '/importedNumbers?pageToken=garbage', fields: ['pageToken'] },
  {
    name: 'list pageToken of other JSON',
    method: 'GET',
    path: `/importedNumbers?pageToken=${encodeURIComponent(Buffer.from(JSON.stringify({ offset: 10 })).toString('base64'))}`,
    fields: ['pageToken'],
  },
  {
    name: 'list pageToken with other filters',
    method: 'GET',
    path: (seed) => `/importedNumbers?pageSize=1&regionCode=US&pageToken=${encodeURIComponent(seed.pageToken)}`,
    fields: ['pageToken'],
    hint: 'other filters',
  },
  {
    name: 'list pageToken with other orderBy',
    method: 'GET',
    path: (seed) => `/importedNumbers?pageSize=1&orderBy=updatedTime&pageToken=${encodeURIComponent(seed.pageToken)}`,
    fields: ['pageToken'],
  },
  { name: 'list orderBy phoneNumber', method: 'GET', path: '/importedNumbers?orderBy=phoneNumber', fields: ['orderBy'] },
  { name: 'list orderBy with direction', method: 'GET', path: '/importedNumbers?orderBy=createdTime%20desc', fields: ['orderBy'] },
  { name: 'list negative pageSize', method: 'GET', path: '/importedNumbers?pageSize=-1', fields: ['pageSize'] },
  { name: 'list fractional pageSize', method: 'GET', path: '/importedNumbers?pageSize=2.5', fields: ['pageSize'] },
  { name: 'list repeated servicePlanId', method: 'GET', path: '/importedNumbers?servicePlanId=plan-a&servicePlanId=plan-b', fields: ['servicePlanId'] },
  { name: 'list repeated pattern', method: 'GET', path: '/importedNumbers?numberPattern.pattern=202&numberPattern.pattern=555', fields: ['numberPattern.pattern'] },
  { name: 'list repeated pageToken', method: 'GET', path: '/importedNumbers?pageToken=a&pageToken=b', fields: ['pageToken'] },

  // GET /hostingOrders and its numbers.
  {
    name: 'orders list without filters',
    method: 'GET',
    path: '/hostingOrders',
    fields: ['states', 'type', 'servicePlanId', 'campaignId'],
  },
  { name: 'orders states NOPE', method: 'GET', path: '/hostingOrders?states=NOPE&type=IMPORT&servicePlanId=&campaignId=', fields: ['states'] },
  {
    name: 'orders type NOPE',
    method: 'GET',
    path: '/hostingOrders?states=HOSTING_ORDER_STATE_UNSPECIFIED&type=NOPE&servicePlanId=&campaignId=',
    fields: ['type'],
  },
  { name: 'orders regionCode GB', method: 'GET', path: `/hostingOrders?${ANY_ORDER}&regionCode=GB`, fields: ['regionCode'] },
  { name: 'orders negative pageSize', method: 'GET', path: `/hostingOrders?${ANY_ORDER}&pageSize=-5`, fields: ['pageSize'] },
  { name: 'orders garbage pageToken', method: 'GET', path: `/hostingOrders?${ANY_ORDER}&pageToken=%00%01`, fields: ['pageToken'] },
  { name: 'orders bad orderBy', method: 'GET', path: `/hostingOrders?${ANY_ORDER}&orderBy=state`, fields: ['orderBy'] },
  {
    name: 'orders importedNumbers pageToken',
    method: 'GET',
    path: (seed) => `/hostingOrders?${ANY_ORDER}&pageToken=${encodeURIComponent(seed.pageToken)}`,
    fields: ['pageToken'],
  },
  { name: 'orders repeated campaignId', method: 'GET', path: `/hostingOrders?${ANY_ORDER}&campaignId=c1`, fields: ['campaignId'] },
  {
    name: 'order numbers state NOPE',
    method: 'GET',
    path: (seed) => `/hostingOrders/${seed.hostingOrderId}/numbers?osrUpdateState=NOPE`,
    fields: ['osrUpdateState'],
  },
  {
    name: 'order numbers negative pageSize',
    method: 'GET',
    path: (seed) => `/hostingOrders/${seed.hostingOrderId}/numbers?pageSize=-1`,
    fields: ['pageSize'],
  },
];

/** Operations whose spec entry lists a 400 response, so the body can be checked against it. */
function specListsBadRequest(method: string, path: string): boolean {
  const route = path.split('?')[0] as string;
  return (
    (method === 'POST' && route === '/importedNumbers') ||
    (method === 'GET' && route === '/importedNumbers') ||
    (method === 'PATCH' && route.startsWith('/importedNumbers/'))
  );
}

describe.each(DIALECTS)('bad input on %s', (dialect) => {
  let service: TestService;
  const seed: Seed = { hostingOrderId: '', pageToken: '' };
  let before: Record<string, unknown>;

  /** Everything a bad request could have written, as the API and the admin API show it. */
  async function snapshot(): Promise<Record<string, unknown>> {
    const read = async (response: Promise<Response>): Promise<unknown> => {
      const settled = await response;
      expect(settled.status).toBe(200);
      return settled.json();
    };
    return {
      importedNumbers: await read(service.api('/importedNumbers?pageSize=1000')),
      hostingOrders: await read(service.api(`/hostingOrders?${ANY_ORDER}&pageSize=1000`)),
      orderNumbers: await read(service.api(`/hostingOrders/${seed.hostingOrderId}/numbers`)),
      servicePlans: await read(service.admin(`/projects/${service.projectId}/servicePlans`)),
      campaigns: await read(service.admin(`/projects/${service.projectId}/campaigns`)),
    };
  }

  beforeAll(async () => {
    service = await startTestService(await newDatabaseUrl(dialect));
    const imported = await service.api('/importedNumbers', {
      method: 'POST',
      body: JSON.stringify({ phoneNumber: SEEDED_NUMBER, regionCode: 'US', smsConfiguration: { servicePlanId: 'plan-a' } }),
    });
    expect(imported.status).toBe(200);
    const ordered = await service.api('/hostingOrders:importNumbers', {
      method: 'POST',
      body: JSON.stringify({ numbers: ORDER_NUMBERS, regionCode: 'US', servicePlanId: 'plan-a' }),
    });
    expect(ordered.status).toBe(200);
    seed.hostingOrderId = ((await ordered.json()) as { hostingOrderId: string }).hostingOrderId;

    // Wait until the worker is idle, so that the snapshot can only change through a request.
    await waitUntil(
      async () => (await (await service.api(`/hostingOrders/${seed.hostingOrderId}`)).json()) as { state: string },
      (order) => order.state === 'COMPLETED',
    );
    await waitUntil(
      async () => (await (await service.api('/importedNumbers/%2B12025550134')).json()) as { smsProvisioning: { state: string } },
      (number) => number.smsProvisioning.state === 'DONE',
    );
    const firstPage = (await (await service.api('/importedNumbers?pageSize=1')).json()) as { nextPageToken: string };
    seed.pageToken = firstPage.nextPageToken;
    expect(seed.pageToken).not.toBe('');
    before = await snapshot();
  });

  afterAll(async () => {
    await service.close();
  });

  it('has at least 30 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30);
  });

  it.each(CASES)('$name gives 400 naming the field', async (testCase) => {
    const path = typeof testCase.path === 'function' ? testCase.path(seed) : testCase.path;
    const response = await service.api(path, {
      method: testCase.method,
      ...(testCase.body === undefined ? {} : { body: JSON.stringify(testCase.body) }),
    });
    const body = await expectFlatError(response, 400, testCase.status ?? 'INVALID_ARGUMENT');

    expect(violatedFields(body)).toEqual(testCase.fields);
    if (testCase.hint !== undefined) {
      expect(body.details?.[0]?.fieldViolations[0]?.description).toContain(testCase.hint);
    }
    if (specListsBadRequest(testCase.method, path)) {
      assertMatchesSpec(testCase.method, `/v1/projects/p${path}`, 400, body);
    }
  });

  it('writes nothing for any bad input', async () => {
    expect(await snapshot()).toEqual(before);
  });
});
