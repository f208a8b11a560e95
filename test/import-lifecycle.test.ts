import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, newDatabaseUrl } from './helpers/databases.js';
import { CallbackReceiver } from './helpers/receiver.js';
import type { TestService } from './helpers/service.js';
import { startTestService, waitUntil } from './helpers/service.js';
import { assertMatchesSpec } from './helpers/spec-responses.js';

describe.each(DIALECTS)('import lifecycle on %s', (dialect) => {
  let service: TestService;
  const receiver = new CallbackReceiver();
  let callbackUrl: string;

  beforeAll(async () => {
    service = await startTestService(await newDatabaseUrl(dialect));
    callbackUrl = await receiver.start();
  });

  afterAll(async () => {
    await service.close();
    await receiver.stop();
  });

  it('provisions, links and signs callbacks for one number', async () => {
    const secret = 'callback-secret-ü';
    await service.api('/callbackConfiguration', { method: 'PATCH', body: JSON.stringify({ hmacSecret: secret }) });
    const created = await service.api('/importedNumbers', {
      method: 'POST',
      body: JSON.stringify({ phoneNumber: '+12025550134', regionCode: 'US', smsConfiguration: { servicePlanId: 'plan-a', campaignId: 'CAMPA' }, callbackUrl }),
    });
    expect(created.status).toBe(200);
    assertMatchesSpec('POST', `/v1/projects/p/importedNumbers`, 200, await created.json());

    const done = await waitUntil(
      async () => (await (await service.api('/importedNumbers/%2B12025550134')).json()) as Record<string, any>,
      (body) => body.campaignProvisioning?.state === 'DONE',
    );
    expect(done.smsProvisioning.state).toBe('DONE');
    expect(done.mnoConfiguration.smsTmo.state).toBe('DONE');
    assertMatchesSpec('GET', '/v1/projects/p/importedNumbers/+12025550134', 200, done);

    await receiver.waitFor((payloads) => payloads.some((p) => p.eventType === 'LINK_TO_10DLC_CAMPAIGN'));
    for (const callback of receiver.received) {
      const expected = createHmac('sha1', secret).update(callback.rawBody).digest('hex');
      expect(callback.headers['x-sinch-signature']).toBe(expected);
    }
    expect(receiver.payloads().map((p) => p.eventType)).toEqual(['PROVISIONING_TO_SMS_PLATFORM', 'LINK_TO_10DLC_CAMPAIGN']);
  });

  it('completes a five-number import order', async () => {
    const numbers = ['+12025550101', '+12025550102', '+12025550103', '+12025550104', '+12025550105'];
    const response = await service.api('/hostingOrders:importNumbers', {
      method: 'POST',
      body: JSON.stringify({ numbers, regionCode: 'US', servicePlanId: 'plan-a', campaignId: 'CAMPA', callbackUrl }),
    });
    expect(response.status).toBe(200);
    const order = (await response.json()) as { hostingOrderId: string; state: string };
    expect(order.state).toBe('SUBMITTED');
    const finished = await waitUntil(
      async () => (await (await service.api(`/hostingOrders/${order.hostingOrderId}`)).json()) as { state: string },
      (body) => body.state === 'COMPLETED',
    );
    expect(finished.state).toBe('COMPLETED');
    const report = await (await service.api(`/hostingOrders/${order.hostingOrderId}/report`)).json();
    expect(report).toEqual({ total: 5, osrUpdated: 5, smsProvisioned: 5, addedToCampaign: 5, ongoingManualAction: 0 });
  });
});
