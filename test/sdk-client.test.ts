import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DirectLoaInfo, FetchFunction, NumberhostClient, NumberhostClientOptions, RetryEvent } from 'numberhost/sdk';
import { createClient, NumberhostApiError, NumberhostWaitTimeoutError, parseCallbackPayload, verifyCallbackSignature } from 'numberhost/sdk';
import { newSqliteUrl } from './helpers/databases.js';
import { CallbackReceiver } from './helpers/receiver.js';
import type { TestService } from './helpers/service.js';
import { startTestService, waitUntil } from './helpers/service.js';

const MINUTE_MS = 60_000;
const SERVICE_PLAN_ID = 'plan-sdk';
const ANY_ORDER = { states: 'HOSTING_ORDER_STATE_UNSPECIFIED', type: 'HOSTING_ORDER_TYPE_UNSPECIFIED', campaignId: '' } as const;
const DIRECT_LOA: DirectLoaInfo = {
  authorisedPerson: { firstName: 'Jane', lastName: 'Doe', email: 'jane.doe@example.com' },
  address: { buildingNumber: '2433', street: 'Vesta Drive', city: 'Chicago', state: 'IL', postalCode: '60647', country: 'US' },
  currentVoiceCarrier: 'Verizon',
};
/** Poll often: the test service runs each carrier step in about 50 ms. */
const FAST_POLL = { intervalMs: 50, timeoutMs: 20_000 } as const;

/** `count` sandbox numbers that pass every step, in one area code. */
function numbersIn(areaCode: string, count: number, firstLine = 100): string[] {
  return Array.from({ length: count }, (_, index) => `+1${areaCode}5550${String(firstLine + index).padStart(3, '0')}`);
}

/** What a client sent and received, seen through its injected fetch. */
interface Traffic {
  tokenRequests: number;
  apiStatuses: number[];
  apiMethods: string[];
  authorizations: string[];
}

function newTraffic(): Traffic {
  return { tokenRequests: 0, apiStatuses: [], apiMethods: [], authorizations: [] };
}

/** Returns a fetch that sends for real and counts requests. `rewrite` may replace a response before the SDK receives it. */
function countingFetch(traffic: Traffic, rewrite?: (request: Request, response: Response) => Response | undefined): FetchFunction {
  return async (request) => {
    const isTokenRequest = new URL(request.url).pathname === '/oauth2/token';
    if (!isTokenRequest) {
      traffic.authorizations.push(request.headers.get('authorization') ?? '');
      traffic.apiMethods.push(request.method);
    }
    const response = await fetch(request);
    if (isTokenRequest) {
      traffic.tokenRequests += 1;
    } else {
      traffic.apiStatuses.push(response.status);
    }
    return rewrite?.(request, response) ?? response;
  };
}

function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

/** Runs `promise`, which must reject, and returns what it rejected with. */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('Expected the promise to reject, but it resolved.');
}

async function apiErrorOf(promise: Promise<unknown>): Promise<NumberhostApiError> {
  const error = await rejectionOf(promise);
  expect(error).toBeInstanceOf(NumberhostApiError);
  return error as NumberhostApiError;
}

describe('SDK client against numberhost', () => {
  let service: TestService;
  const receiver = new CallbackReceiver();
  let callbackUrl: string;

  function basicClient(overrides: Partial<NumberhostClientOptions> = {}): NumberhostClient {
    return createClient({
      baseUrl: service.baseUrl,
      projectId: service.projectId,
      auth: { method: 'basic', keyId: service.keyId, keySecret: service.keySecret },
      ...overrides,
    });
  }

  function oauthClient(overrides: Partial<NumberhostClientOptions> = {}): NumberhostClient {
    return createClient({
      baseUrl: service.baseUrl,
      projectId: service.projectId,
      auth: { method: 'oauth2', keyId: service.keyId, keySecret: service.keySecret },
      ...overrides,
    });
  }

  async function admin<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await service.admin(path, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await response.text();
    expect(response.status, text).toBe(200);
    return JSON.parse(text) as T;
  }

  /** Qualifies the numbers and marks them VERIFIED through the operator's ownership review. */
  async function addVerifiedNumbers(client: NumberhostClient, phoneNumbers: string[]): Promise<void> {
    await client.qualifiedNumbers.add(phoneNumbers);
    for (const phoneNumber of phoneNumbers) {
      const eligible = await client.waitForQualifiedNumber(phoneNumber, FAST_POLL);
      expect(eligible.globalProcessState).toBe('GLOBAL_PROCESS_STATE_ELIGIBLE');
      await admin('POST', `/projects/${service.projectId}/qualifiedNumbers/${encodeURIComponent(phoneNumber)}:approveOwnership`);
    }
  }

  beforeAll(async () => {
    service = await startTestService(newSqliteUrl(), { NUMBERHOST_ELIGIBILITY_DELAY_MS: '100' });
    callbackUrl = await receiver.start();
  });

  afterAll(async () => {
    await receiver.stop();
    await service?.close();
  });

  describe('Basic auth', () => {
    it('imported number lifecycle', async () => {
      const client = basicClient();
      const [phoneNumber] = numbersIn('303', 1) as [string];
      const created = await client.importedNumbers.create({ phoneNumber, regionCode: 'US', smsConfiguration: { servicePlanId: SERVICE_PLAN_ID }, displayName: 'Front desk' });
      expect(created.phoneNumber).toBe(phoneNumber);

      const read = await client.importedNumbers.get(phoneNumber);
      expect(read.displayName).toBe('Front desk');
      const updated = await client.importedNumbers.update(phoneNumber, { displayName: 'Back office' });
      expect(updated.displayName).toBe('Back office');

      await client.importedNumbers.delete(phoneNumber);
      const error = await apiErrorOf(client.importedNumbers.get(phoneNumber));
      expect(error.httpStatus).toBe(404);
    });

    it('wrong secret is UNAUTHENTICATED', async () => {
      const client = basicClient({ auth: { method: 'basic', keyId: service.keyId, keySecret: 'wrong-secret' } });
      const error = await apiErrorOf(client.importedNumbers.list());
      expect(error.httpStatus).toBe(401);
      expect(error.status).toBe('UNAUTHENTICATED');
    });
  });

  describe('OAuth2', () => {
    it('one token serves many calls', async () => {
      const traffic = newTraffic();
      const client = oauthClient({ fetch: countingFetch(traffic) });
      await client.importedNumbers.list();
      await client.callbackConfiguration.get();
      await client.hostingOrders.list({ ...ANY_ORDER, servicePlanId: '' });
      expect(traffic.tokenRequests).toBe(1);
      expect(traffic.apiStatuses).toEqual([200, 200, 200]);
      expect(traffic.authorizations.every((header) => header.startsWith('Bearer '))).toBe(true);
    });

    it('concurrent calls share one token request', async () => {
      const traffic = newTraffic();
      const client = oauthClient({ fetch: countingFetch(traffic) });
      await Promise.all(Array.from({ length: 8 }, () => client.importedNumbers.list({ pageSize: 1 })));
      expect(traffic.tokenRequests).toBe(1);
      expect(traffic.apiStatuses).toHaveLength(8);
    });

    it('token is replaced 60 s before expiry', async () => {
      let nowMs = Date.now();
      const traffic = newTraffic();
      const client = oauthClient({ fetch: countingFetch(traffic), now: () => nowMs });
      await client.callbackConfiguration.get();

      nowMs += 58 * MINUTE_MS;
      await client.callbackConfiguration.get();
      expect(traffic.tokenRequests).toBe(1);

      nowMs += 1 * MINUTE_MS + 1000;
      await client.callbackConfiguration.get();
      expect(traffic.tokenRequests).toBe(2);
      expect(traffic.apiStatuses).toEqual([200, 200, 200]);
    });

    it('token expiring mid-iteration goes unnoticed', async () => {
      const phoneNumbers = numbersIn('206', 4);
      for (const phoneNumber of phoneNumbers) {
        await basicClient().importedNumbers.create({ phoneNumber, regionCode: 'US', smsConfiguration: { servicePlanId: SERVICE_PLAN_ID } });
      }
      let nowMs = Date.now();
      const traffic = newTraffic();
      const client = oauthClient({ fetch: countingFetch(traffic), now: () => nowMs });

      const seen: string[] = [];
      for await (const number of client.importedNumbers.iterate({ 'numberPattern.pattern': '+1206', 'numberPattern.searchPattern': 'START', pageSize: 1 })) {
        seen.push(number.phoneNumber ?? '');
        // The token lasts 3600 s, so the third page needs a new one.
        nowMs += 30 * MINUTE_MS;
      }
      expect(seen).toEqual(phoneNumbers);
      expect(traffic.tokenRequests).toBe(2);
      expect(traffic.apiStatuses).toEqual([200, 200, 200, 200]);
    });

    it('rejected token is replaced once', async () => {
      const traffic = newTraffic();
      let isFirstToken = true;
      const client = oauthClient({
        fetch: countingFetch(traffic, (request, response) => {
          if (!request.url.endsWith('/oauth2/token') || !isFirstToken) {
            return undefined;
          }
          isFirstToken = false;
          // A token the server does not accept, as an expired one would be.
          return jsonResponse(200, { access_token: 'expired.token.value', token_type: 'Bearer', expires_in: 3600, scope: '' });
        }),
      });
      const configuration = await client.callbackConfiguration.get();
      expect(configuration.projectId).toBe(service.projectId);
      expect(traffic.tokenRequests).toBe(2);
      expect(traffic.apiStatuses).toEqual([401, 200]);
    });

    it('POST is resent after a rejected token', async () => {
      const traffic = newTraffic();
      let isFirstToken = true;
      const client = oauthClient({
        fetch: countingFetch(traffic, (request) => {
          if (!request.url.endsWith('/oauth2/token') || !isFirstToken) {
            return undefined;
          }
          isFirstToken = false;
          return jsonResponse(200, { access_token: 'expired.token.value', token_type: 'Bearer', expires_in: 3600 });
        }),
      });
      const [phoneNumber] = numbersIn('512', 1, 110) as [string];
      const { qualifiedNumbers } = await client.qualifiedNumbers.add([phoneNumber]);
      expect(qualifiedNumbers?.[0]?.phoneNumber).toBe(phoneNumber);
      expect(traffic.apiMethods).toEqual(['POST', 'POST']);
      expect(traffic.apiStatuses).toEqual([401, 200]);
    });

    it('wrong secret fails the token request', async () => {
      const client = oauthClient({ auth: { method: 'oauth2', keyId: service.keyId, keySecret: 'wrong-secret' } });
      const error = await apiErrorOf(client.callbackConfiguration.get());
      expect(error.httpStatus).toBe(401);
      expect(error.status).toBe('invalid_client');
      expect(error.url).toBe(`${service.baseUrl}/oauth2/token`);
    });
  });

  describe('errors', () => {
    it('flat 404 is parsed', async () => {
      const error = await apiErrorOf(basicClient().importedNumbers.get('+12025550199'));
      expect(error.httpStatus).toBe(404);
      expect(error.status).toBe('NOT_FOUND');
      expect(error.message).toContain('+12025550199');
      expect(error.method).toBe('GET');
      expect(error.url).toContain('/importedNumbers/%2B12025550199');
      expect(error.fieldViolations).toEqual([]);
    });

    it('flat 400 carries field violations', async () => {
      const error = await apiErrorOf(
        basicClient().importedNumbers.create({ phoneNumber: '12025550100', regionCode: 'US', smsConfiguration: { servicePlanId: SERVICE_PLAN_ID } }),
      );
      expect(error.httpStatus).toBe(400);
      expect(error.status).toBe('INVALID_ARGUMENT');
      expect(error.fieldViolations.map((violation) => violation.field)).toContain('phoneNumber');
      expect(error.fieldViolations[0]?.description).not.toBe('');
    });

    it('wrapped 400 of callbackConfiguration is parsed', async () => {
      const error = await apiErrorOf(basicClient().callbackConfiguration.update({ hmacSecret: 'x'.repeat(257) }));
      expect(error.body).toHaveProperty('error.code', 400);
      expect(error.httpStatus).toBe(400);
      expect(error.status).toBe('INVALID_ARGUMENT');
      expect(error.fieldViolations).toEqual([{ field: 'hmacSecret', description: expect.stringContaining('257') as string }]);
    });

    it('non-JSON body falls back to the HTTP status', async () => {
      const client = basicClient({ fetch: () => Promise.resolve(new Response('<html><body>Bad gateway</body></html>', { status: 502, statusText: 'Bad Gateway', headers: { 'content-type': 'text/html' } })) });
      const error = await apiErrorOf(client.hostingOrders.get('01jbz3r0h7k5q2m8w6x4y9t1va'));
      expect(error.httpStatus).toBe(502);
      expect(error.status).toBe('UNKNOWN');
      expect(error.message).toContain('HTTP 502 Bad Gateway');
      expect(error.message).toContain('<html><body>Bad gateway</body></html>');
      expect(error.body).toBe('<html><body>Bad gateway</body></html>');
    });

    it('empty error body falls back to the HTTP status', async () => {
      const client = basicClient({ fetch: () => Promise.resolve(new Response(null, { status: 503 })), retry: false });
      const error = await apiErrorOf(client.qualifiedNumbers.get('+12025550134'));
      expect(error.status).toBe('UNAVAILABLE');
      expect(error.message).toContain('GET');
    });

    it('voice challenge too soon is 429 with Retry-After', async () => {
      const traffic = newTraffic();
      const client = basicClient({ fetch: countingFetch(traffic) });
      const [phoneNumber] = numbersIn('617', 1) as [string];
      await client.qualifiedNumbers.add([phoneNumber]);
      await client.waitForQualifiedNumber(phoneNumber, FAST_POLL);
      await client.qualifiedNumbers.sendVoiceChallenge(phoneNumber);

      const postsBefore = traffic.apiMethods.filter((method) => method === 'POST').length;
      const error = await apiErrorOf(client.qualifiedNumbers.sendVoiceChallenge(phoneNumber));
      expect(error.httpStatus).toBe(429);
      expect(error.status).toBe('RESOURCE_EXHAUSTED');
      expect(error.retryAfterSeconds).toBeGreaterThan(0);
      expect(traffic.apiMethods.filter((method) => method === 'POST').length - postsBefore).toBe(1);
    });
  });

  describe('iterators', () => {
    it('imported numbers over three pages', async () => {
      const phoneNumbers = numbersIn('720', 5);
      const client = basicClient();
      for (const phoneNumber of phoneNumbers) {
        await client.importedNumbers.create({ phoneNumber, regionCode: 'US', smsConfiguration: { servicePlanId: SERVICE_PLAN_ID } });
      }
      const traffic = newTraffic();
      const counted = basicClient({ fetch: countingFetch(traffic) });
      const seen: string[] = [];
      for await (const number of counted.importedNumbers.iterate({ 'numberPattern.pattern': '+1720', 'numberPattern.searchPattern': 'START', pageSize: 2 })) {
        seen.push(number.phoneNumber ?? '');
      }
      expect(seen).toEqual(phoneNumbers);
      expect(traffic.apiStatuses).toHaveLength(3);
    });

    it('hosting orders and their numbers over several pages', async () => {
      const client = basicClient();
      const servicePlanId = 'plan-sdk-iterate';
      const orderIds: string[] = [];
      for (const areaCode of ['404', '405', '406']) {
        const order = await client.hostingOrders.importNumbers({ regionCode: 'US', numbers: numbersIn(areaCode, areaCode === '404' ? 5 : 1), servicePlanId });
        orderIds.push(order.hostingOrderId ?? '');
      }
      const traffic = newTraffic();
      const counted = basicClient({ fetch: countingFetch(traffic) });
      const seenOrders: string[] = [];
      for await (const order of counted.hostingOrders.iterate({ ...ANY_ORDER, servicePlanId, pageSize: 2 })) {
        seenOrders.push(order.hostingOrderId ?? '');
      }
      expect(seenOrders).toEqual(orderIds);
      expect(traffic.apiStatuses).toHaveLength(2);

      const seenNumbers: string[] = [];
      for await (const number of counted.hostingOrders.iterateNumbers(orderIds[0] as string, { pageSize: 2 })) {
        seenNumbers.push(number.phoneNumber ?? '');
      }
      expect(seenNumbers.sort()).toEqual(numbersIn('404', 5));
      expect(traffic.apiStatuses).toHaveLength(5);
    });

    it('qualified numbers over several pages', async () => {
      const phoneNumbers = numbersIn('702', 5);
      const client = basicClient();
      await client.qualifiedNumbers.add(phoneNumbers);
      const traffic = newTraffic();
      const counted = basicClient({ fetch: countingFetch(traffic) });
      const seen: string[] = [];
      for await (const number of counted.qualifiedNumbers.iterate({ states: 'GLOBAL_PROCESS_STATE_UNSPECIFIED', pageSize: 2 })) {
        seen.push(number.phoneNumber ?? '');
      }
      expect(seen).toEqual(expect.arrayContaining(phoneNumbers));
      expect(traffic.apiStatuses.length).toBeGreaterThanOrEqual(3);
    });

    it('stops early when the loop breaks', async () => {
      const traffic = newTraffic();
      const client = basicClient({ fetch: countingFetch(traffic) });
      for await (const number of client.importedNumbers.iterate({ pageSize: 1 })) {
        expect(number.phoneNumber).toBeDefined();
        break;
      }
      expect(traffic.apiStatuses).toHaveLength(1);
    });

    it('repeated page token raises', async () => {
      const client = basicClient({ fetch: () => Promise.resolve(jsonResponse(200, { importedNumbers: [{ phoneNumber: '+12025550134' }], nextPageToken: 'same' })) });
      const seen: string[] = [];
      const error = await rejectionOf(
        (async () => {
          for await (const number of client.importedNumbers.iterate()) {
            seen.push(number.phoneNumber ?? '');
          }
        })(),
      );
      expect(String(error)).toMatch(/page token "same" a second time/);
      expect(seen).toHaveLength(2);
    });
  });

  describe('waiting', () => {
    it('import order reaches COMPLETED with progress', async () => {
      const client = basicClient();
      const phoneNumbers = numbersIn('305', 3);
      const order = await client.hostingOrders.importNumbers({ regionCode: 'US', numbers: phoneNumbers, servicePlanId: SERVICE_PLAN_ID, campaignId: 'CSDKWAIT' });
      expect(order.state).toBe('SUBMITTED');

      const progress: Array<{ state: string | undefined; total: number | undefined; elapsedMs: number }> = [];
      const done = await client.waitForHostingOrder(order.hostingOrderId ?? '', {
        ...FAST_POLL,
        onProgress: ({ hostingOrder, report, elapsedMs }) => {
          progress.push({ state: hostingOrder.state, total: report.total, elapsedMs });
        },
      });
      expect(done.state).toBe('COMPLETED');
      expect(progress.length).toBeGreaterThan(0);
      expect(progress.at(-1)?.state).toBe('COMPLETED');
      expect(progress.every((entry) => entry.total === 3)).toBe(true);
      expect(await client.hostingOrders.report(order.hostingOrderId ?? '')).toEqual({ total: 3, osrUpdated: 3, smsProvisioned: 3, addedToCampaign: 3, ongoingManualAction: 0 });
      const number = await client.hostingOrders.number(order.hostingOrderId ?? '', phoneNumbers[0] as string);
      expect(number.platformProvisioning?.state).toBe('DONE');
    });

    it('voice verification then text-enable with signed LOA pending', async () => {
      const client = basicClient();
      const [phoneNumber] = numbersIn('646', 1) as [string];
      const [added] = (await client.qualifiedNumbers.add([phoneNumber])).qualifiedNumbers ?? [];
      expect(added?.globalProcessState).toBe('GLOBAL_PROCESS_STATE_ELIGIBLE_CHECK_PENDING');

      const states: string[] = [];
      const eligible = await client.waitForQualifiedNumber(phoneNumber, { ...FAST_POLL, onProgress: ({ qualifiedNumber }) => void states.push(qualifiedNumber.globalProcessState ?? '') });
      expect(eligible.globalProcessState).toBe('GLOBAL_PROCESS_STATE_ELIGIBLE');
      expect(states.at(-1)).toBe('GLOBAL_PROCESS_STATE_ELIGIBLE');

      const pending = await client.qualifiedNumbers.sendVoiceChallenge(phoneNumber);
      expect(pending.globalProcessState).toBe('GLOBAL_PROCESS_STATE_VERIFICATION_PENDING');
      const calls = await waitUntil(
        () => admin<{ voiceCalls: Array<{ code: string }> }>('GET', `/projects/${service.projectId}/voiceCalls?phoneNumber=${encodeURIComponent(phoneNumber)}`),
        (body) => body.voiceCalls.length > 0,
      );
      const verified = await client.qualifiedNumbers.verifyVoiceChallenge(phoneNumber, calls.voiceCalls[0]?.code ?? '');
      expect(verified.globalProcessState).toBe('GLOBAL_PROCESS_STATE_VERIFIED');

      const { hostingOrderId } = await client.qualifiedNumbers.textEnableNumbers({ regionCode: 'US', numbers: [phoneNumber], servicePlanId: SERVICE_PLAN_ID, directLoaInfo: DIRECT_LOA });
      const waiting = await client.waitForHostingOrder(hostingOrderId ?? '', { ...FAST_POLL, until: ['WAITING_FOR_LOA_SIGNATURE'] });
      expect(waiting.state).toBe('WAITING_FOR_LOA_SIGNATURE');
      expect(waiting.type).toBe('TYPE_TEXT_ENABLE');
    });

    it('blanket LOA text-enable reaches COMPLETED', async () => {
      await admin('PATCH', `/projects/${service.projectId}`, { isBlanketLoaApproved: true });
      const client = basicClient();
      const phoneNumbers = numbersIn('312', 2);
      await addVerifiedNumbers(client, phoneNumbers);

      const order = await client.hostingOrders.textEnableNumbers({ regionCode: 'US', numbers: phoneNumbers, servicePlanId: SERVICE_PLAN_ID, blanketLoaInfo: {} });
      const done = await client.waitForHostingOrder(order.hostingOrderId ?? '', FAST_POLL);
      expect(done.state).toBe('COMPLETED');
      const hosted = await client.waitForQualifiedNumber(phoneNumbers[0] as string, FAST_POLL);
      expect(hosted.globalProcessState).toBe('GLOBAL_PROCESS_STATE_HOSTING_DONE');
      expect((await client.importedNumbers.get(phoneNumbers[1] as string)).smsConfiguration?.servicePlanId).toBe(SERVICE_PLAN_ID);
    });

    it('toll-free text-enable through both resources', async () => {
      const client = basicClient();
      const phoneNumbers = numbersIn('888', 2, 160);
      await addVerifiedNumbers(client, phoneNumbers);

      const viaOrders = await client.hostingOrders.textEnableTollFreeNumbers({ regionCode: 'US', numbers: [phoneNumbers[0] as string], servicePlanId: SERVICE_PLAN_ID, directLoaInfo: DIRECT_LOA });
      expect(viaOrders.type).toBe('TYPE_TEXT_ENABLE');
      expect(viaOrders.state).toBe('SUBMITTED');
      const viaQualified = await client.qualifiedNumbers.textEnableTollFreeNumbers({
        regionCode: 'US',
        numbers: [phoneNumbers[1] as string],
        servicePlanId: SERVICE_PLAN_ID,
        resellerLoaInfo: { ...DIRECT_LOA, businessName: 'Acme, Inc.' },
      });
      expect(viaQualified.textEnableInfo?.loaType).toBe('Reseller');
    });

    it('timeout reports the last state', async () => {
      const client = basicClient();
      const [phoneNumber] = numbersIn('415', 1) as [string];
      await client.qualifiedNumbers.add([phoneNumber]);
      await client.waitForQualifiedNumber(phoneNumber, FAST_POLL);

      const startedMs = performance.now();
      const error = await rejectionOf(client.waitForQualifiedNumber(phoneNumber, { until: ['GLOBAL_PROCESS_STATE_VERIFIED'], intervalMs: 50, timeoutMs: 300 }));
      expect(error).toBeInstanceOf(NumberhostWaitTimeoutError);
      expect((error as NumberhostWaitTimeoutError).lastState).toBe('GLOBAL_PROCESS_STATE_ELIGIBLE');
      expect((error as Error).message).toContain(phoneNumber);
      expect(performance.now() - startedMs).toBeLessThan(5000);
    });

    it('abort stops the wait with its reason', async () => {
      const client = basicClient();
      const [phoneNumber] = numbersIn('415', 1, 120) as [string];
      await client.qualifiedNumbers.add([phoneNumber]);
      await client.waitForQualifiedNumber(phoneNumber, FAST_POLL);

      const controller = new AbortController();
      const reason = new Error('operator pressed Ctrl-C');
      let progressCalls = 0;
      const error = await rejectionOf(
        client.waitForQualifiedNumber(phoneNumber, {
          until: ['GLOBAL_PROCESS_STATE_VERIFIED'],
          intervalMs: 50,
          signal: controller.signal,
          onProgress: () => {
            progressCalls += 1;
            if (progressCalls === 2) {
              controller.abort(reason);
            }
          },
        }),
      );
      expect(error).toBe(reason);
      expect(progressCalls).toBe(2);
    });

    it('aborted signal sends nothing', async () => {
      const traffic = newTraffic();
      const client = basicClient({ fetch: countingFetch(traffic) });
      const controller = new AbortController();
      controller.abort();
      const error = await rejectionOf(client.waitForHostingOrder('01jbz3r0h7k5q2m8w6x4y9t1va', { signal: controller.signal }));
      expect((error as Error).name).toBe('AbortError');
      expect(traffic.apiStatuses).toEqual([]);
    });
  });

  describe('callbacks', () => {
    it('real callback passes verification and parses', async () => {
      const client = basicClient();
      const secret = 'sdk-callback-secret';
      await client.callbackConfiguration.update({ hmacSecret: secret });
      expect((await client.callbackConfiguration.get()).hmacSecret).toBe(secret);

      const [phoneNumber] = numbersIn('404', 1, 150) as [string];
      await client.importedNumbers.create({ phoneNumber, regionCode: 'US', smsConfiguration: { servicePlanId: SERVICE_PLAN_ID }, callbackUrl });
      await receiver.waitFor((payloads) => payloads.some((payload) => payload.resourceId === phoneNumber));
      const received = receiver.received.find((callback) => callback.rawBody.toString('utf8').includes(phoneNumber));
      expect(received).toBeDefined();
      if (received === undefined) {
        return;
      }
      const header = received.headers['x-sinch-signature'] as string | undefined;
      expect(verifyCallbackSignature(received.rawBody, header, secret)).toBe(true);
      expect(verifyCallbackSignature(received.rawBody, header, 'another-secret')).toBe(false);
      const event = parseCallbackPayload(received.rawBody);
      expect(event).toMatchObject({ resourceType: 'IMPORTED_NUMBER', eventType: 'PROVISIONING_TO_SMS_PLATFORM', resourceId: phoneNumber, status: 'SUCCEEDED', projectId: service.projectId });
    });
  });
});

describe('SDK defaults', () => {
  it('hosted API takes tokens from auth.sinch.com', async () => {
    const urls: string[] = [];
    // Nothing leaves the process: this fetch returns every response itself.
    const client = createClient({
      baseUrl: 'https://imported.numbers.api.sinch.com',
      projectId: 'p1',
      auth: { method: 'oauth2', keyId: 'key', keySecret: 'secret' },
      fetch: (request) => {
        urls.push(`${request.method} ${request.url}`);
        return Promise.resolve(
          request.url.endsWith('/oauth2/token') ? jsonResponse(200, { access_token: 'token', token_type: 'Bearer', expires_in: 3600 }) : jsonResponse(200, { projectId: 'p1' }),
        );
      },
    });
    await client.callbackConfiguration.get();
    expect(urls).toEqual(['POST https://auth.sinch.com/oauth2/token', 'GET https://imported.numbers.api.sinch.com/v1/projects/p1/callbackConfiguration']);
  });

  it('numberhost is the default base URL', async () => {
    const urls: string[] = [];
    const client = createClient({
      projectId: 'p1',
      auth: { method: 'oauth2', keyId: 'key', keySecret: 'secret' },
      fetch: (request) => {
        urls.push(request.url);
        return Promise.resolve(jsonResponse(200, { access_token: 'token', token_type: 'Bearer', expires_in: 3600 }));
      },
    });
    await client.callbackConfiguration.get();
    expect(urls).toEqual(['http://localhost:8080/oauth2/token', 'http://localhost:8080/v1/projects/p1/callbackConfiguration']);
  });

  it('invalid options throw TypeError', () => {
    const auth = { method: 'basic', keyId: 'key', keySecret: 'secret' } as const;
    expect(() => createClient({ projectId: '', auth })).toThrow(/projectId/);
    expect(() => createClient({ projectId: 'p', auth, baseUrl: 'localhost:8080' })).toThrow(/baseUrl/);
    expect(() => createClient({ projectId: 'p', auth: { ...auth, keySecret: '' } })).toThrow(/keySecret/);
    expect(() => createClient({ projectId: 'p', auth: { method: 'token' } as never })).toThrow(/auth.method/);
    expect(() => createClient({ projectId: 'p', auth, retry: { maxAttempts: 0 } })).toThrow(/maxAttempts/);
  });
});

/** A loopback HTTP server whose responses each test chooses, for the retry cases numberhost cannot produce on demand. */
class StubServer {
  readonly requests: Array<{ method: string; url: string; body: string; atMs: number }> = [];
  respond: (index: number) => { status: number; headers?: Record<string, string>; body?: unknown } = () => ({ status: 200, body: {} });
  private server: Server | undefined;

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const index = this.requests.length;
        this.requests.push({ method: request.method ?? '', url: request.url ?? '', body: Buffer.concat(chunks).toString('utf8'), atMs: performance.now() });
        const answer = this.respond(index);
        response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
        response.end(JSON.stringify(answer.body ?? {}));
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  reset(): void {
    this.requests.length = 0;
    this.respond = () => ({ status: 200, body: {} });
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server?.closeAllConnections();
      this.server?.close(() => resolve());
    });
  }
}

describe('SDK retries', () => {
  const stub = new StubServer();
  let baseUrl: string;
  const busy = (status: number, retryAfter?: string): { status: number; headers: Record<string, string>; body: unknown } => ({
    status,
    headers: retryAfter === undefined ? {} : { 'retry-after': retryAfter },
    body: { code: String(status), message: 'Try again later.', status: status === 429 ? 'RESOURCE_EXHAUSTED' : 'UNAVAILABLE' },
  });

  function stubClient(overrides: Partial<NumberhostClientOptions> = {}): NumberhostClient {
    return createClient({ baseUrl, projectId: 'p', auth: { method: 'basic', keyId: 'key', keySecret: 'secret' }, ...overrides });
  }

  beforeAll(async () => {
    baseUrl = await stub.start();
  });

  afterAll(async () => {
    await stub.stop();
  });

  it('GET waits for Retry-After then succeeds', async () => {
    stub.reset();
    stub.respond = (index) => (index === 0 ? busy(503, '1') : { status: 200, body: { hostingOrderId: 'o1', state: 'IN_PROGRESS' } });
    const events: RetryEvent[] = [];
    const order = await stubClient({ retry: { onRetry: (event) => events.push(event) } }).hostingOrders.get('o1');
    expect(order.state).toBe('IN_PROGRESS');
    expect(stub.requests).toHaveLength(2);
    const [first, second] = stub.requests;
    // 10 ms of slack for timer rounding; the planned delay itself is checked below.
    expect((second?.atMs ?? 0) - (first?.atMs ?? 0)).toBeGreaterThanOrEqual(990);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ method: 'GET', httpStatus: 503, attempt: 1, maxAttempts: 4 });
    expect(events[0]?.delayMs).toBeGreaterThanOrEqual(1000);
    expect(events[0]?.delayMs).toBeLessThanOrEqual(1100);
  });

  it('429 without Retry-After backs off', async () => {
    stub.reset();
    stub.respond = (index) => (index < 2 ? busy(429) : { status: 200, body: { qualifiedNumbers: [], nextPageToken: '' } });
    const events: RetryEvent[] = [];
    await stubClient({ retry: { baseDelayMs: 20, onRetry: (event) => events.push(event) } }).qualifiedNumbers.list({ states: 'GLOBAL_PROCESS_STATE_UNSPECIFIED' });
    expect(stub.requests).toHaveLength(3);
    expect(events.map((event) => event.attempt)).toEqual([1, 2]);
    expect(events[0]?.delayMs).toBeGreaterThanOrEqual(10);
    expect(events[0]?.delayMs).toBeLessThanOrEqual(20);
    expect(events[1]?.delayMs).toBeGreaterThanOrEqual(20);
    expect(events[1]?.delayMs).toBeLessThanOrEqual(40);
  });

  it('attempts are bounded', async () => {
    stub.reset();
    stub.respond = () => busy(503, '0');
    const error = await apiErrorOf(stubClient({ retry: { maxAttempts: 3 } }).importedNumbers.get('+12025550134'));
    expect(stub.requests).toHaveLength(3);
    expect(error.httpStatus).toBe(503);
    expect(error.status).toBe('UNAVAILABLE');
    expect(error.retryAfterSeconds).toBe(0);
  });

  it('POST is never retried', async () => {
    stub.reset();
    stub.respond = () => busy(429, '1');
    const error = await apiErrorOf(stubClient().qualifiedNumbers.add(['+12025550134']));
    expect(stub.requests).toHaveLength(1);
    expect(error.status).toBe('RESOURCE_EXHAUSTED');
    expect(error.retryAfterSeconds).toBe(1);
  });

  it('DELETE is retried', async () => {
    stub.reset();
    stub.respond = (index) => (index === 0 ? busy(503, '0') : { status: 200, body: {} });
    await stubClient().qualifiedNumbers.delete('+12025550134');
    expect(stub.requests.map((request) => request.method)).toEqual(['DELETE', 'DELETE']);
  });

  it('PATCH is retried only when enabled', async () => {
    stub.reset();
    stub.respond = () => busy(503, '0');
    await apiErrorOf(stubClient().callbackConfiguration.update({ hmacSecret: 's' }));
    expect(stub.requests).toHaveLength(1);

    stub.reset();
    stub.respond = (index) => (index === 0 ? busy(503, '0') : { status: 200, body: { projectId: 'p', hmacSecret: 's' } });
    await stubClient({ retry: { shouldRetryPatch: true } }).callbackConfiguration.update({ hmacSecret: 's' });
    expect(stub.requests.map((request) => request.body)).toEqual(['{"hmacSecret":"s"}', '{"hmacSecret":"s"}']);
  });

  it('HTTP-date Retry-After in the past retries at once', async () => {
    stub.reset();
    stub.respond = (index) => (index === 0 ? busy(503, 'Wed, 21 Oct 2015 07:28:00 GMT') : { status: 200, body: {} });
    const events: RetryEvent[] = [];
    await stubClient({ retry: { onRetry: (event) => events.push(event) } }).hostingOrders.report('o1');
    expect(stub.requests).toHaveLength(2);
    expect(events[0]?.delayMs).toBe(0);
  });

  it('Retry-After beyond the limit is returned at once', async () => {
    stub.reset();
    stub.respond = () => busy(429, '120');
    const error = await apiErrorOf(stubClient().hostingOrders.get('o1'));
    expect(stub.requests).toHaveLength(1);
    expect(error.retryAfterSeconds).toBe(120);
  });

  it('abort during the wait rejects at once', async () => {
    stub.reset();
    stub.respond = () => busy(503, '30');
    const controller = new AbortController();
    const reason = new Error('stop waiting');
    const startedMs = performance.now();
    const pending = stubClient().hostingOrders.get('o1', { signal: controller.signal });
    await waitUntil(
      () => Promise.resolve(stub.requests.length),
      (count) => count === 1,
    );
    controller.abort(reason);
    expect(await rejectionOf(pending)).toBe(reason);
    expect(performance.now() - startedMs).toBeLessThan(5000);
    expect(stub.requests).toHaveLength(1);
  });

  it('retry false sends once', async () => {
    stub.reset();
    stub.respond = () => busy(503, '0');
    await apiErrorOf(stubClient({ retry: false }).hostingOrders.get('o1'));
    expect(stub.requests).toHaveLength(1);
  });
});
