import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newSqliteUrl } from './helpers/databases.js';
import { CallbackReceiver } from './helpers/receiver.js';
import { waitUntil } from './helpers/service.js';
import type { SpawnedServer } from './helpers/spawn.js';
import { killSpawnedServers, spawnServer } from './helpers/spawn.js';
import { assertMatchesSpec } from './helpers/spec-responses.js';

type Json = Record<string, any>;

/**
 * The README's walkthrough, end to end, against a server process started the way
 * `npm start` starts it. Every response body is checked against the spec.
 */
describe('README walkthrough', () => {
  let server: SpawnedServer;
  const receiver = new CallbackReceiver();
  let callbackUrl: string;
  const secret = 'my-callback-secret';
  const number = '+12025550134';

  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }> {
    const response = await server.api(path, { method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) });
    const json = (await response.json()) as Json;
    if (!path.includes('callbackConfiguration')) {
      assertMatchesSpec(method, `/v1/projects/${server.projectId}${path}`, response.status, json);
    }
    return { status: response.status, json };
  }

  async function waitForCampaign(state: string, serviceId: string): Promise<Json> {
    return waitUntil(
      async () => (await call('GET', `/importedNumbers/%2B${number.slice(1)}`)).json,
      (body) => body.campaignProvisioning.state === state && body.campaignProvisioning.serviceId === serviceId,
    );
  }

  beforeAll(async () => {
    callbackUrl = await receiver.start();
    server = await spawnServer(newSqliteUrl(), { NUMBERHOST_STEP_DELAY_MS: '100' });
  });

  afterAll(async () => {
    await killSpawnedServers();
    await receiver.stop();
  });

  it('imports, relinks and deletes one number', async () => {
    expect((await call('PATCH', '/callbackConfiguration', { hmacSecret: secret })).status).toBe(200);

    const created = await call('POST', '/importedNumbers', {
      phoneNumber: number,
      regionCode: 'US',
      displayName: 'Support line',
      smsConfiguration: { servicePlanId: 'my-service-plan', campaignId: 'CDEMO01' },
      callbackUrl,
    });
    expect(created.status).toBe(200);
    expect(created.json.phoneNumber).toBe(number);

    const linked = await waitForCampaign('DONE', 'CDEMO01');
    expect(linked.smsProvisioning.state).toBe('DONE');
    const rawPlus = await call('GET', `/importedNumbers/${number}`);
    expect(rawPlus.status).toBe(200);
    expect(rawPlus.json).toEqual(linked);

    const duplicate = await call('POST', '/importedNumbers', { phoneNumber: number, regionCode: 'US', smsConfiguration: { servicePlanId: 'my-service-plan' } });
    expect(duplicate.status).toBe(409);
    expect(duplicate.json.status).toBe('ALREADY_EXISTS');

    const relinkWithoutUnlink = await call('PATCH', `/importedNumbers/%2B${number.slice(1)}`, { smsConfiguration: { campaignId: 'COTHER1' } });
    expect(relinkWithoutUnlink.status).toBe(400);
    expect(relinkWithoutUnlink.json.status).toBe('FAILED_PRECONDITION');

    expect((await call('PATCH', `/importedNumbers/%2B${number.slice(1)}`, { smsConfiguration: { campaignId: '' } })).status).toBe(200);
    const unlinked = await waitUntil(
      async () => (await call('GET', `/importedNumbers/%2B${number.slice(1)}`)).json,
      (body) => body.campaignProvisioning.type === 'DEPROVISIONING' && body.campaignProvisioning.state === 'DONE',
    );
    expect(unlinked.smsConfiguration.campaignId).toBe('');

    expect((await call('PATCH', `/importedNumbers/%2B${number.slice(1)}`, { smsConfiguration: { campaignId: 'COTHER1' } })).status).toBe(200);
    await waitForCampaign('DONE', 'COTHER1');

    const deleted = await server.api(`/importedNumbers/%2B${number.slice(1)}`, { method: 'DELETE' });
    expect(deleted.status).toBe(200);
    expect(await deleted.json()).toEqual({});
    expect((await call('GET', `/importedNumbers/%2B${number.slice(1)}`)).status).toBe(404);

    await receiver.waitFor((payloads) => payloads.some((payload) => payload.eventType === 'DELETE'));
    const eventTypes = receiver.payloads().map((payload) => payload.eventType);
    expect(eventTypes).toEqual([
      'PROVISIONING_TO_SMS_PLATFORM',
      'LINK_TO_10DLC_CAMPAIGN',
      'UNLINK_TO_10DLC_CAMPAIGN',
      'LINK_TO_10DLC_CAMPAIGN',
      'DELETE',
    ]);
    for (const callback of receiver.received) {
      const expected = createHmac('sha1', secret).update(callback.rawBody).digest('hex');
      expect(callback.headers['x-sinch-signature']).toBe(expected);
    }
    expect(receiver.payloads().every((payload) => payload.resourceType === 'IMPORTED_NUMBER' && payload.resourceId === number)).toBe(true);
  });
});
