import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordEvent } from '../src/app/record-event.js';
import { toStorableText } from '../src/domain/storable-text.js';
import { DIALECTS, newDatabaseUrl } from './helpers/databases.js';
import { CallbackReceiver } from './helpers/receiver.js';
import type { TestService } from './helpers/service.js';
import { startTestService, waitUntil } from './helpers/service.js';

const CALLBACK_TIMEOUT_MS = 300;

interface DeliveryAttempt {
  attempt: number;
  startedTime: string;
  durationMs: number;
  statusCode: number | null;
  error: string;
  responseExcerpt: string;
}

interface Delivery {
  eventId: string;
  resourceId: string;
  eventType: string;
  deliveryState: string;
  body: string;
  attempts: DeliveryAttempt[];
}

/** A loopback server with a handler written by the test, for responses CallbackReceiver cannot send. */
class RawServer {
  readonly requests: Array<{ path: string; body: Buffer }> = [];
  private readonly server: Server;

  constructor(handler: (request: IncomingMessage, response: ServerResponse) => void) {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        this.requests.push({ path: request.url ?? '', body: Buffer.concat(chunks) });
        handler(request, response);
      });
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function eventIdOf(body: Buffer): string {
  return (JSON.parse(body.toString('utf8')) as { eventId: string }).eventId;
}

function expectedSignature(secret: string, rawBody: Buffer): string {
  return createHmac('sha1', Buffer.from(secret, 'utf8')).update(rawBody).digest('hex');
}

describe.each(DIALECTS)('callback delivery on %s', (dialect) => {
  let service: TestService;
  let exhaustingService: TestService;
  const stoppables: Array<{ stop(): Promise<void> }> = [];
  let nextLine = 100;

  /** Returns a number of the always-succeeding sandbox range not used before in this file. */
  function nextNumber(): string {
    nextLine += 1;
    return `+1202555${String(nextLine).padStart(4, '0')}`;
  }

  async function startReceiver(): Promise<{ receiver: CallbackReceiver; url: string }> {
    const receiver = new CallbackReceiver();
    stoppables.push(receiver);
    return { receiver, url: await receiver.start() };
  }

  async function startRawServer(handler: (request: IncomingMessage, response: ServerResponse) => void): Promise<{ server: RawServer; baseUrl: string }> {
    const server = new RawServer(handler);
    stoppables.push(server);
    return { server, baseUrl: await server.start() };
  }

  /** Imports a number without a campaign, which sends one PROVISIONING_TO_SMS_PLATFORM event to `callbackUrl`. */
  async function importNumber(target: TestService, callbackUrl: string, displayName = ''): Promise<string> {
    const phoneNumber = nextNumber();
    const response = await target.api('/importedNumbers', {
      method: 'POST',
      body: JSON.stringify({ phoneNumber, regionCode: 'US', displayName, smsConfiguration: { servicePlanId: 'plan-callbacks' }, callbackUrl }),
    });
    expect(response.status, await response.clone().text()).toBe(200);
    return phoneNumber;
  }

  async function deliveriesFor(target: TestService, resourceId: string): Promise<Delivery[]> {
    const response = await target.admin(`/projects/${target.projectId}/callbackDeliveries?resourceId=${encodeURIComponent(resourceId)}`);
    expect(response.status).toBe(200);
    return ((await response.json()) as { callbackDeliveries: Delivery[] }).callbackDeliveries;
  }

  async function waitForDelivery(target: TestService, resourceId: string, isDone: (delivery: Delivery) => boolean): Promise<Delivery> {
    const [delivery] = await waitUntil(
      () => deliveriesFor(target, resourceId),
      (list) => list.length === 1 && isDone(list[0] as Delivery),
      15_000,
    );
    return delivery as Delivery;
  }

  async function setHmacSecret(target: TestService, hmacSecret: string): Promise<void> {
    const response = await target.api('/callbackConfiguration', { method: 'PATCH', body: JSON.stringify({ hmacSecret }) });
    expect(response.status).toBe(200);
  }

  beforeAll(async () => {
    const env = { NUMBERHOST_CALLBACK_TIMEOUT_MS: String(CALLBACK_TIMEOUT_MS), NUMBERHOST_CALLBACK_RETRY_BASE_MS: '50' };
    service = await startTestService(await newDatabaseUrl(dialect), env);
    exhaustingService = await startTestService(await newDatabaseUrl(dialect), { ...env, NUMBERHOST_CALLBACK_MAX_ATTEMPTS: '2' });
  });

  afterAll(async () => {
    await service?.close();
    await exhaustingService?.close();
    for (const stoppable of stoppables) {
      await stoppable.stop();
    }
  });

  it('retries a 500 with the same event and body', async () => {
    const { receiver, url } = await startReceiver();
    receiver.respond = (callback) => {
      const eventId = eventIdOf(callback.rawBody);
      const earlier = receiver.received.filter((other) => eventIdOf(other.rawBody) === eventId).length;
      return earlier <= 3 ? 500 : 200;
    };
    const phoneNumber = await importNumber(service, url);
    const delivery = await waitForDelivery(service, phoneNumber, (entry) => entry.deliveryState === 'DELIVERED');

    expect(receiver.received).toHaveLength(4);
    const firstBody = receiver.received[0]?.rawBody as Buffer;
    for (const callback of receiver.received) {
      expect(callback.rawBody.equals(firstBody)).toBe(true);
      expect(eventIdOf(callback.rawBody)).toBe(delivery.eventId);
    }
    expect(Buffer.from(delivery.body, 'utf8').equals(firstBody)).toBe(true);
    expect(delivery.eventType).toBe('PROVISIONING_TO_SMS_PLATFORM');

    expect(delivery.attempts.map((attempt) => attempt.attempt)).toEqual([1, 2, 3, 4]);
    expect(delivery.attempts.map((attempt) => attempt.statusCode)).toEqual([500, 500, 500, 200]);
    for (const attempt of delivery.attempts) {
      expect(Number.isInteger(attempt.durationMs)).toBe(true);
      expect(attempt.durationMs).toBeGreaterThanOrEqual(0);
      expect(attempt.durationMs).toBeLessThan(CALLBACK_TIMEOUT_MS * 10);
    }
    const startedTimes = delivery.attempts.map((attempt) => Date.parse(attempt.startedTime));
    expect([...startedTimes].sort((a, b) => a - b)).toEqual(startedTimes);
  });

  it('signs the exact bytes with a non-ASCII secret', async () => {
    const secret = 'clé-秘密-🔑-ünïcødé';
    await setHmacSecret(service, secret);
    const { receiver, url } = await startReceiver();
    const phoneNumber = await importNumber(service, url, 'Zoë’s Café — 東京支店');
    await waitForDelivery(service, phoneNumber, (entry) => entry.deliveryState === 'DELIVERED');

    const [callback] = receiver.received;
    const header = callback?.headers['x-sinch-signature'];
    expect(header).toMatch(/^[0-9a-f]{40}$/);
    expect(header).toBe(expectedSignature(secret, callback?.rawBody as Buffer));
  });

  it('signs a body holding non-ASCII characters', async () => {
    const secret = 'clé-秘密-🔑-ünïcødé';
    await setHmacSecret(service, secret);
    const { receiver, url } = await startReceiver();
    const { ctx } = service.service;
    // The spec's payload carries no display name, so a resource id with non-ASCII text
    // is what puts multi-byte characters into the signed body.
    const resourceId = 'Zoë’s Café — 東京支店';
    await ctx.storage.db.transaction().execute((trx) =>
      recordEvent(trx, ctx, {
        projectId: service.projectId,
        resourceType: 'IMPORTED_NUMBER',
        resourceId,
        eventType: 'PROVISIONING_TO_SMS_PLATFORM',
        status: 'SUCCEEDED',
        callbackUrl: url,
      }),
    );
    ctx.wakeWorker();
    await waitForDelivery(service, resourceId, (entry) => entry.deliveryState === 'DELIVERED');

    const [callback] = receiver.received;
    const rawBody = callback?.rawBody as Buffer;
    expect(rawBody.toString('utf8')).toContain(resourceId);
    expect(rawBody.length).toBeGreaterThan(rawBody.toString('utf8').length);
    expect(callback?.headers['x-sinch-signature']).toBe(expectedSignature(secret, rawBody));
  });

  it('sends no signature header without a secret', async () => {
    await setHmacSecret(service, '');
    const { receiver, url } = await startReceiver();
    const phoneNumber = await importNumber(service, url);
    await waitForDelivery(service, phoneNumber, (entry) => entry.deliveryState === 'DELIVERED');

    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]?.headers).not.toHaveProperty('x-sinch-signature');
  });

  it('does not follow a redirect and retries it', async () => {
    const { server, baseUrl } = await startRawServer((request, response) => {
      if (request.url === '/callbacks') {
        response.writeHead(302, { location: '/moved' });
      } else {
        response.writeHead(200);
      }
      response.end();
    });
    const phoneNumber = await importNumber(service, `${baseUrl}/callbacks`);
    const delivery = await waitForDelivery(service, phoneNumber, (entry) => entry.attempts.length >= 2);

    expect(delivery.deliveryState).toBe('PENDING');
    expect(delivery.attempts.every((attempt) => attempt.statusCode === 302)).toBe(true);
    expect(server.requests.filter((request) => request.path === '/moved')).toEqual([]);
    const eventIds = new Set(server.requests.map((request) => eventIdOf(request.body)));
    expect(eventIds).toEqual(new Set([delivery.eventId]));
  });

  it('stores a response excerpt with NUL', async () => {
    const { server, baseUrl } = await startRawServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.end(Buffer.from('ok\x00done', 'latin1'));
    });
    const phoneNumber = await importNumber(service, `${baseUrl}/callbacks`);
    const delivery = await waitForDelivery(service, phoneNumber, (entry) => entry.deliveryState !== 'PENDING');

    expect(delivery.deliveryState).toBe('DELIVERED');
    expect(delivery.attempts.map((attempt) => attempt.statusCode)).toEqual([200]);
    expect(delivery.attempts[0]?.responseExcerpt).toBe('ok\uFFFDdone');
    expect(server.requests).toHaveLength(1);
  });

  it('times out a silent receiver and retries', async () => {
    const { server, baseUrl } = await startRawServer(() => {
      // Never responds, so the sender's timeout has to end the attempt.
    });
    const phoneNumber = await importNumber(service, `${baseUrl}/callbacks`);
    const delivery = await waitForDelivery(service, phoneNumber, (entry) => entry.attempts.length >= 2);

    expect(delivery.deliveryState).toBe('PENDING');
    for (const attempt of delivery.attempts.slice(0, 2)) {
      expect(attempt.statusCode).toBeNull();
      expect(attempt.error).not.toBe('');
      expect(attempt.durationMs).toBeGreaterThanOrEqual(CALLBACK_TIMEOUT_MS - 50);
      expect(attempt.durationMs).toBeLessThan(CALLBACK_TIMEOUT_MS * 10);
    }
    expect(server.requests.length).toBeGreaterThanOrEqual(2);
    expect(new Set(server.requests.map((request) => eventIdOf(request.body)))).toEqual(new Set([delivery.eventId]));
  });

  it('redelivers a delivered event with the same id', async () => {
    const { receiver, url } = await startReceiver();
    const phoneNumber = await importNumber(service, url);
    const delivered = await waitForDelivery(service, phoneNumber, (entry) => entry.deliveryState === 'DELIVERED');
    expect(receiver.received).toHaveLength(1);

    const response = await service.admin(`/projects/${service.projectId}/callbackDeliveries/${delivered.eventId}:redeliver`, { method: 'POST' });
    expect(response.status).toBe(200);
    const redelivered = await waitForDelivery(service, phoneNumber, (entry) => entry.deliveryState === 'DELIVERED' && entry.attempts.length === 2);

    await receiver.waitFor((payloads) => payloads.length === 2);
    expect(receiver.payloads().map((payload) => payload.eventId)).toEqual([delivered.eventId, delivered.eventId]);
    expect(receiver.received[1]?.rawBody.equals(receiver.received[0]?.rawBody as Buffer)).toBe(true);
    expect(redelivered.attempts.map((attempt) => [attempt.attempt, attempt.statusCode])).toEqual([
      [1, 200],
      [2, 200],
    ]);
  });

  it('never sends one event twice at once on repeated redelivery', async () => {
    const slow = await startTestService(await newDatabaseUrl(dialect), { NUMBERHOST_CALLBACK_TIMEOUT_MS: '5000' });
    try {
      let open = 0;
      let mostOpen = 0;
      const { server, baseUrl } = await startRawServer((_request, response) => {
        open += 1;
        mostOpen = Math.max(mostOpen, open);
        setTimeout(() => {
          open -= 1;
          response.writeHead(200).end('ok');
        }, 600);
      });
      const phoneNumber = await importNumber(slow, `${baseUrl}/callbacks`);
      await waitUntil(
        async () => server.requests.length,
        (count) => count === 1,
      );
      const [event] = await deliveriesFor(slow, phoneNumber);
      for (let click = 0; click < 4; click += 1) {
        const response = await slow.admin(`/projects/${slow.projectId}/callbackDeliveries/${event?.eventId ?? ''}:redeliver`, { method: 'POST' });
        expect(response.status).toBe(200);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await waitForDelivery(slow, phoneNumber, (entry) => entry.deliveryState === 'DELIVERED' && entry.attempts.length >= 2);
      // Give any redelivery still queued time to run, then check none overlapped.
      await new Promise((resolve) => setTimeout(resolve, 2500));
      expect(mostOpen).toBe(1);
      expect(server.requests.length).toBeGreaterThanOrEqual(2);
      expect(new Set(server.requests.map((request) => eventIdOf(request.body)))).toEqual(new Set([event?.eventId]));
    } finally {
      await slow.close();
    }
  });

  it('marks a delivery FAILED when attempts run out', async () => {
    const { receiver, url } = await startReceiver();
    receiver.respond = () => 500;
    const phoneNumber = await importNumber(exhaustingService, url);
    const failed = await waitForDelivery(exhaustingService, phoneNumber, (entry) => entry.deliveryState === 'FAILED');

    expect(failed.attempts.map((attempt) => attempt.statusCode)).toEqual([500, 500]);
    expect(receiver.received).toHaveLength(2);
    expect(new Set(receiver.payloads().map((payload) => payload.eventId))).toEqual(new Set([failed.eventId]));
    // The worker marks the event FAILED just before it deletes the job, so wait for the delete.
    const jobs = await waitUntil(
      () => exhaustingService.service.ctx.storage.db.selectFrom('jobs').select('id').execute(),
      (rows) => rows.length === 0,
      5000,
    );
    expect(jobs).toEqual([]);
    expect(receiver.received).toHaveLength(2);
  });

  it('redelivers a FAILED event once the receiver recovers', async () => {
    const { receiver, url } = await startReceiver();
    receiver.respond = (_callback, index) => (index < 2 ? 500 : 200);
    const phoneNumber = await importNumber(exhaustingService, url);
    const failed = await waitForDelivery(exhaustingService, phoneNumber, (entry) => entry.deliveryState === 'FAILED');

    const response = await exhaustingService.admin(`/projects/${exhaustingService.projectId}/callbackDeliveries/${failed.eventId}:redeliver`, { method: 'POST' });
    expect(response.status).toBe(200);
    const delivered = await waitForDelivery(exhaustingService, phoneNumber, (entry) => entry.deliveryState === 'DELIVERED');

    expect(delivered.eventId).toBe(failed.eventId);
    expect(delivered.attempts.map((attempt) => [attempt.attempt, attempt.statusCode])).toEqual([
      [1, 500],
      [2, 500],
      [3, 200],
    ]);
    expect(receiver.payloads().map((payload) => payload.eventId)).toEqual([failed.eventId, failed.eventId, failed.eventId]);
  });
});

describe('storable text', () => {
  it.each([
    ['ok\u0000done', 'ok\uFFFDdone'],
    ['\u0000\u0000', '\uFFFD\uFFFD'],
    ['lone high \uD83D end', 'lone high \uFFFD end'],
    ['lone low \uDE00 end', 'lone low \uFFFD end'],
    ['cut pair \uD83D', 'cut pair \uFFFD'],
    ['pair \uD83D\uDE00 kept', 'pair \uD83D\uDE00 kept'],
    ['tab\tnewline\nkept', 'tab\tnewline\nkept'],
  ])('toStorableText(%j) is %j', (input, expected) => {
    expect(toStorableText(input)).toBe(expected);
  });
});
