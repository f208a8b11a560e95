import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, newDatabaseUrl } from './helpers/databases.js';
import { CallbackReceiver } from './helpers/receiver.js';
import type { TestService } from './helpers/service.js';
import { startTestService, waitUntil } from './helpers/service.js';

type NumberBody = Record<string, any>;

describe.each(DIALECTS)('link retries on %s', (dialect) => {
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

  async function readNumber(phoneNumber: string): Promise<NumberBody> {
    return (await (await service.api(`/importedNumbers/${encodeURIComponent(phoneNumber)}`)).json()) as NumberBody;
  }

  async function patch(phoneNumber: string, smsConfiguration: Record<string, string>): Promise<Response> {
    return service.api(`/importedNumbers/${encodeURIComponent(phoneNumber)}`, { method: 'PATCH', body: JSON.stringify({ smsConfiguration }) });
  }

  async function importAndSettle(phoneNumber: string, smsConfiguration: Record<string, string>): Promise<NumberBody> {
    const response = await service.api('/importedNumbers', {
      method: 'POST',
      body: JSON.stringify({ phoneNumber, regionCode: 'US', smsConfiguration, callbackUrl }),
    });
    expect(response.status).toBe(200);
    return waitUntil(
      () => readNumber(phoneNumber),
      (body) => !['WAITING', 'IN_PROGRESS'].includes(body.smsProvisioning.state) && !['WAITING', 'IN_PROGRESS'].includes(body.campaignProvisioning.state),
    );
  }

  it('failed unlink is retried with the empty id', async () => {
    // Line 0191 makes every SMS deprovisioning fail in the sandbox.
    const phoneNumber = '+12025550191';
    await importAndSettle(phoneNumber, { servicePlanId: 'plan-unlink' });
    expect((await patch(phoneNumber, { servicePlanId: '' })).status).toBe(200);
    const failed = await waitUntil(() => readNumber(phoneNumber), (body) => body.smsProvisioning.state === 'FAILED');
    expect(failed.smsProvisioning.type).toBe('DEPROVISIONING');

    const relink = await patch(phoneNumber, { servicePlanId: 'plan-other' });
    expect(relink.status).toBe(400);
    expect(((await relink.json()) as { status: string }).status).toBe('FAILED_PRECONDITION');

    const retry = await patch(phoneNumber, { servicePlanId: '' });
    expect(retry.status).toBe(200);
    const retried = await readNumber(phoneNumber);
    expect(['WAITING', 'IN_PROGRESS', 'FAILED']).toContain(retried.smsProvisioning.state);
    const eventsForNumber = () =>
      receiver.payloads().filter((payload) => payload.resourceId === phoneNumber && payload.eventType === 'DEPROVISIONING_TO_SMS_PLATFORM');
    await receiver.waitFor(() => eventsForNumber().length === 2);
    expect(eventsForNumber().every((payload) => payload.status === 'FAILED')).toBe(true);
  });

  it('SMS retry also retries the skipped campaign', async () => {
    const phoneNumber = '+12025550170';
    const plan = 'plan-switched-off';
    expect((await service.admin(`/projects/${service.projectId}/servicePlans/${plan}`, { method: 'PUT', body: JSON.stringify({ state: 'INACTIVE' }) })).status).toBe(200);
    const failed = await importAndSettle(phoneNumber, { servicePlanId: plan, campaignId: 'CAMPRETRY' });
    expect(failed.smsProvisioning.state).toBe('FAILED');
    expect(failed.campaignProvisioning.state).toBe('FAILED');
    expect(failed.campaignProvisioning.errorCode).toBe('NUMBER_PROVISIONING_FAILED');

    await service.admin(`/projects/${service.projectId}/servicePlans/${plan}`, { method: 'PUT', body: JSON.stringify({ state: 'ACTIVE' }) });
    expect((await patch(phoneNumber, { servicePlanId: plan })).status).toBe(200);
    const done = await waitUntil(() => readNumber(phoneNumber), (body) => body.campaignProvisioning.state === 'DONE');
    expect(done.smsProvisioning.state).toBe('DONE');
    expect(done.campaignProvisioning.errorCode).toBe('');
  });

  it('encoded colon routes the custom verb', async () => {
    const response = await service.api('/hostingOrders%3AimportNumbers', {
      method: 'POST',
      body: JSON.stringify({ numbers: ['+12025550171'], regionCode: 'US', servicePlanId: 'plan-colon' }),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { type: string }).type).toBe('IMPORT');
  });

  it('redelivery of a pending event keeps one job', async () => {
    receiver.respond = (callback) => (callback.path.includes('always-500') ? 500 : 200);
    const phoneNumber = '+12025550172';
    await service.api('/importedNumbers', {
      method: 'POST',
      body: JSON.stringify({ phoneNumber, regionCode: 'US', smsConfiguration: { servicePlanId: 'plan-redeliver' }, callbackUrl: `${callbackUrl}/always-500` }),
    });
    const listed = await waitUntil(
      async () =>
        ((await (await service.admin(`/projects/${service.projectId}/callbackDeliveries?resourceId=${encodeURIComponent(phoneNumber)}`)).json()) as {
          callbackDeliveries: Array<{ eventId: string; attempts: unknown[] }>;
        }).callbackDeliveries,
      (deliveries) => deliveries.length === 1 && deliveries[0]!.attempts.length >= 1,
    );
    const eventId = listed[0]!.eventId;
    for (let i = 0; i < 3; i += 1) {
      expect((await service.admin(`/projects/${service.projectId}/callbackDeliveries/${eventId}:redeliver`, { method: 'POST' })).status).toBe(200);
    }
    // An attempt in flight during a redelivery may leave a second job for a moment; it
    // hands the retries over to the queued one instead of retrying itself.
    const jobs = await waitUntil(
      () =>
        service.service.ctx.storage.db
          .selectFrom('jobs')
          .select('id')
          .where('type', '=', 'deliver_callback')
          .where('payload', '=', JSON.stringify({ eventId }))
          .execute(),
      (rows) => rows.length <= 1,
    );
    expect(jobs.length).toBe(1);
    receiver.respond = () => 200;
  });
});
