import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSpecAjv, schemaRef } from '../src/http/spec.js';
import { DIALECTS, newDatabaseUrl } from './helpers/databases.js';
import { expectFlatError, violatedFields } from './helpers/error-bodies.js';
import { CallbackReceiver } from './helpers/receiver.js';
import type { TestService } from './helpers/service.js';
import { startTestService, waitUntil } from './helpers/service.js';
import { assertMatchesSpec } from './helpers/spec-responses.js';

interface Provisioning {
  type: string;
  state: string;
  serviceId: string;
}

interface ImportedNumberBody {
  phoneNumber: string;
  regionCode: string;
  displayName: string;
  callbackUrl: string;
  smsConfiguration: { servicePlanId: string; campaignId: string; migrateToSinchTmo: boolean };
  smsProvisioning: Provisioning;
  campaignProvisioning: Provisioning;
}

interface ListBody {
  importedNumbers: Array<ImportedNumberBody & { createdTime?: string }>;
  nextPageToken: string;
  totalSize: number;
}

interface Seeded {
  phoneNumber: string;
  regionCode: 'US' | 'CA';
  servicePlanId: string;
  campaignId: string;
}

/** The numbers the list tests filter and page through, in creation order. */
const LISTED: Seeded[] = [
  { phoneNumber: '+12025550101', regionCode: 'US', servicePlanId: 'plan-a', campaignId: 'CAMPA' },
  { phoneNumber: '+12025550102', regionCode: 'US', servicePlanId: 'plan-a', campaignId: '' },
  { phoneNumber: '+12065550103', regionCode: 'US', servicePlanId: 'plan-b', campaignId: 'CAMPB' },
  { phoneNumber: '+14165550104', regionCode: 'CA', servicePlanId: 'plan-b', campaignId: '' },
  { phoneNumber: '+13125550105', regionCode: 'US', servicePlanId: 'plan-a', campaignId: '' },
];
const LISTED_NUMBERS = LISTED.map((seeded) => seeded.phoneNumber);

const LIST_PATH = '/v1/projects/p/importedNumbers';
const callbackAjv = createSpecAjv();
const validateCallbackPayload = callbackAjv.compile(schemaRef('CallbackPayload'));

function isSettled(number: ImportedNumberBody): boolean {
  const isFinal = (state: string): boolean => ['DONE', 'FAILED', 'STATE_UNSPECIFIED'].includes(state);
  return isFinal(number.smsProvisioning.state) && isFinal(number.campaignProvisioning.state);
}

describe.each(DIALECTS)('imported numbers API on %s', (dialect) => {
  let service: TestService;
  const receiver = new CallbackReceiver();
  let callbackUrl: string;

  async function importNumber(body: Record<string, unknown>): Promise<Response> {
    return service.api('/importedNumbers', { method: 'POST', body: JSON.stringify(body) });
  }

  async function getNumber(phoneNumber: string): Promise<ImportedNumberBody> {
    const response = await service.api(`/importedNumbers/${encodeURIComponent(phoneNumber)}`);
    expect(response.status).toBe(200);
    return (await response.json()) as ImportedNumberBody;
  }

  async function patchNumber(phoneNumber: string, body: unknown): Promise<Response> {
    return service.api(`/importedNumbers/${encodeURIComponent(phoneNumber)}`, { method: 'PATCH', body: JSON.stringify(body) });
  }

  async function list(query: string): Promise<ListBody> {
    const response = await service.api(`/importedNumbers?${query}`);
    const body = (await response.json()) as ListBody;
    expect(response.status, JSON.stringify(body)).toBe(200);
    assertMatchesSpec('GET', LIST_PATH, 200, body);
    return body;
  }

  /** Phone numbers a list query returns, limited to the LISTED ones so later tests' numbers do not matter. */
  async function listedNumbers(query: string): Promise<string[]> {
    return (await list(query)).importedNumbers.map((number) => number.phoneNumber).filter((phoneNumber) => LISTED_NUMBERS.includes(phoneNumber));
  }

  function callbacksFor(phoneNumber: string): Array<Record<string, unknown>> {
    return receiver.payloads().filter((payload) => payload.resourceId === phoneNumber);
  }

  beforeAll(async () => {
    service = await startTestService(await newDatabaseUrl(dialect));
    callbackUrl = await receiver.start();
  });

  afterAll(async () => {
    await service.close();
    await receiver.stop();
  });

  describe('list', () => {
    beforeAll(async () => {
      for (const seeded of LISTED) {
        const response = await importNumber({
          phoneNumber: seeded.phoneNumber,
          regionCode: seeded.regionCode,
          smsConfiguration: { servicePlanId: seeded.servicePlanId, campaignId: seeded.campaignId },
        });
        expect(response.status).toBe(200);
      }
      await waitUntil(
        () => list('pageSize=100'),
        (body) => body.importedNumbers.length === LISTED.length && body.importedNumbers.every(isSettled),
      );
      // The first-created number becomes the last-updated one, so the two orders differ.
      expect((await patchNumber(LISTED_NUMBERS[0] as string, { displayName: 'touched' })).status).toBe(200);
    });

    it('returns every number with totalSize', async () => {
      const body = await list('');

      expect(body.totalSize).toBe(LISTED.length);
      expect(body.importedNumbers.map((number) => number.phoneNumber).sort()).toEqual([...LISTED_NUMBERS].sort());
      expect(body.nextPageToken).toBe('');
    });

    it('filters by regionCode', async () => {
      expect(await listedNumbers('regionCode=CA')).toEqual(['+14165550104']);
      expect((await list('regionCode=CA')).totalSize).toBe(1);
    });

    it('matches START with %2B in the query', async () => {
      expect(await listedNumbers('numberPattern.pattern=%2B1202&numberPattern.searchPattern=START')).toEqual(['+12025550101', '+12025550102']);
    });

    it('matches START with a raw "+" in the query', async () => {
      expect(await listedNumbers('numberPattern.pattern=+1202&numberPattern.searchPattern=START')).toEqual(['+12025550101', '+12025550102']);
    });

    it('matches START without "+"', async () => {
      expect(await listedNumbers('numberPattern.pattern=1312&numberPattern.searchPattern=START')).toEqual(['+13125550105']);
    });

    it('matches CONTAIN', async () => {
      expect(await listedNumbers('numberPattern.pattern=2065&numberPattern.searchPattern=CONTAIN')).toEqual(['+12065550103']);
    });

    it('matches END', async () => {
      expect(await listedNumbers('numberPattern.pattern=0104&numberPattern.searchPattern=END')).toEqual(['+14165550104']);
    });

    it('treats a pattern alone as START', async () => {
      expect(await listedNumbers('numberPattern.pattern=%2B1416')).toEqual(['+14165550104']);
    });

    it('filters by servicePlanId', async () => {
      expect(await listedNumbers('servicePlanId=plan-b')).toEqual(['+12065550103', '+14165550104']);
    });

    it('filters by campaignId', async () => {
      expect(await listedNumbers('campaignId=CAMPA')).toEqual(['+12025550101']);
    });

    it('combines filters', async () => {
      const body = await list('servicePlanId=plan-a&campaignId=&regionCode=US&numberPattern.pattern=%2B1&numberPattern.searchPattern=START');

      expect(body.importedNumbers.map((number) => number.phoneNumber)).toEqual(['+12025550101', '+12025550102', '+13125550105']);
      expect(body.totalSize).toBe(3);
    });

    it('orders by createdTime', async () => {
      expect(await listedNumbers('orderBy=createdTime')).toEqual(LISTED_NUMBERS);
    });

    it('orders by updatedTime', async () => {
      const ordered = await listedNumbers('orderBy=updatedTime');

      expect(ordered.at(-1)).toBe(LISTED_NUMBERS[0]);
      expect([...ordered].sort()).toEqual([...LISTED_NUMBERS].sort());
    });

    it.each(['createdTime', 'updatedTime'])('pages by 2 in three pages (%s)', async (orderBy) => {
      const first = await list(`pageSize=2&orderBy=${orderBy}`);
      const second = await list(`pageSize=2&orderBy=${orderBy}&pageToken=${encodeURIComponent(first.nextPageToken)}`);
      const third = await list(`pageSize=2&orderBy=${orderBy}&pageToken=${encodeURIComponent(second.nextPageToken)}`);
      const paged = [first, second, third].flatMap((page) => page.importedNumbers.map((number) => number.phoneNumber));
      const unpaged = (await list(`orderBy=${orderBy}`)).importedNumbers.map((number) => number.phoneNumber);

      expect(first.importedNumbers).toHaveLength(2);
      expect(second.importedNumbers).toHaveLength(2);
      expect(third.importedNumbers).toHaveLength(1);
      expect(first.nextPageToken).not.toBe('');
      expect(second.nextPageToken).not.toBe('');
      expect(second.nextPageToken).not.toBe(first.nextPageToken);
      expect(third.nextPageToken).toBe('');
      expect([first.totalSize, second.totalSize, third.totalSize]).toEqual([5, 5, 5]);
      expect(paged).toEqual(unpaged);
    });

    it('pages within a filter', async () => {
      const first = await list('pageSize=2&servicePlanId=plan-a');
      const second = await list(`pageSize=2&servicePlanId=plan-a&pageToken=${encodeURIComponent(first.nextPageToken)}`);

      expect(first.totalSize).toBe(3);
      expect(first.importedNumbers).toHaveLength(2);
      expect(second.importedNumbers.map((number) => number.phoneNumber)).toEqual(['+13125550105']);
      expect(second.nextPageToken).toBe('');
    });

    it('rejects a bad orderBy with the spec 400', async () => {
      const response = await service.api('/importedNumbers?orderBy=phoneNumber');
      const body = await expectFlatError(response, 400, 'INVALID_ARGUMENT');

      expect(violatedFields(body)).toEqual(['orderBy']);
      assertMatchesSpec('GET', LIST_PATH, 400, body);
    });
  });

  describe('import', () => {
    it('returns the spec ImportedNumber', async () => {
      const response = await importNumber({
        phoneNumber: '+17205550120',
        regionCode: 'US',
        displayName: 'Front desk',
        smsConfiguration: { servicePlanId: 'plan-a' },
        callbackUrl,
      });
      const body = (await response.json()) as ImportedNumberBody & { projectId: string };

      expect(response.status).toBe(200);
      assertMatchesSpec('POST', LIST_PATH, 200, body);
      expect(body.phoneNumber).toBe('+17205550120');
      expect(body.projectId).toBe(service.projectId);
      expect(body.regionCode).toBe('US');
      expect(body.displayName).toBe('Front desk');
      expect(body.callbackUrl).toBe(callbackUrl);
      expect(body.smsConfiguration.servicePlanId).toBe('plan-a');
      expect(body.smsConfiguration.campaignId).toBe('');
    });

    it('gives 409 on a duplicate import', async () => {
      const response = await importNumber({ phoneNumber: '+17205550120', regionCode: 'US', smsConfiguration: { servicePlanId: 'plan-b' } });
      const body = await expectFlatError(response, 409, 'ALREADY_EXISTS');

      assertMatchesSpec('POST', LIST_PATH, 409, body);
      expect(body.message).toContain('+17205550120');
      expect((await getNumber('+17205550120')).smsConfiguration.servicePlanId).toBe('plan-a');
    });

    it('gives 409 to all but one concurrent import', async () => {
      const body = JSON.stringify({ phoneNumber: '+17205550123', regionCode: 'US', smsConfiguration: { servicePlanId: 'plan-a' } });
      const responses = await Promise.all(Array.from({ length: 5 }, () => service.api('/importedNumbers', { method: 'POST', body })));
      const statuses = responses.map((response) => response.status).sort();

      expect(statuses).toEqual([200, 409, 409, 409, 409]);
      for (const response of responses.filter((candidate) => candidate.status === 409)) {
        await expectFlatError(response, 409, 'ALREADY_EXISTS');
      }
    });

    it('ignores the read-only migrateToSinchTmo', async () => {
      const response = await importNumber({
        phoneNumber: '+17205550121',
        regionCode: 'US',
        smsConfiguration: { servicePlanId: 'plan-a', migrateToSinchTmo: true },
      });
      const body = (await response.json()) as ImportedNumberBody;

      expect(response.status).toBe(200);
      assertMatchesSpec('POST', LIST_PATH, 200, body);
      expect(body.smsConfiguration.migrateToSinchTmo).toBe(false);
    });

    it('gives the spec 400 for a bad number', async () => {
      const response = await importNumber({ phoneNumber: '+1 720 555 0122', regionCode: 'US', smsConfiguration: { servicePlanId: 'plan-a' } });
      const body = await expectFlatError(response, 400, 'INVALID_ARGUMENT');

      assertMatchesSpec('POST', LIST_PATH, 400, body);
      expect(violatedFields(body)).toEqual(['phoneNumber']);
    });
  });

  describe('get', () => {
    const phoneNumber = '+17205550130';

    beforeAll(async () => {
      expect((await importNumber({ phoneNumber, regionCode: 'US', smsConfiguration: { servicePlanId: 'plan-a', campaignId: 'CAMPA' } })).status).toBe(200);
      await waitUntil(() => getNumber(phoneNumber), isSettled);
    });

    it('accepts a raw "+" in the path', async () => {
      const response = await service.api(`/importedNumbers/${phoneNumber}`);
      const body = (await response.json()) as ImportedNumberBody;

      expect(response.status).toBe(200);
      assertMatchesSpec('GET', `${LIST_PATH}/${phoneNumber}`, 200, body);
      expect(body.phoneNumber).toBe(phoneNumber);
      expect(body.smsProvisioning.state).toBe('DONE');
      expect(body.campaignProvisioning.state).toBe('DONE');
    });

    it('accepts %2B in the path', async () => {
      const raw = await (await service.api(`/importedNumbers/${phoneNumber}`)).json();
      const response = await service.api(`/importedNumbers/%2B${phoneNumber.slice(1)}`);

      expect(response.status).toBe(200);
      expect(await response.json()).toEqual(raw);
    });

    it('explains %2B for a leading space', async () => {
      const response = await service.api(`/importedNumbers/%20${phoneNumber.slice(1)}`);
      const body = await expectFlatError(response, 400, 'INVALID_ARGUMENT');

      expect(violatedFields(body)).toEqual(['phoneNumber']);
      expect(body.details?.[0]?.fieldViolations[0]?.description).toContain('%2B');
    });

    it('gives the spec 404 for an unknown number', async () => {
      const response = await service.api('/importedNumbers/%2B17205550139');
      const body = await expectFlatError(response, 404, 'NOT_FOUND');

      assertMatchesSpec('GET', `${LIST_PATH}/+17205550139`, 404, body);
    });
  });

  describe('update', () => {
    const phoneNumber = '+17205550140';

    beforeAll(async () => {
      const response = await importNumber({
        phoneNumber,
        regionCode: 'US',
        displayName: 'Before',
        smsConfiguration: { servicePlanId: 'plan-a', campaignId: 'CAMPA' },
        callbackUrl,
      });
      expect(response.status).toBe(200);
      await waitUntil(() => getNumber(phoneNumber), isSettled);
      await receiver.waitFor(() => callbacksFor(phoneNumber).some((payload) => payload.eventType === 'LINK_TO_10DLC_CAMPAIGN'));
    });

    it('merges displayName and leaves the rest', async () => {
      const before = await getNumber(phoneNumber);
      const response = await patchNumber(phoneNumber, { displayName: 'After' });
      const body = (await response.json()) as ImportedNumberBody;
      const after = await getNumber(phoneNumber);

      expect(response.status).toBe(200);
      assertMatchesSpec('PATCH', `${LIST_PATH}/${phoneNumber}`, 200, body);
      expect(body.displayName).toBe('After');
      expect(body.smsConfiguration).toEqual(before.smsConfiguration);
      expect(body.callbackUrl).toBe(callbackUrl);
      expect(after.smsProvisioning).toEqual(before.smsProvisioning);
      expect(after.campaignProvisioning).toEqual(before.campaignProvisioning);
    });

    it('same campaignId is a no-op', async () => {
      const before = await getNumber(phoneNumber);
      const callbackCount = receiver.received.length;
      const response = await patchNumber(phoneNumber, { smsConfiguration: { servicePlanId: 'plan-a', campaignId: 'CAMPA' } });
      const body = await response.json();

      expect(response.status).toBe(200);
      assertMatchesSpec('PATCH', `${LIST_PATH}/${phoneNumber}`, 200, body);
      expect(await getNumber(phoneNumber)).toEqual(before);
      expect(receiver.received.length).toBe(callbackCount);
    });

    it('relinking a campaign without unlinking is 400', async () => {
      const response = await patchNumber(phoneNumber, { smsConfiguration: { campaignId: 'CAMPB' } });
      const body = await expectFlatError(response, 400, 'FAILED_PRECONDITION');

      assertMatchesSpec('PATCH', `${LIST_PATH}/${phoneNumber}`, 400, body);
      expect(violatedFields(body)).toEqual(['smsConfiguration.campaignId']);
      expect(body.message).toContain('Unlink it first');
      expect((await getNumber(phoneNumber)).smsConfiguration.campaignId).toBe('CAMPA');
    });

    it('relinking a service plan without unlinking is 400', async () => {
      const response = await patchNumber(phoneNumber, { smsConfiguration: { servicePlanId: 'plan-b' } });
      const body = await expectFlatError(response, 400, 'FAILED_PRECONDITION');

      assertMatchesSpec('PATCH', `${LIST_PATH}/${phoneNumber}`, 400, body);
      expect(violatedFields(body)).toEqual(['smsConfiguration.servicePlanId']);
      expect((await getNumber(phoneNumber)).smsConfiguration.servicePlanId).toBe('plan-a');
    });

    it('unlinks with empty ids', async () => {
      const response = await patchNumber(phoneNumber, { smsConfiguration: { servicePlanId: '', campaignId: '' } });
      const body = (await response.json()) as ImportedNumberBody;
      const started = await getNumber(phoneNumber);

      expect(response.status).toBe(200);
      assertMatchesSpec('PATCH', `${LIST_PATH}/${phoneNumber}`, 200, body);
      expect(body.smsConfiguration.servicePlanId).toBe('');
      expect(body.smsConfiguration.campaignId).toBe('');
      expect(started.smsProvisioning.type).toBe('DEPROVISIONING');
      expect(started.campaignProvisioning.type).toBe('DEPROVISIONING');

      const done = await waitUntil(() => getNumber(phoneNumber), isSettled);

      expect(done.smsProvisioning.state).toBe('DONE');
      expect(done.campaignProvisioning.state).toBe('DONE');
      expect(done.smsProvisioning.type).toBe('DEPROVISIONING');
      expect(done.campaignProvisioning.type).toBe('DEPROVISIONING');
    });

    it('sends UNLINK then DEPROVISIONING callbacks', async () => {
      await receiver.waitFor(() => callbacksFor(phoneNumber).some((payload) => payload.eventType === 'DEPROVISIONING_TO_SMS_PLATFORM'));
      const unlink = callbacksFor(phoneNumber).find((payload) => payload.eventType === 'UNLINK_TO_10DLC_CAMPAIGN');
      const deprovision = callbacksFor(phoneNumber).find((payload) => payload.eventType === 'DEPROVISIONING_TO_SMS_PLATFORM');

      expect(unlink).toMatchObject({ resourceType: 'IMPORTED_NUMBER', status: 'SUCCEEDED', projectId: service.projectId });
      expect(deprovision).toMatchObject({ resourceType: 'IMPORTED_NUMBER', status: 'SUCCEEDED', projectId: service.projectId });
      expect(Date.parse(String(unlink?.timestamp))).toBeLessThanOrEqual(Date.parse(String(deprovision?.timestamp)));
      expect(validateCallbackPayload(unlink), callbackAjv.errorsText(validateCallbackPayload.errors)).toBe(true);
      expect(validateCallbackPayload(deprovision), callbackAjv.errorsText(validateCallbackPayload.errors)).toBe(true);
    });

    it('relinks after unlinking', async () => {
      const response = await patchNumber(phoneNumber, { smsConfiguration: { servicePlanId: 'plan-b', campaignId: 'CAMPB' } });
      const body = (await response.json()) as ImportedNumberBody;

      expect(response.status).toBe(200);
      assertMatchesSpec('PATCH', `${LIST_PATH}/${phoneNumber}`, 200, body);
      expect(body.smsConfiguration.servicePlanId).toBe('plan-b');
      expect(body.smsConfiguration.campaignId).toBe('CAMPB');

      const done = await waitUntil(() => getNumber(phoneNumber), isSettled);

      expect(done.smsProvisioning).toMatchObject({ type: 'PROVISIONING', state: 'DONE', serviceId: 'plan-b' });
      expect(done.campaignProvisioning).toMatchObject({ type: 'PROVISIONING', state: 'DONE', serviceId: 'CAMPB' });
      await receiver.waitFor(() => callbacksFor(phoneNumber).filter((payload) => payload.eventType === 'LINK_TO_10DLC_CAMPAIGN').length === 2);
      expect(callbacksFor(phoneNumber).filter((payload) => payload.eventType === 'PROVISIONING_TO_SMS_PLATFORM')).toHaveLength(2);
    });

    it('gives the spec 404 for an unknown number', async () => {
      const response = await patchNumber('+17205550149', { displayName: 'x' });
      const body = await expectFlatError(response, 404, 'NOT_FOUND');

      assertMatchesSpec('PATCH', `${LIST_PATH}/+17205550149`, 404, body);
    });
  });

  describe('campaign-only changes', () => {
    const phoneNumber = '+17205550160';

    beforeAll(async () => {
      expect((await importNumber({ phoneNumber, regionCode: 'US', smsConfiguration: { servicePlanId: 'plan-a' }, callbackUrl })).status).toBe(200);
      await waitUntil(() => getNumber(phoneNumber), isSettled);
    });

    it('links a campaign to a number without one', async () => {
      const response = await patchNumber(phoneNumber, { smsConfiguration: { campaignId: 'CAMPA' } });

      expect(response.status).toBe(200);
      assertMatchesSpec('PATCH', `${LIST_PATH}/${phoneNumber}`, 200, await response.json());

      const done = await waitUntil(() => getNumber(phoneNumber), isSettled);
      expect(done.campaignProvisioning).toMatchObject({ type: 'PROVISIONING', state: 'DONE', serviceId: 'CAMPA' });
      expect(done.smsProvisioning).toMatchObject({ type: 'PROVISIONING', state: 'DONE', serviceId: 'plan-a' });
    });

    it('keeps the plan while a campaign is linked', async () => {
      const response = await patchNumber(phoneNumber, { smsConfiguration: { servicePlanId: '' } });
      const body = await expectFlatError(response, 400, 'FAILED_PRECONDITION');

      assertMatchesSpec('PATCH', `${LIST_PATH}/${phoneNumber}`, 400, body);
      expect(violatedFields(body)).toEqual(['smsConfiguration.servicePlanId']);
      expect((await getNumber(phoneNumber)).smsConfiguration.servicePlanId).toBe('plan-a');
    });

    it('sends later callbacks to the new callbackUrl', async () => {
      const movedUrl = `${callbackUrl}/moved`;
      expect((await patchNumber(phoneNumber, { callbackUrl: movedUrl })).status).toBe(200);
      const response = await patchNumber(phoneNumber, { smsConfiguration: { campaignId: '' } });

      expect(response.status).toBe(200);
      assertMatchesSpec('PATCH', `${LIST_PATH}/${phoneNumber}`, 200, await response.json());

      await receiver.waitFor(() => callbacksFor(phoneNumber).some((payload) => payload.eventType === 'UNLINK_TO_10DLC_CAMPAIGN'));
      const unlink = receiver.received.find((callback) => {
        const text = callback.rawBody.toString('utf8');
        return text.includes('UNLINK_TO_10DLC_CAMPAIGN') && text.includes(phoneNumber);
      });

      expect(unlink?.path).toBe('/callbacks/moved');
    });

    it('unlinking the campaign keeps the plan', async () => {
      const done = await waitUntil(() => getNumber(phoneNumber), isSettled);

      expect(done.campaignProvisioning).toMatchObject({ type: 'DEPROVISIONING', state: 'DONE' });
      expect(done.smsProvisioning).toMatchObject({ type: 'PROVISIONING', state: 'DONE', serviceId: 'plan-a' });
      expect(done.smsConfiguration).toMatchObject({ servicePlanId: 'plan-a', campaignId: '' });
      expect(callbacksFor(phoneNumber).filter((payload) => payload.eventType === 'DEPROVISIONING_TO_SMS_PLATFORM')).toEqual([]);
    });
  });

  describe('delete', () => {
    const phoneNumber = '+17205550150';

    beforeAll(async () => {
      expect((await importNumber({ phoneNumber, regionCode: 'US', smsConfiguration: { servicePlanId: 'plan-a' }, callbackUrl })).status).toBe(200);
      await waitUntil(() => getNumber(phoneNumber), isSettled);
    });

    it('answers 200 with {}', async () => {
      const response = await service.api(`/importedNumbers/${encodeURIComponent(phoneNumber)}`, { method: 'DELETE' });
      const body = await response.json();

      expect(response.status).toBe(200);
      expect(body).toEqual({});
      assertMatchesSpec('DELETE', `${LIST_PATH}/${phoneNumber}`, 200, body);
    });

    it('sends a DELETE callback', async () => {
      await receiver.waitFor(() => callbacksFor(phoneNumber).some((payload) => payload.eventType === 'DELETE'));
      const deleted = callbacksFor(phoneNumber).find((payload) => payload.eventType === 'DELETE');

      expect(deleted).toMatchObject({ resourceType: 'IMPORTED_NUMBER', status: 'SUCCEEDED', projectId: service.projectId });
      expect(validateCallbackPayload(deleted), callbackAjv.errorsText(validateCallbackPayload.errors)).toBe(true);
    });

    it('then GET is 404', async () => {
      const response = await service.api(`/importedNumbers/${encodeURIComponent(phoneNumber)}`);
      const body = await expectFlatError(response, 404, 'NOT_FOUND');

      assertMatchesSpec('GET', `${LIST_PATH}/${phoneNumber}`, 404, body);
    });

    it('a second DELETE is 404', async () => {
      const response = await service.api(`/importedNumbers/${encodeURIComponent(phoneNumber)}`, { method: 'DELETE' });
      const body = await expectFlatError(response, 404, 'NOT_FOUND');

      assertMatchesSpec('DELETE', `${LIST_PATH}/${phoneNumber}`, 404, body);
    });

    it('the number can be imported again', async () => {
      const response = await importNumber({ phoneNumber, regionCode: 'US', smsConfiguration: { servicePlanId: 'plan-a' } });

      expect(response.status).toBe(200);
      assertMatchesSpec('POST', LIST_PATH, 200, await response.json());
    });
  });

  describe('totals', () => {
    it('unfiltered totalSize matches the rows', async () => {
      const body = await list('pageSize=1000');

      expect(body.totalSize).toBe(body.importedNumbers.length);
    });

    it('filtered totalSize matches the rows', async () => {
      const body = await list('pageSize=1000&regionCode=US&servicePlanId=plan-a');

      expect(body.totalSize).toBe(body.importedNumbers.length);
    });
  });
});
