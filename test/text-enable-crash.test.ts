/**
 * Kills the server with SIGKILL twice in a text-enable order's life: while the order
 * waits for its LOA signature, and while its OSR updates run. After each restart the
 * order goes on, and every callback reaches the receiver with its original event id.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage } from '../src/storage/storage.js';
import { newSqliteUrl } from './helpers/databases.js';
import type { ReceivedCallback } from './helpers/receiver.js';
import { CallbackReceiver } from './helpers/receiver.js';
import { waitUntil } from './helpers/service.js';
import type { SpawnedServer } from './helpers/spawn.js';
import { killSpawnedServers, spawnServer } from './helpers/spawn.js';

const HMAC_SECRET = 'text-enable-crash-secret';
// Line 0193 is a sandbox magic number whose OSR update meets two temporary faults, so it
// is still running after the other numbers' OSR_UPDATE callbacks have gone out.
const SLOW_NUMBER = '+13125550193';
const NUMBERS = ['+13125550301', '+13125550302', SLOW_NUMBER];
// OSR_UPDATE, PROVISIONING_TO_SMS_PLATFORM, LINK_TO_10DLC_CAMPAIGN and HOSTING_PROCESS per number.
const EVENTS_PER_NUMBER = 4;

const SERVER_ENV = {
  // Long enough that the OSR updates are still running when the process is killed.
  NUMBERHOST_STEP_DELAY_MS: '1500',
  NUMBERHOST_WORKER_POLL_MS: '50',
  NUMBERHOST_ELIGIBILITY_DELAY_MS: '0',
  NUMBERHOST_CALLBACK_RETRY_BASE_MS: '2000',
  NUMBERHOST_CALLBACK_TIMEOUT_MS: '2000',
};

interface Reception {
  eventId: string;
  statusCode: number;
  isBeforeKill: boolean;
  callback: ReceivedCallback;
}

interface OrderNumber {
  phoneNumber: string;
  osrUpdate: { state: string };
}

const DIRECT_LOA = {
  authorisedPerson: { firstName: 'Rita', lastName: 'Crash', email: 'rita@example.com' },
  address: { buildingNumber: '9', street: 'Lake St', city: 'Chicago', state: 'IL', postalCode: '60601', country: 'US' },
  currentVoiceCarrier: 'Verizon',
};

/** Signs the LOA over plain HTTP, as a browser posts the form. */
async function signOverHttp(link: string): Promise<Response> {
  const page = await fetch(link);
  expect(page.status).toBe(200);
  const html = await page.text();
  const csrfToken = /name="csrfToken" value="([^"]+)"/.exec(html)?.[1];
  const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  expect(csrfToken).toBeDefined();
  const form = new URLSearchParams({ csrfToken: csrfToken as string, action: 'sign', fullName: 'Rita Crash', consent: 'yes' });
  return fetch(link, { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
}

describe('text-enable crash recovery on SQLite', () => {
  const databaseUrl = newSqliteUrl();
  const receiver = new CallbackReceiver();
  const receptions: Reception[] = [];
  let isBeforeKill = true;
  let callbackUrl: string;
  let server: SpawnedServer;
  let hostingOrderId: string;
  let signingPath: string;

  beforeAll(async () => {
    // Before each kill the first attempt of every new event fails, so retries cross the restart.
    const seen = new Set<string>();
    receiver.respond = (callback) => {
      const eventId = (JSON.parse(callback.rawBody.toString('utf8')) as { eventId: string }).eventId;
      const isFirst = !seen.has(eventId);
      seen.add(eventId);
      const statusCode = isBeforeKill && isFirst ? 500 : 200;
      receptions.push({ eventId, statusCode, isBeforeKill, callback });
      return statusCode;
    };
    callbackUrl = await receiver.start();
    server = await spawnServer(databaseUrl, SERVER_ENV);
  });

  afterAll(async () => {
    await killSpawnedServers();
    await receiver.stop();
  });

  it('is killed while the order waits for its signature', async () => {
    expect((await server.api('/callbackConfiguration', { method: 'PATCH', body: JSON.stringify({ hmacSecret: HMAC_SECRET }) })).status).toBe(200);
    const added = await server.api('/qualifiedNumbers:addNumbers', { method: 'POST', body: JSON.stringify({ phoneNumbers: NUMBERS }) });
    expect(added.status).toBe(200);
    for (const phoneNumber of NUMBERS) {
      await waitUntil(
        async () => ((await (await server.api(`/qualifiedNumbers/${encodeURIComponent(phoneNumber)}`)).json()) as { globalProcessState: string }).globalProcessState,
        (state) => state === 'GLOBAL_PROCESS_STATE_ELIGIBLE',
      );
      const approved = await server.admin(`/projects/${server.projectId}/qualifiedNumbers/${encodeURIComponent(phoneNumber)}:approveOwnership`, { method: 'POST' });
      expect(approved.status).toBe(200);
    }
    const created = await server.api('/hostingOrders:textEnableNumbers', {
      method: 'POST',
      body: JSON.stringify({ numbers: NUMBERS, regionCode: 'US', servicePlanId: 'plan-crash', campaignId: 'CAMPCRASH', directLoaInfo: DIRECT_LOA, callbackUrl }),
    });
    expect(created.status, await created.clone().text()).toBe(200);
    hostingOrderId = ((await created.json()) as { hostingOrderId: string }).hostingOrderId;

    const emails = await waitUntil(
      async () => ((await (await server.admin(`/projects/${server.projectId}/emails?hostingOrderId=${hostingOrderId}`)).json()) as { emails: Array<{ links: string[] }> }).emails,
      (list) => list.length === 1,
    );
    signingPath = new URL(emails[0]?.links[0] as string).pathname;
    expect(await server.kill('SIGKILL')).toBe('SIGKILL');
  });

  it('signs after the restart and is killed during the OSR updates', async () => {
    const projectId = server.projectId;
    server = await spawnServer(databaseUrl, SERVER_ENV);
    expect(server.projectId).toBe(projectId);
    const order = (await (await server.api(`/hostingOrders/${hostingOrderId}`)).json()) as { state: string };
    expect(order.state).toBe('WAITING_FOR_LOA_SIGNATURE');

    const signed = await signOverHttp(`${server.baseUrl}${signingPath}`);
    expect(signed.status).toBe(200);
    const numbers = await waitUntil(
      async () => ((await (await server.api(`/hostingOrders/${hostingOrderId}/numbers`)).json()) as { numbers: OrderNumber[] }).numbers,
      (list) => receptions.some((reception) => reception.statusCode === 500) && list.some((number) => number.osrUpdate.state === 'DONE'),
      20_000,
      10,
    );
    expect(await server.kill('SIGKILL')).toBe('SIGKILL');
    expect(numbers.find((number) => number.phoneNumber === SLOW_NUMBER)?.osrUpdate.state).not.toBe('DONE');
    isBeforeKill = false;

    const storage = openStorage(databaseUrl);
    try {
      const stored = await storage.db.selectFrom('hosting_orders').select('state').where('id', '=', hostingOrderId).executeTakeFirstOrThrow();
      expect(stored.state).toBe('IN_PROGRESS');
      const osrJobs = await storage.db.selectFrom('jobs').select('id').where('type', '=', 'osr_step').execute();
      expect(osrJobs.length).toBeGreaterThan(0);
    } finally {
      await storage.close();
    }
  });

  it('completes the order after the second restart', async () => {
    server = await spawnServer(databaseUrl, SERVER_ENV);
    const order = await waitUntil(
      async () => (await (await server.api(`/hostingOrders/${hostingOrderId}`)).json()) as { state: string },
      (body) => body.state === 'COMPLETED',
      30_000,
      100,
    );
    expect(order.state).toBe('COMPLETED');
    const report = await (await server.api(`/hostingOrders/${hostingOrderId}/report`)).json();
    expect(report).toEqual({ total: NUMBERS.length, osrUpdated: NUMBERS.length, smsProvisioned: NUMBERS.length, addedToCampaign: NUMBERS.length, ongoingManualAction: 0 });
    for (const phoneNumber of NUMBERS) {
      const qualified = (await (await server.api(`/qualifiedNumbers/${encodeURIComponent(phoneNumber)}`)).json()) as { globalProcessState: string };
      expect(qualified.globalProcessState).toBe('GLOBAL_PROCESS_STATE_HOSTING_DONE');
      expect((await server.api(`/importedNumbers/${encodeURIComponent(phoneNumber)}`)).status).toBe(200);
    }
  });

  it('delivers every event once with its original id, body and signature', async () => {
    const expected = NUMBERS.length * EVENTS_PER_NUMBER;
    const deliveries = await waitUntil(
      async () =>
        ((await (await server.admin(`/projects/${server.projectId}/callbackDeliveries`)).json()) as { callbackDeliveries: Array<{ eventId: string; deliveryState: string }> })
          .callbackDeliveries,
      (list) => list.length === expected && list.every((delivery) => delivery.deliveryState === 'DELIVERED'),
      30_000,
      100,
    );
    const loggedIds = new Set(deliveries.map((delivery) => delivery.eventId));
    const deliveredIds = new Set(receptions.filter((reception) => reception.statusCode === 200).map((reception) => reception.eventId));
    expect([...loggedIds].filter((eventId) => !deliveredIds.has(eventId))).toEqual([]);
    expect(receptions.filter((reception) => !loggedIds.has(reception.eventId))).toEqual([]);

    const labels = receptions
      .filter((reception) => reception.statusCode === 200)
      .map((reception) => JSON.parse(reception.callback.rawBody.toString('utf8')) as { eventType: string; resourceId: string; status: string })
      .map((payload) => `${payload.resourceId} ${payload.eventType} ${payload.status}`)
      .sort();
    const expectedLabels = NUMBERS.flatMap((phoneNumber) =>
      ['OSR_UPDATE', 'PROVISIONING_TO_SMS_PLATFORM', 'LINK_TO_10DLC_CAMPAIGN', 'HOSTING_PROCESS'].map((eventType) => `${phoneNumber} ${eventType} SUCCEEDED`),
    ).sort();
    expect(labels).toEqual(expectedLabels);

    for (const eventId of loggedIds) {
      const group = receptions.filter((reception) => reception.eventId === eventId);
      const firstBody = (group[0] as Reception).callback.rawBody;
      for (const reception of group) {
        expect(reception.callback.rawBody.equals(firstBody)).toBe(true);
        const signature = createHmac('sha1', Buffer.from(HMAC_SECRET, 'utf8')).update(reception.callback.rawBody).digest('hex');
        expect(reception.callback.headers['x-sinch-signature']).toBe(signature);
      }
    }
    const failedBeforeKill = new Set(receptions.filter((reception) => reception.isBeforeKill && reception.statusCode === 500).map((reception) => reception.eventId));
    const retriedAfter = receptions.filter((reception) => !reception.isBeforeKill && failedBeforeKill.has(reception.eventId));
    expect(failedBeforeKill.size).toBeGreaterThan(0);
    expect(retriedAfter.length).toBeGreaterThan(0);
  });
});
