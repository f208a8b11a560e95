/**
 * A number that a text-enable order is hosting cannot be imported by another request
 * meanwhile, since the order imports it itself once its OSR update is done.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, newDatabaseUrl } from './helpers/databases.js';
import type { TestService } from './helpers/service.js';
import { startTestService, waitUntil } from './helpers/service.js';

const DIRECT_LOA = {
  authorisedPerson: { firstName: 'Guard', lastName: 'Tester', email: 'guard@example.com' },
  address: { buildingNumber: '1', street: 'Main St', city: 'Denver', state: 'CO', postalCode: '80202', country: 'US' },
  currentVoiceCarrier: 'Lumen',
};

describe.each(DIALECTS)('text-enable guards on %s', (dialect) => {
  let service: TestService;
  const phoneNumber = '+13035550140';
  let hostingOrderId: string;

  beforeAll(async () => {
    service = await startTestService(await newDatabaseUrl(dialect), { NUMBERHOST_ELIGIBILITY_DELAY_MS: '0' });
    expect((await service.api('/qualifiedNumbers:addNumbers', { method: 'POST', body: JSON.stringify({ phoneNumbers: [phoneNumber] }) })).status).toBe(200);
    await waitUntil(
      async () => ((await (await service.api(`/qualifiedNumbers/${encodeURIComponent(phoneNumber)}`)).json()) as { globalProcessState: string }).globalProcessState,
      (state) => state === 'GLOBAL_PROCESS_STATE_ELIGIBLE',
    );
    const approved = await service.admin(`/projects/${service.projectId}/qualifiedNumbers/${encodeURIComponent(phoneNumber)}:approveOwnership`, { method: 'POST' });
    expect(approved.status).toBe(200);
    const created = await service.api('/hostingOrders:textEnableNumbers', {
      method: 'POST',
      body: JSON.stringify({ numbers: [phoneNumber], regionCode: 'US', servicePlanId: 'plan-guard', directLoaInfo: DIRECT_LOA }),
    });
    expect(created.status, await created.clone().text()).toBe(200);
    hostingOrderId = ((await created.json()) as { hostingOrderId: string }).hostingOrderId;
  });

  afterAll(async () => {
    await service?.close();
  });

  it('refuses a single import of a number being text-enabled', async () => {
    const response = await service.api('/importedNumbers', {
      method: 'POST',
      body: JSON.stringify({ phoneNumber, regionCode: 'US', smsConfiguration: { servicePlanId: 'plan-guard' } }),
    });
    expect(response.status).toBe(409);
    const body = (await response.json()) as { status: string; message: string };
    expect(body.status).toBe('ALREADY_EXISTS');
    expect(body.message).toContain(hostingOrderId);
    expect((await service.api(`/importedNumbers/${encodeURIComponent(phoneNumber)}`)).status).toBe(404);
  });

  it('refuses an import order with a number being text-enabled', async () => {
    const response = await service.api('/hostingOrders:importNumbers', {
      method: 'POST',
      body: JSON.stringify({ numbers: ['+13035550141', phoneNumber], regionCode: 'US', servicePlanId: 'plan-guard' }),
    });
    expect(response.status).toBe(409);
    expect((await service.api('/importedNumbers/%2B13035550141')).status).toBe(404);
  });

  it('refuses a second text-enable order for the same number', async () => {
    const response = await service.api('/hostingOrders:textEnableNumbers', {
      method: 'POST',
      body: JSON.stringify({ numbers: [phoneNumber], regionCode: 'US', servicePlanId: 'plan-guard', directLoaInfo: DIRECT_LOA }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { status: string; details: Array<{ fieldViolations: Array<{ field: string; description: string }> }> };
    expect(body.status).toBe('FAILED_PRECONDITION');
    expect(body.details[0]?.fieldViolations[0]).toEqual({ field: 'numbers[0]', description: expect.stringContaining('HOSTING_IN_PROGRESS') });
  });
});
