import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage } from '../src/storage/storage.js';
import { newSqliteUrl } from './helpers/databases.js';
import type { ReceivedCallback } from './helpers/receiver.js';
import { CallbackReceiver } from './helpers/receiver.js';
import { waitUntil } from './helpers/service.js';
import type { SpawnedServer } from './helpers/spawn.js';
import { killSpawnedServers, spawnServer } from './helpers/spawn.js';

const ORDER_COUNT = 4;
const NUMBERS_PER_ORDER = 5;
// Each import order sends one PROVISIONING, one LINK and one HOSTING_PROCESS event per number.
const EVENTS_PER_ORDER = 3 * NUMBERS_PER_ORDER;
const HMAC_SECRET = 'crash-secret-ü';

const SERVER_ENV = {
  // Long enough that every order is still running when the process is killed.
  NUMBERHOST_STEP_DELAY_MS: '1500',
  NUMBERHOST_WORKER_POLL_MS: '50',
  // A failed delivery retries 1 to 2 s later, which is after the kill below.
  NUMBERHOST_CALLBACK_RETRY_BASE_MS: '2000',
  NUMBERHOST_CALLBACK_TIMEOUT_MS: '2000',
};

interface Reception {
  eventId: string;
  statusCode: number;
  isBeforeKill: boolean;
  callback: ReceivedCallback;
}

interface Delivery {
  eventId: string;
  deliveryState: string;
  attempts: Array<{ statusCode: number | null }>;
}

function orderNumbers(orderIndex: number): string[] {
  return Array.from({ length: NUMBERS_PER_ORDER }, (_, position) => `+1312555${String(100 + orderIndex * NUMBERS_PER_ORDER + position).padStart(4, '0')}`);
}

describe('crash recovery on SQLite', () => {
  const databaseUrl = newSqliteUrl();
  const receiver = new CallbackReceiver();
  const receptions: Reception[] = [];
  let isBeforeKill = true;
  let callbackUrl: string;
  let server: SpawnedServer;
  const orderIds: string[] = [];

  beforeAll(async () => {
    // Before the kill, the first attempt of every second new event fails; afterwards all succeed.
    const seenEventIds: string[] = [];
    receiver.respond = (callback) => {
      const eventId = (JSON.parse(callback.rawBody.toString('utf8')) as { eventId: string }).eventId;
      const isFirstReception = !seenEventIds.includes(eventId);
      if (isFirstReception) {
        seenEventIds.push(eventId);
      }
      const statusCode = isBeforeKill && isFirstReception && seenEventIds.length % 2 === 1 ? 500 : 200;
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

  it('starts orders and is killed while they run', async () => {
    const configured = await server.api('/callbackConfiguration', { method: 'PATCH', body: JSON.stringify({ hmacSecret: HMAC_SECRET }) });
    expect(configured.status).toBe(200);
    for (let orderIndex = 0; orderIndex < ORDER_COUNT; orderIndex += 1) {
      const response = await server.api('/hostingOrders:importNumbers', {
        method: 'POST',
        body: JSON.stringify({ numbers: orderNumbers(orderIndex), regionCode: 'US', servicePlanId: 'plan-crash', campaignId: 'CAMPCRASH', callbackUrl }),
      });
      expect(response.status).toBe(200);
      orderIds.push(((await response.json()) as { hostingOrderId: string }).hostingOrderId);
    }

    await waitUntil(
      async () => receptions.length,
      () => receptions.some((reception) => reception.statusCode === 500) && receptions.some((reception) => reception.statusCode === 200),
      20_000,
      10,
    );
    expect(await server.kill('SIGKILL')).toBe('SIGKILL');
    isBeforeKill = false;

    // Read the file the dead process left behind: work is half done and leases are still held.
    const storage = openStorage(databaseUrl);
    try {
      const unfinished = await storage.db.selectFrom('hosting_orders').select('id').where('state', '!=', 'COMPLETED').execute();
      expect(unfinished.length).toBe(ORDER_COUNT);
      const pending = await storage.db.selectFrom('callback_events').select('id').where('delivery_state', '=', 'PENDING').execute();
      expect(pending.length).toBeGreaterThan(0);
      const jobs = await storage.db.selectFrom('jobs').select(['id', 'locked_by']).execute();
      expect(jobs.length).toBeGreaterThan(0);
    } finally {
      await storage.close();
    }
  });

  it('completes every order after a restart', async () => {
    const previousProjectId = server.projectId;
    server = await spawnServer(databaseUrl, SERVER_ENV);
    expect(server.projectId).toBe(previousProjectId);

    for (const hostingOrderId of orderIds) {
      const order = await waitUntil(
        async () => (await (await server.api(`/hostingOrders/${hostingOrderId}`)).json()) as { state: string },
        (body) => body.state === 'COMPLETED',
        30_000,
        100,
      );
      expect(order.state).toBe('COMPLETED');
      const report = await (await server.api(`/hostingOrders/${hostingOrderId}/report`)).json();
      expect(report).toEqual({ total: 5, osrUpdated: 5, smsProvisioned: 5, addedToCampaign: 5, ongoingManualAction: 0 });
    }
  });

  it('delivers every logged event to the receiver', async () => {
    const deliveries = await waitUntil(
      async () => {
        const response = await server.admin(`/projects/${server.projectId}/callbackDeliveries`);
        return ((await response.json()) as { callbackDeliveries: Delivery[] }).callbackDeliveries;
      },
      (list) => list.length === ORDER_COUNT * EVENTS_PER_ORDER && list.every((delivery) => delivery.deliveryState === 'DELIVERED'),
      30_000,
      100,
    );
    const loggedIds = new Set(deliveries.map((delivery) => delivery.eventId));
    expect(loggedIds.size).toBe(ORDER_COUNT * EVENTS_PER_ORDER);

    const deliveredIds = new Set(receptions.filter((reception) => reception.statusCode === 200).map((reception) => reception.eventId));
    expect([...loggedIds].filter((eventId) => !deliveredIds.has(eventId))).toEqual([]);
    expect(receptions.filter((reception) => !loggedIds.has(reception.eventId))).toEqual([]);
    for (const delivery of deliveries) {
      expect(delivery.attempts.at(-1)?.statusCode).toBe(200);
    }
  });

  it('sends duplicates with the same id, body and signature', () => {
    const byEventId = new Map<string, Reception[]>();
    for (const reception of receptions) {
      byEventId.set(reception.eventId, [...(byEventId.get(reception.eventId) ?? []), reception]);
    }
    for (const group of byEventId.values()) {
      const firstBody = (group[0] as Reception).callback.rawBody;
      for (const reception of group) {
        expect(reception.callback.rawBody.equals(firstBody)).toBe(true);
        const signature = createHmac('sha1', Buffer.from(HMAC_SECRET, 'utf8')).update(reception.callback.rawBody).digest('hex');
        expect(reception.callback.headers['x-sinch-signature']).toBe(signature);
      }
    }
  });

  it('retries a pre-crash failure after the restart with its event id', () => {
    const failedBeforeKill = new Set(receptions.filter((reception) => reception.isBeforeKill && reception.statusCode === 500).map((reception) => reception.eventId));
    const retriedAfterRestart = receptions.filter((reception) => !reception.isBeforeKill && failedBeforeKill.has(reception.eventId));
    expect(failedBeforeKill.size).toBeGreaterThan(0);
    expect(retriedAfterRestart.length).toBeGreaterThan(0);
    expect(retriedAfterRestart.every((reception) => reception.statusCode === 200)).toBe(true);
  });

  it('stops on SIGTERM after the restart', async () => {
    expect(await server.kill('SIGTERM')).toBe(0);
  });
});
