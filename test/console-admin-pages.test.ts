/**
 * The console's callback, outbox, voice call, clock and project pages. Per dialect, a
 * cookie-keeping HTTP client checks every filter, page and write against the admin and
 * public APIs. On SQLite, real Chromium performs every action through the forms. The
 * last parts check the session and CSRF gate of these routes and the sandbox-only pages
 * in production mode.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import type { Browser, BrowserContext, Dialog, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { recordEvent } from '../src/app/record-event.js';
import { launchBrowser } from './helpers/browser.js';
import type { ConsoleResponse } from './helpers/console.js';
import { ConsoleClient, loginInBrowser } from './helpers/console.js';
import { DIALECTS, newDatabaseUrl, newSqliteUrl } from './helpers/databases.js';
import { CallbackReceiver } from './helpers/receiver.js';
import type { TestService } from './helpers/service.js';
import { TEST_ADMIN_TOKEN, startTestService, waitUntil } from './helpers/service.js';
import { freePort } from './helpers/spawn.js';

const SERVICE_ENV = {
  NUMBERHOST_CALLBACK_MAX_ATTEMPTS: '2',
  NUMBERHOST_ELIGIBILITY_DELAY_MS: '0',
  NUMBERHOST_VOICE_CALL_INTERVAL_S: '0',
};
const SERVICE_PLAN_ID = 'plan-console';
const CAMPAIGN_ID = 'CCONSOLE1';
const CALLBACK_PASSWORD = 'cb-pa55word-not-for-eyes';
const AUTHORISED_PERSON = { firstName: 'Jane', lastName: 'Doe', email: 'jane.doe@example.com' };
const DIRECT_LOA = {
  authorisedPerson: AUTHORISED_PERSON,
  address: { buildingNumber: '2433', street: 'Vesta Drive', city: 'Chicago', state: 'IL', postalCode: '60647', country: 'US' },
  currentVoiceCarrier: 'Verizon',
};
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Events shown per page of the callback page. */
const DELIVERIES_PER_PAGE = 50;

interface AttemptBody {
  attempt: number;
  statusCode: number | null;
}

interface DeliveryBody {
  eventId: string;
  resourceId: string;
  eventType: string;
  deliveryState: string;
  attempts: AttemptBody[];
}

interface ProjectBody {
  projectId: string;
  displayName: string;
  importOrderLimit: number | null;
  isBlanketLoaApproved: boolean;
}

interface ClockBody {
  now: string;
  offsetMs: number;
}

interface EmailBody {
  hostingOrderId: string;
  to: string;
  subject: string;
  links: string[];
}

interface VoiceCallBody {
  phoneNumber: string;
  code: string;
  state: string;
}

interface AccessKeyBody {
  keyId: string;
  revokedTime: string;
}

/** Collects the service's log lines, to check that no secret reaches them. */
class LogCapture extends Writable {
  readonly lines: string[] = [];

  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.lines.push(chunk.toString('utf8'));
    done();
  }
}

async function readJson<T>(response: Promise<Response>, status = 200): Promise<T> {
  const received = await response;
  const text = await received.text();
  expect(received.status, text).toBe(status);
  return JSON.parse(text) as T;
}

function adminJson<T>(service: TestService, method: string, path: string, body?: unknown): Promise<T> {
  return readJson<T>(service.admin(path, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }));
}

function apiJson<T>(service: TestService, method: string, path: string, body?: unknown): Promise<T> {
  return readJson<T>(service.api(path, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }));
}

/** Imports a number with a service plan, which raises one PROVISIONING_TO_SMS_PLATFORM event. */
async function importNumber(service: TestService, phoneNumber: string, callbackUrl?: string): Promise<void> {
  await apiJson(service, 'POST', '/importedNumbers', {
    phoneNumber,
    regionCode: 'US',
    smsConfiguration: { servicePlanId: SERVICE_PLAN_ID },
    ...(callbackUrl === undefined ? {} : { callbackUrl }),
  });
}

async function deliveriesOf(service: TestService, resourceId: string): Promise<DeliveryBody[]> {
  const path = `/projects/${service.projectId}/callbackDeliveries?resourceId=${encodeURIComponent(resourceId)}`;
  return (await adminJson<{ callbackDeliveries: DeliveryBody[] }>(service, 'GET', path)).callbackDeliveries;
}

async function waitForDelivery(service: TestService, resourceId: string, deliveryState: string): Promise<DeliveryBody> {
  const [delivery] = await waitUntil(
    () => deliveriesOf(service, resourceId),
    (list) => list.length === 1 && list[0]?.deliveryState === deliveryState,
  );
  return delivery as DeliveryBody;
}

/** Takes numbers to VERIFIED and starts a direct-LOA text-enable order, whose LOA mail lands in the outbox. */
async function startDirectLoaOrder(service: TestService, phoneNumbers: string[]): Promise<{ hostingOrderId: string; email: EmailBody }> {
  await apiJson(service, 'POST', '/qualifiedNumbers:addNumbers', { phoneNumbers });
  for (const phoneNumber of phoneNumbers) {
    const path = `/qualifiedNumbers/${encodeURIComponent(phoneNumber)}`;
    await waitUntil(
      () => apiJson<{ globalProcessState: string }>(service, 'GET', path),
      (number) => number.globalProcessState === 'GLOBAL_PROCESS_STATE_ELIGIBLE',
    );
    await adminJson(service, 'POST', `/projects/${service.projectId}${path}:approveOwnership`);
  }
  const { hostingOrderId } = await apiJson<{ hostingOrderId: string }>(service, 'POST', '/qualifiedNumbers:textEnableNumbers', {
    regionCode: 'US',
    numbers: phoneNumbers,
    servicePlanId: SERVICE_PLAN_ID,
    campaignId: CAMPAIGN_ID,
    directLoaInfo: DIRECT_LOA,
  });
  const outbox = await waitUntil(
    () => adminJson<{ emails: EmailBody[] }>(service, 'GET', `/projects/${service.projectId}/emails?hostingOrderId=${hostingOrderId}`),
    (list) => list.emails.length === 1,
  );
  return { hostingOrderId, email: outbox.emails[0] as EmailBody };
}

/** Places a voice challenge call and returns the answered call from the admin call log. */
async function placeVoiceCall(service: TestService, phoneNumber: string): Promise<VoiceCallBody> {
  await apiJson(service, 'POST', '/qualifiedNumbers:addNumbers', { phoneNumbers: [phoneNumber] });
  const path = `/qualifiedNumbers/${encodeURIComponent(phoneNumber)}`;
  await waitUntil(
    () => apiJson<{ globalProcessState: string }>(service, 'GET', path),
    (number) => number.globalProcessState === 'GLOBAL_PROCESS_STATE_ELIGIBLE',
  );
  await apiJson(service, 'POST', `${path}:sendVoiceChallenge`);
  const log = await waitUntil(
    () => adminJson<{ voiceCalls: VoiceCallBody[] }>(service, 'GET', `/projects/${service.projectId}/voiceCalls?phoneNumber=${encodeURIComponent(phoneNumber)}`),
    (list) => list.voiceCalls[0]?.state === 'ANSWERED',
  );
  return log.voiceCalls[0] as VoiceCallBody;
}

function basicAuthorization(keyId: string, keySecret: string): string {
  return `Basic ${Buffer.from(`${keyId}:${keySecret}`).toString('base64')}`;
}

/** Extracts the event ids of the delivery articles on a callback page, in page order. */
function eventIdsOnPage(text: string): string[] {
  return [...text.matchAll(/<article class="delivery" id="event-([a-z0-9]+)"/g)].map((match) => match[1] as string);
}

function nextPageHref(text: string): string | undefined {
  return /<a href="([^"]+)">Next page<\/a>/.exec(text)?.[1]?.replaceAll('&amp;', '&');
}

/** Extracts the one-time form id of the "Create access key" form on a project page. */
function createKeyFormId(text: string): string {
  const formId = /action="[^"]*\/access-keys"[^>]*>.*?name="formId" value="([^"]+)"/s.exec(text)?.[1];
  expect(formId, 'form id of the create-key form').toBeDefined();
  return formId as string;
}

/** Returns the error flash of the page an action redirected to, or undefined. */
function errorFlash(page: ConsoleResponse): string | undefined {
  return /<p class="flash error" role="alert">([^<]*)<\/p>/.exec(page.text)?.[1];
}

function noticeFlash(page: ConsoleResponse): string | undefined {
  return /<p class="flash" role="status">([^<]*)<\/p>/.exec(page.text)?.[1];
}

describe.each(DIALECTS)('console admin pages on %s', (dialect) => {
  let service: TestService;
  let client: ConsoleClient;
  const receiver = new CallbackReceiver();
  const logs = new LogCapture();
  let callbackUrl: string;

  beforeAll(async () => {
    callbackUrl = await receiver.start();
    service = await startTestService(await newDatabaseUrl(dialect), SERVICE_ENV, { logger: pino({ level: 'debug' }, logs) });
    client = await ConsoleClient.login(service.baseUrl, TEST_ADMIN_TOKEN);
  });

  afterAll(async () => {
    await service?.close();
    await receiver.stop();
  });

  it('lists deliveries with every filter', async () => {
    receiver.respond = () => 500;
    const failing = '+13035550101';
    const silent = '+13035550102';
    await importNumber(service, failing, callbackUrl);
    await importNumber(service, silent);
    const failed = await waitForDelivery(service, failing, 'FAILED');
    const noUrl = await waitForDelivery(service, silent, 'NO_URL');
    expect(failed.attempts.map((attempt) => attempt.statusCode)).toEqual([500, 500]);

    const byResource = await client.get(`/console/deliveries?projectId=${service.projectId}&resourceId=${encodeURIComponent(failing)}`);
    expect(byResource.status).toBe(200);
    expect(eventIdsOnPage(byResource.text)).toEqual([failed.eventId]);
    expect(byResource.text).toContain('PROVISIONING_TO_SMS_PLATFORM');
    expect(byResource.text).toContain('<span class="state bad">FAILED</span>');
    expect(byResource.text).toContain(`<span class="mono">${callbackUrl}</span>`);
    expect(byResource.text).toMatch(/<td class="num">1<\/td><td>[^<]+<\/td><td class="num">500<\/td><td class="num">\d+<\/td>/);
    expect(byResource.text).toMatch(/<td class="num">2<\/td><td>[^<]+<\/td><td class="num">500<\/td><td class="num">\d+<\/td>/);
    expect(byResource.text).toContain('<pre class="excerpt">ok</pre>');

    const byState = await client.get(`/console/deliveries?projectId=${service.projectId}&deliveryState=NO_URL`);
    expect(eventIdsOnPage(byState.text)).toEqual([noUrl.eventId]);
    expect(byState.text).toContain('Nothing to redeliver');
    const byEventId = await client.get(`/console/deliveries?eventId=${failed.eventId.toUpperCase()}`);
    expect(eventIdsOnPage(byEventId.text)).toEqual([failed.eventId]);
    const byType = await client.get(`/console/deliveries?projectId=${service.projectId}&eventType=PROVISIONING_TO_SMS_PLATFORM`);
    // Both events may come from the same millisecond, so only the set is certain, not the order.
    expect(eventIdsOnPage(byType.text).sort()).toEqual([noUrl.eventId, failed.eventId].sort());
    const otherType = await client.get(`/console/deliveries?projectId=${service.projectId}&eventType=OSR_UPDATE`);
    expect(eventIdsOnPage(otherType.text)).toEqual([]);
    expect(otherType.text).toContain('No callback event matches these filters.');

    // A state the worker does not write, such as one a fault rule or an older version stored, is offered and filters too.
    await service.service.ctx.storage.db.updateTable('callback_events').set({ delivery_state: 'DROPPED' }).where('id', '=', noUrl.eventId).execute();
    const byStoredState = await client.get('/console/deliveries?deliveryState=DROPPED');
    expect(byStoredState.text).toContain('<option value="DROPPED" selected>DROPPED</option>');
    expect(eventIdsOnPage(byStoredState.text)).toEqual([noUrl.eventId]);
  });

  it('shows callback URLs without credentials', async () => {
    // The API now rejects such URLs, but events stored before that check still carry them.
    const { ctx } = service.service;
    const resourceId = '+13035550105';
    const cases = [
      [callbackUrl.replace('http://', `http://hook-user:${CALLBACK_PASSWORD}@`), callbackUrl],
      [`https://hook-user:${CALLBACK_PASSWORD}@hooks.customer.test/cb?x=1`, 'https://hooks.customer.test/cb?x=1'],
      [`http://hook-user:${CALLBACK_PASSWORD}/x@hooks.customer.test:99999/`, 'http://hooks.customer.test:99999/'],
    ];
    for (const [stored] of cases) {
      await ctx.storage.db.transaction().execute(async (trx) => {
        const eventId = await recordEvent(trx, ctx, {
          projectId: service.projectId,
          resourceType: 'IMPORTED_NUMBER',
          resourceId,
          eventType: 'DELETE',
          status: 'SUCCEEDED',
          callbackUrl: null,
        });
        // Stored as older versions stored it, without a delivery job.
        await trx.updateTable('callback_events').set({ url: stored as string, delivery_state: 'FAILED' }).where('id', '=', eventId).execute();
      });
    }
    const page = await client.get(`/console/deliveries?resourceId=${encodeURIComponent(resourceId)}`);
    expect(eventIdsOnPage(page.text)).toHaveLength(cases.length);
    expect(page.text).not.toContain(CALLBACK_PASSWORD);
    expect(page.text).not.toContain('hook-user');
    for (const [, shown] of cases) {
      expect(page.text).toContain(`<span class="mono">${shown}</span>`);
    }
  });

  it('ignores bad delivery filters with a message', async () => {
    const cases: Array<[string, string]> = [
      ['projectId=no-such-project', 'Project &quot;no-such-project&quot; was not found'],
      ['deliveryState=%3Cscript%3E', 'Delivery state &quot;&lt;script&gt;&quot; is not a valid value'],
      ['eventType=lower', 'Event type &quot;lower&quot; is not a valid value'],
      ['eventId=not%20an%20id', 'Event id &quot;not an id&quot; is not valid'],
      ['after=garbage', 'Page position &quot;garbage&quot; is not valid'],
      [`resourceId=${'9'.repeat(200)}`, 'The resource id is longer than 128 characters'],
    ];
    for (const [query, message] of cases) {
      const page = await client.get(`/console/deliveries?${query}`);
      expect(page.status, query).toBe(200);
      expect(page.text, query).toContain(message);
      expect(eventIdsOnPage(page.text).length, query).toBeGreaterThan(0);
    }
    const hostile = await client.get('/console/deliveries?deliveryState=%3Cscript%3E');
    expect(hostile.text).not.toContain('<script>');
  });

  it('pages deliveries newest first', async () => {
    const { ctx } = service.service;
    const projectId = `paging-${dialect}`;
    await adminJson(service, 'POST', '/projects', { projectId });
    const total = DELIVERIES_PER_PAGE + 5;
    for (let index = 0; index < total; index += 1) {
      await ctx.storage.db.transaction().execute((trx) =>
        recordEvent(trx, ctx, { projectId, resourceType: 'IMPORTED_NUMBER', resourceId: '+13035550199', eventType: 'OSR_UPDATE', status: 'SUCCEEDED', callbackUrl: null }),
      );
    }
    const stored = await ctx.storage.db.selectFrom('callback_events').select(['id', 'created_ms']).where('project_id', '=', projectId).execute();
    const newestFirst = stored.sort((a, b) => b.created_ms - a.created_ms || (a.id < b.id ? 1 : -1)).map((row) => row.id);

    const first = await client.get(`/console/deliveries?projectId=${projectId}`);
    expect(eventIdsOnPage(first.text)).toEqual(newestFirst.slice(0, DELIVERIES_PER_PAGE));
    const next = nextPageHref(first.text);
    expect(next).toBeDefined();
    const second = await client.get(next as string);
    expect(eventIdsOnPage(second.text)).toEqual(newestFirst.slice(DELIVERIES_PER_PAGE));
    expect(nextPageHref(second.text)).toBeUndefined();
    expect(second.text).toContain('First page');
  });

  it('redelivers a failed delivery', async () => {
    const phoneNumber = '+13035550103';
    receiver.respond = () => 500;
    await importNumber(service, phoneNumber, callbackUrl);
    const failed = await waitForDelivery(service, phoneNumber, 'FAILED');
    receiver.respond = () => 200;

    const returnTo = `/console/deliveries?resourceId=${encodeURIComponent(phoneNumber)}`;
    const page = await client.act('/console/deliveries/redeliver', { projectId: service.projectId, eventId: failed.eventId, returnTo });
    expect(noticeFlash(page)).toBe(`Event ${failed.eventId} was queued for redelivery to ${callbackUrl}.`);
    const delivered = await waitForDelivery(service, phoneNumber, 'DELIVERED');
    expect(delivered.attempts.map((attempt) => attempt.statusCode)).toEqual([500, 500, 200]);
    const after = await client.get(returnTo);
    expect(after.text).toContain('<span class="state good">DELIVERED</span>');
    expect(after.text).toMatch(/<td class="num">3<\/td><td>[^<]+<\/td><td class="num">200<\/td>/);

    const unknown = await client.act('/console/deliveries/redeliver', { projectId: service.projectId, eventId: '01jzzzzzzzzzzzzzzzzzzzzzzz', returnTo });
    expect(errorFlash(unknown)).toContain('Nothing was changed: Callback event 01jzzzzzzzzzzzzzzzzzzzzzzz was not found');
    const silent = '+13035550104';
    await importNumber(service, silent);
    const noUrl = await waitForDelivery(service, silent, 'NO_URL');
    const rejected = await client.act('/console/deliveries/redeliver', { projectId: service.projectId, eventId: noUrl.eventId, returnTo });
    expect(errorFlash(rejected)).toContain('has no callback URL');
    const missing = await client.act('/console/deliveries/redeliver', { returnTo });
    expect(errorFlash(missing)).toContain('projectId: is missing');
  });

  it('lists the outbox with its filters', async () => {
    const { hostingOrderId, email } = await startDirectLoaOrder(service, ['+13035550111']);
    const [link] = email.links;
    expect(link).toMatch(/\/loa\/[A-Za-z0-9_-]+$/);

    const page = await client.get(`/console/emails?projectId=${service.projectId}&hostingOrderId=${hostingOrderId}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(AUTHORISED_PERSON.email);
    expect(page.text).toContain(email.subject.replaceAll('&', '&amp;'));
    expect(page.text).toContain(`<a class="mono" href="${link}" rel="noreferrer">${link}</a>`);
    expect(page.text).toContain('<span class="state busy">OUTBOX</span>');
    expect(page.text).toMatch(/<details><summary>Read<\/summary><pre class="mail">[^<]*Letter of Authorization/);

    const otherOrder = await client.get(`/console/emails?projectId=${service.projectId}&hostingOrderId=01jzzzzzzzzzzzzzzzzzzzzzzz`);
    expect(otherOrder.text).toContain('No mail matches these filters.');
    const badOrder = await client.get(`/console/emails?projectId=${service.projectId}&hostingOrderId=x%27%3B--`);
    expect(badOrder.text).toContain('is not valid (letters and digits only), so that filter is ignored.');
    expect(badOrder.text).toContain(AUTHORISED_PERSON.email);
    const badProject = await client.get('/console/emails?projectId=nope&offset=-3');
    expect(badProject.text).toContain('No project has the id &quot;nope&quot;, so the first project is shown.');
    expect(badProject.text).toContain('Page position &quot;-3&quot; is not valid');
  });

  it('lists voice calls with their filters', async () => {
    const phoneNumber = '+13035550121';
    const call = await placeVoiceCall(service, phoneNumber);
    const page = await client.get(`/console/voice-calls?projectId=${service.projectId}&phoneNumber=${encodeURIComponent(phoneNumber)}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(`<code>${call.code}</code>`);
    expect(page.text).toContain('<span class="state good">ANSWERED</span>');
    // An unencoded "+" arrives as a space and is read as "+".
    const spaced = await client.get(`/console/voice-calls?phoneNumber=+${phoneNumber.slice(1)}`);
    expect(spaced.text).toContain(`<code>${call.code}</code>`);
    const other = await client.get('/console/voice-calls?phoneNumber=%2B13035550122');
    expect(other.text).toContain('No voice call matches these filters.');
    const bad = await client.get('/console/voice-calls?phoneNumber=303-555-0121');
    expect(bad.text).toContain('is not in E.164 format');
    expect(bad.text).toContain('Did you mean +13035550121?');
    expect(bad.text).toContain(`<code>${call.code}</code>`);
  });

  it('creates a project and changes its settings', async () => {
    const created = await client.act('/console/projects', { projectId: `made-${dialect}`, displayName: 'Made in the console', returnTo: '/console/projects' });
    expect(noticeFlash(created)).toContain(`Project made-${dialect} created.`);
    expect(created.text).toContain(`<h1>Project made-${dialect}</h1>`);
    const project = await adminJson<ProjectBody>(service, 'GET', `/projects/made-${dialect}`);
    expect(project.displayName).toBe('Made in the console');
    const duplicate = await client.act('/console/projects', { projectId: `made-${dialect}`, returnTo: '/console/projects' });
    expect(errorFlash(duplicate)).toContain('already exists');
    const badId = await client.act('/console/projects', { projectId: 'no spaces', returnTo: '/console/projects' });
    expect(errorFlash(badId)).toContain('is not a valid project id');
    const list = await client.get('/console/projects');
    expect(list.text).toContain(`made-${dialect}`);

    const base = `/console/projects/${service.projectId}`;
    const approved = await client.act(`${base}/blanket-loa`, { isBlanketLoaApproved: 'true', returnTo: base });
    expect(noticeFlash(approved)).toContain('may now use blanket LOAs');
    expect((await adminJson<ProjectBody>(service, 'GET', `/projects/${service.projectId}`)).isBlanketLoaApproved).toBe(true);
    const withdrawn = await client.act(`${base}/blanket-loa`, { isBlanketLoaApproved: 'false', returnTo: base });
    expect(noticeFlash(withdrawn)).toContain('Blanket LOA approval withdrawn');
    expect((await adminJson<ProjectBody>(service, 'GET', `/projects/${service.projectId}`)).isBlanketLoaApproved).toBe(false);
    const badFlag = await client.act(`${base}/blanket-loa`, { isBlanketLoaApproved: 'yes', returnTo: base });
    expect(errorFlash(badFlag)).toContain('isBlanketLoaApproved: must be true or false');

    const limited = await client.act(`${base}/import-limit`, { importOrderLimit: '2', returnTo: base });
    expect(noticeFlash(limited)).toContain('may import up to 2 numbers per import order');
    expect((await adminJson<ProjectBody>(service, 'GET', `/projects/${service.projectId}`)).importOrderLimit).toBe(2);
    const tooMany = await service.api('/hostingOrders:importNumbers', {
      method: 'POST',
      body: JSON.stringify({ numbers: ['+13035550131', '+13035550132', '+13035550133'], regionCode: 'US', servicePlanId: SERVICE_PLAN_ID }),
    });
    expect(tooMany.status).toBe(400);
    expect(await tooMany.text()).toContain('at most 2');
    for (const [value, message] of [
      ['abc', 'is not a number'],
      ['0', 'use an integer from 1 to 500'],
      ['2.5', 'use an integer from 1 to 500'],
      ['501', 'use an integer from 1 to 500'],
    ]) {
      const rejected = await client.act(`${base}/import-limit`, { importOrderLimit: value as string, returnTo: base });
      expect(errorFlash(rejected), value).toContain(message);
    }
    expect((await adminJson<ProjectBody>(service, 'GET', `/projects/${service.projectId}`)).importOrderLimit).toBe(2);
    const cleared = await client.act(`${base}/import-limit`, { importOrderLimit: '', returnTo: base });
    expect(noticeFlash(cleared)).toContain('uses the server default of 5');
    expect((await adminJson<ProjectBody>(service, 'GET', `/projects/${service.projectId}`)).importOrderLimit).toBeNull();
  });

  it('sets campaign and service plan states', async () => {
    const base = `/console/projects/${service.projectId}`;
    const campaign = await client.act(`${base}/campaigns`, { id: 'CEXPIRED1', state: 'CAMPAIGN_EXPIRED', returnTo: base });
    expect(noticeFlash(campaign)).toBe(`Campaign CEXPIRED1 of project ${service.projectId} is now CAMPAIGN_EXPIRED.`);
    expect(campaign.text).toContain('<option value="CAMPAIGN_EXPIRED" selected>CAMPAIGN_EXPIRED</option>');
    const campaigns = await adminJson<{ campaigns: Array<{ id: string; state: string }> }>(service, 'GET', `/projects/${service.projectId}/campaigns`);
    expect(campaigns.campaigns.find((entry) => entry.id === 'CEXPIRED1')?.state).toBe('CAMPAIGN_EXPIRED');
    const plan = await client.act(`${base}/service-plans`, { id: 'plan-off', state: 'INACTIVE', returnTo: base });
    expect(noticeFlash(plan)).toContain('Service plan plan-off');
    const plans = await adminJson<{ servicePlans: Array<{ id: string; state: string }> }>(service, 'GET', `/projects/${service.projectId}/servicePlans`);
    expect(plans.servicePlans.find((entry) => entry.id === 'plan-off')?.state).toBe('INACTIVE');
    const badState = await client.act(`${base}/campaigns`, { id: 'CEXPIRED1', state: 'SOMETIMES', returnTo: base });
    expect(errorFlash(badState)).toContain('state: &quot;SOMETIMES&quot; is not one of');
    const emptyId = await client.act(`${base}/service-plans`, { id: '', state: 'ACTIVE', returnTo: base });
    expect(errorFlash(emptyId)).toContain('servicePlanId: must not be empty');
    const unknownProject = await client.act('/console/projects/no-such-project/campaigns', { id: 'C1', state: 'ACTIVE', returnTo: base });
    expect(errorFlash(unknownProject)).toContain('Project no-such-project was not found');
  });

  it('shows a new key secret once and revokes keys', async () => {
    const base = `/console/projects/${service.projectId}`;
    const formId = createKeyFormId((await client.get(base)).text);
    const response = await client.post(`${base}/access-keys`, { returnTo: base, formId });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const keyId = /<code id="new-key-id">([^<]+)<\/code>/.exec(response.text)?.[1] ?? '';
    const keySecret = /<code id="new-key-secret">([^<]+)<\/code>/.exec(response.text)?.[1] ?? '';
    expect(keyId).not.toBe('');
    expect(keySecret.length).toBeGreaterThanOrEqual(16);
    const withNewKey = () => fetch(`${service.baseUrl}/v1/projects/${service.projectId}/importedNumbers`, { headers: { authorization: basicAuthorization(keyId, keySecret) } });
    expect((await withNewKey()).status).toBe(200);

    const reloaded = await client.get(base);
    expect(reloaded.text).toContain(keyId);
    expect(reloaded.text).not.toContain(keySecret);
    const { ctx } = service.service;
    expect(JSON.stringify(await ctx.storage.db.selectFrom('access_keys').selectAll().execute())).not.toContain(keySecret);
    expect(JSON.stringify(await ctx.storage.db.selectFrom('console_sessions').selectAll().execute())).not.toContain(keySecret);
    expect(logs.lines.join('')).toContain(keyId);
    expect(logs.lines.join('')).not.toContain(keySecret);

    const revoked = await client.act(`${base}/access-keys/${keyId}/revoke`, { returnTo: base });
    expect(noticeFlash(revoked)).toBe(`Access key ${keyId} revoked; requests with it now get 401.`);
    expect((await withNewKey()).status).toBe(401);
    const keys = await adminJson<{ accessKeys: AccessKeyBody[] }>(service, 'GET', `/projects/${service.projectId}/accessKeys`);
    expect(keys.accessKeys.find((key) => key.keyId === keyId)?.revokedTime).not.toBe('');
    const again = await client.act(`${base}/access-keys/${keyId}/revoke`, { returnTo: base });
    expect(errorFlash(again)).toContain('or is already revoked');
    const unknownProject = await client.post('/console/projects/no-such-project/access-keys', { returnTo: base, formId: createKeyFormId((await client.get(base)).text) });
    expect(unknownProject.status).toBe(303);
    expect(errorFlash(await client.get(unknownProject.location as string))).toContain('Project no-such-project was not found');
    expect((await client.get('/console/projects/no-such-project')).status).toBe(404);
  });

  it('creates one key per create-key form', async () => {
    const base = `/console/projects/${service.projectId}`;
    const listKeys = async (): Promise<AccessKeyBody[]> =>
      (await adminJson<{ accessKeys: AccessKeyBody[] }>(service, 'GET', `/projects/${service.projectId}/accessKeys`)).accessKeys;
    const formId = createKeyFormId((await client.get(base)).text);
    const first = await client.post(`${base}/access-keys`, { returnTo: base, formId });
    expect(first.status).toBe(200);
    expect(first.text).toContain('<h1>Access key created</h1>');
    const keysAfterFirst = await listKeys();

    // Reloading the page that showed the secret posts the same form again.
    const resubmitted = await client.post(`${base}/access-keys`, { returnTo: base, formId });
    expect(resubmitted.status).toBe(409);
    expect(resubmitted.text).toContain('<h1>Access key already created</h1>');
    expect(resubmitted.text).toContain('Its secret was shown once');
    expect(resubmitted.text).toContain(`<a href="${base}">Back to project ${service.projectId}</a>`);
    expect(resubmitted.text).not.toContain('new-key-secret');
    expect(await listKeys()).toEqual(keysAfterFirst);

    // Each page view has a new id; a missing or forged one creates nothing.
    expect(createKeyFormId((await client.get(base)).text)).not.toBe(formId);
    const missing = await client.act(`${base}/access-keys`, { returnTo: base });
    expect(errorFlash(missing)).toContain('formId: nothing is not a form id of this console');
    const forged = await client.act(`${base}/access-keys`, { returnTo: base, formId: '<script>' });
    expect(errorFlash(forged)).toContain('formId: &quot;&lt;script&gt;&quot; is not a form id');
    expect(await listKeys()).toEqual(keysAfterFirst);

    // A form whose post failed can be sent again once the cause is fixed.
    const failedFormId = createKeyFormId((await client.get(base)).text);
    const unknownProject = await client.act('/console/projects/no-such-project/access-keys', { returnTo: base, formId: failedFormId });
    expect(errorFlash(unknownProject)).toContain('Project no-such-project was not found');
    const retried = await client.post(`${base}/access-keys`, { returnTo: base, formId: failedFormId });
    expect(retried.status).toBe(200);
    expect(await listKeys()).toHaveLength(keysAfterFirst.length + 1);
  });

  it('advances the clock by a validated amount', async () => {
    const before = await adminJson<ClockBody>(service, 'GET', '/clock');
    const advanced = await client.act('/console/clock/advance', { amount: '2', unit: 'hours', returnTo: '/console/clock' });
    expect(noticeFlash(advanced)).toMatch(/^Clock advanced by 2 hours; service time is now \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ UTC\.$/);
    const after = await adminJson<ClockBody>(service, 'GET', '/clock');
    expect(after.offsetMs - before.offsetMs).toBe(2 * HOUR_MS);
    expect(advanced.text).toContain(`(${after.offsetMs} ms)`);

    for (const [amount, unit, message] of [
      ['-1', 'hours', 'is not a positive number'],
      ['0', 'days', 'is not a positive number'],
      ['abc', 'minutes', 'is not a positive number'],
      ['367', 'days', '367 days is more than 366 days'],
      ['99999999999', 'seconds', '99999999999 seconds is more than 366 days'],
      ['1', 'weeks', 'unit: &quot;weeks&quot; is not one of seconds, minutes, hours, days'],
    ]) {
      const rejected = await client.act('/console/clock/advance', { amount: amount as string, unit: unit as string, returnTo: '/console/clock' });
      expect(errorFlash(rejected), `${amount} ${unit}`).toContain(message);
    }
    expect((await adminJson<ClockBody>(service, 'GET', '/clock')).offsetMs).toBe(after.offsetMs);
    const adminRejected = await service.admin('/clock:advance', { method: 'POST', body: JSON.stringify({ seconds: 366 * 86_400 + 1 }) });
    expect(adminRejected.status).toBe(400);
  });
});

describe('console admin pages in Chromium', () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let service: TestService;
  const receiver = new CallbackReceiver();
  let callbackUrl: string;

  beforeAll(async () => {
    callbackUrl = await receiver.start();
    // The signing links in the outbox must reach this server, so the port is chosen first.
    const port = await freePort();
    service = await startTestService(newSqliteUrl(), { ...SERVICE_ENV, PORT: String(port), PUBLIC_BASE_URL: `http://127.0.0.1:${port}` });
    browser = await launchBrowser();
    context = await browser.newContext();
    context.setDefaultTimeout(10_000);
    page = await context.newPage();
    await loginInBrowser(page, service.baseUrl, TEST_ADMIN_TOKEN);
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await service?.close();
    await receiver.stop();
  });

  async function openSection(name: string, heading: string): Promise<void> {
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name, exact: true }).click();
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
  }

  /**
   * Waits for the flash message of the page an action led to. Matching its text, not only
   * its presence, keeps the previous page's message from satisfying the wait.
   */
  async function expectNotice(text: string): Promise<void> {
    await page.locator('p.flash[role="status"]', { hasText: text }).waitFor();
  }

  async function expectError(text: string): Promise<void> {
    await page.locator('p.flash.error[role="alert"]', { hasText: text }).waitFor();
  }

  it('redelivers a failed callback from the callback page', async () => {
    const phoneNumber = '+13035550141';
    receiver.respond = () => 500;
    await importNumber(service, phoneNumber, callbackUrl);
    const failed = await waitForDelivery(service, phoneNumber, 'FAILED');

    await openSection('Callbacks', 'Callback deliveries');
    await page.getByLabel('Resource (phone number)').fill(phoneNumber);
    await page.getByLabel('Delivery state').selectOption('FAILED');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(/deliveryState=FAILED/);
    const article = page.getByRole('article', { name: `Event ${failed.eventId}` });
    expect(await article.locator('tbody tr').count()).toBe(2);
    expect(await article.locator('tbody tr').first().locator('td').nth(2).textContent()).toBe('500');
    expect(await article.locator('pre.excerpt').last().textContent()).toBe('ok');

    receiver.respond = () => 200;
    await article.getByRole('button', { name: 'Redeliver' }).click();
    await expectNotice(`Event ${failed.eventId} was queued for redelivery to ${callbackUrl}.`);
    const delivered = await waitForDelivery(service, phoneNumber, 'DELIVERED');
    expect(delivered.attempts.map((attempt) => attempt.statusCode)).toEqual([500, 500, 200]);
    await page.goto(`${service.baseUrl}/console/deliveries?eventId=${failed.eventId}`);
    const refreshed = page.getByRole('article', { name: `Event ${failed.eventId}` });
    expect(await refreshed.locator('.summary .state').last().textContent()).toBe('DELIVERED');
    expect(await refreshed.locator('tbody tr').count()).toBe(3);

    await page.goto(`${service.baseUrl}/console/deliveries?eventId=%21%21`);
    await expectError('Event id "!!" is not valid');
  });

  it('shows outbox mail with a working signing link', async () => {
    const { hostingOrderId, email } = await startDirectLoaOrder(service, ['+13035550151']);
    await openSection('Outbox', 'Outbox');
    await page.getByLabel('Order id').fill(hostingOrderId);
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(/hostingOrderId=/);
    const row = page.locator('tbody tr');
    expect(await row.count()).toBe(1);
    expect(await row.locator('td').nth(1).textContent()).toBe(AUTHORISED_PERSON.email);
    await row.getByText('Read').click();
    expect(await row.locator('pre.mail').isVisible()).toBe(true);
    expect(await row.locator('pre.mail').textContent()).toContain(email.links[0]);

    await row.getByRole('link', { name: email.links[0] }).click();
    await page.getByRole('heading', { level: 1, name: 'Sign the Letter of Authorization' }).waitFor();
    await page.goto(`${service.baseUrl}/console/emails?hostingOrderId=bad%20id`);
    await expectError('Order id "bad id" is not valid');
  });

  it('filters the voice call log', async () => {
    const phoneNumber = '+13035550161';
    const call = await placeVoiceCall(service, phoneNumber);
    await openSection('Voice calls', 'Voice calls');
    await page.getByLabel('Phone number').fill(phoneNumber);
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(/phoneNumber=/);
    expect(await page.locator('tbody tr').count()).toBe(1);
    expect(await page.locator('tbody tr td code').textContent()).toBe(call.code);
    await page.getByLabel('Phone number').fill('12345');
    await page.getByRole('button', { name: 'Show' }).click();
    await expectError('is not in E.164 format');
  });

  it('advances the clock through the form and quick buttons', async () => {
    await openSection('Clock', 'Service clock');
    const start = await adminJson<ClockBody>(service, 'GET', '/clock');
    await page.getByLabel('Amount').fill('3');
    await page.getByLabel('Unit').selectOption('minutes');

    // Each way of advancing prompts for confirmation first, and dismissing it leaves the clock unchanged.
    const questions: string[] = [];
    let isAccepted = false;
    const handleDialog = (dialog: Dialog): void => {
      questions.push(dialog.message());
      void (isAccepted ? dialog.accept() : dialog.dismiss());
    };
    page.on('dialog', handleDialog);
    await page.getByRole('button', { name: 'Advance', exact: true }).click();
    await page.getByRole('button', { name: '+1 day' }).click();
    expect(questions).toEqual(['The clock cannot go back. Advance it by 3 minutes?', 'The clock cannot go back. Advance it by 1 day?']);
    expect((await adminJson<ClockBody>(service, 'GET', '/clock')).offsetMs).toBe(start.offsetMs);

    isAccepted = true;
    await page.getByRole('button', { name: 'Advance', exact: true }).click();
    await expectNotice('Clock advanced by 3 minutes');
    expect((await adminJson<ClockBody>(service, 'GET', '/clock')).offsetMs - start.offsetMs).toBe(3 * 60_000);

    await page.getByRole('button', { name: '+1 hour' }).click();
    await expectNotice('Clock advanced by 1 hour;');
    expect(questions.at(-1)).toBe('The clock cannot go back. Advance it by 1 hour?');
    await page.getByRole('button', { name: '+1 day' }).click();
    await expectNotice('Clock advanced by 1 day');
    const end = await adminJson<ClockBody>(service, 'GET', '/clock');
    expect(end.offsetMs - start.offsetMs).toBe(3 * 60_000 + HOUR_MS + DAY_MS);
    expect(await page.locator('#clock-offset').textContent()).toContain(`(${end.offsetMs} ms)`);

    await page.getByLabel('Amount').fill('400');
    await page.getByLabel('Unit').selectOption('days');
    await page.getByRole('button', { name: 'Advance', exact: true }).click();
    await expectError('400 days is more than 366 days');
    expect((await adminJson<ClockBody>(service, 'GET', '/clock')).offsetMs).toBe(end.offsetMs);
    page.off('dialog', handleDialog);
  });

  it('creates a project and manages keys, limits and campaigns', async () => {
    await openSection('Projects', 'Projects');
    await page.getByLabel('Project id (optional)').fill('browser-made');
    await page.getByLabel('Display name (optional)').fill('Made in Chromium');
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.getByRole('heading', { level: 1, name: 'Project browser-made' }).waitFor();
    await expectNotice('Project browser-made created.');
    expect((await adminJson<ProjectBody>(service, 'GET', '/projects/browser-made')).displayName).toBe('Made in Chromium');

    const projectUrl = `${service.baseUrl}/console/projects/${service.projectId}`;
    await page.goto(projectUrl);
    await page.getByRole('button', { name: 'Create access key' }).click();
    await page.getByRole('heading', { level: 1, name: 'Access key created' }).waitFor();
    const keyId = (await page.locator('#new-key-id').textContent()) ?? '';
    const keySecret = (await page.locator('#new-key-secret').textContent()) ?? '';
    const withNewKey = () => fetch(`${service.baseUrl}/v1/projects/${service.projectId}/importedNumbers`, { headers: { authorization: basicAuthorization(keyId, keySecret) } });
    expect((await withNewKey()).status).toBe(200);
    await page.getByRole('link', { name: `Back to project ${service.projectId}` }).click();
    await page.waitForURL(projectUrl);
    expect(await page.content()).toContain(keyId);
    expect(await page.content()).not.toContain(keySecret);

    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('row', { name: new RegExp(keyId) }).getByRole('button', { name: 'Revoke' }).click();
    await expectNotice(`Access key ${keyId} revoked; requests with it now get 401.`);
    expect((await withNewKey()).status).toBe(401);

    await page.getByRole('button', { name: 'Approve blanket LOAs' }).click();
    await expectNotice('may now use blanket LOAs');
    expect((await adminJson<ProjectBody>(service, 'GET', `/projects/${service.projectId}`)).isBlanketLoaApproved).toBe(true);
    await page.getByRole('button', { name: 'Withdraw blanket LOA approval' }).click();
    await expectNotice('Blanket LOA approval withdrawn');
    expect((await adminJson<ProjectBody>(service, 'GET', `/projects/${service.projectId}`)).isBlanketLoaApproved).toBe(false);

    await page.getByLabel('Numbers per import order').fill('2');
    await page.getByRole('button', { name: 'Save limit' }).click();
    await expectNotice('may import up to 2 numbers');
    const tooMany = await service.api('/hostingOrders:importNumbers', {
      method: 'POST',
      body: JSON.stringify({ numbers: ['+13035550171', '+13035550172', '+13035550173'], regionCode: 'US', servicePlanId: SERVICE_PLAN_ID }),
    });
    expect(tooMany.status).toBe(400);
    await page.getByLabel('Numbers per import order').fill('lots');
    await page.getByRole('button', { name: 'Save limit' }).click();
    await expectError('"lots" is not a number');
    expect((await adminJson<ProjectBody>(service, 'GET', `/projects/${service.projectId}`)).importOrderLimit).toBe(2);

    const campaignForm = page.getByRole('form', { name: 'Register campaign' });
    await campaignForm.getByLabel('Campaign id').fill('CREJECTED1');
    await campaignForm.getByLabel('State').selectOption('CAMPAIGN_MNO_REJECTED');
    await campaignForm.getByRole('button', { name: 'Register or change' }).click();
    await expectNotice(`Campaign CREJECTED1 of project ${service.projectId} is now CAMPAIGN_MNO_REJECTED.`);
    const row = page.getByRole('row', { name: /CREJECTED1/ });
    expect(await row.locator('.state').textContent()).toBe('CAMPAIGN_MNO_REJECTED');
    await row.getByRole('combobox').selectOption('ACTIVE');
    await row.getByRole('button', { name: 'Set' }).click();
    await expectNotice(`Campaign CREJECTED1 of project ${service.projectId} is now ACTIVE.`);
    const campaigns = await adminJson<{ campaigns: Array<{ id: string; state: string }> }>(service, 'GET', `/projects/${service.projectId}/campaigns`);
    expect(campaigns.campaigns.find((entry) => entry.id === 'CREJECTED1')?.state).toBe('ACTIVE');

    const missing = await page.goto(`${service.baseUrl}/console/projects/no-such-project`);
    expect(missing?.status()).toBe(404);
    expect(await page.locator('main').textContent()).toContain('Project no-such-project was not found');
  });
});

/** Pages tested in this file, where `{projectId}` is a placeholder for the test project's id. */
const GATED_PAGES = ['/console/deliveries', '/console/emails', '/console/voice-calls', '/console/clock', '/console/projects', '/console/projects/{projectId}'];

describe('console admin pages gate', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService(newSqliteUrl(), SERVICE_ENV);
  });

  afterAll(async () => {
    await service?.close();
  });

  function gatedActions(): Array<[string, Record<string, string>]> {
    const base = `/console/projects/${service.projectId}`;
    return [
      ['/console/deliveries/redeliver', { projectId: service.projectId, eventId: '01jzzzzzzzzzzzzzzzzzzzzzzz' }],
      ['/console/clock/advance', { amount: '1', unit: 'days' }],
      ['/console/projects', { projectId: 'forged', displayName: 'Forged' }],
      [`${base}/access-keys`, {}],
      [`${base}/access-keys/${service.keyId}/revoke`, {}],
      [`${base}/blanket-loa`, { isBlanketLoaApproved: 'true' }],
      [`${base}/import-limit`, { importOrderLimit: '1' }],
      [`${base}/campaigns`, { id: 'CFORGED', state: 'CAMPAIGN_EXPIRED' }],
      [`${base}/service-plans`, { id: 'plan-forged', state: 'INACTIVE' }],
    ];
  }

  /** Reads what the actions above would change, through the admin API. */
  async function adminSnapshot(): Promise<unknown> {
    return {
      projects: await adminJson(service, 'GET', '/projects'),
      keys: await adminJson(service, 'GET', `/projects/${service.projectId}/accessKeys`),
      campaigns: await adminJson(service, 'GET', `/projects/${service.projectId}/campaigns`),
      plans: await adminJson(service, 'GET', `/projects/${service.projectId}/servicePlans`),
      offsetMs: (await adminJson<ClockBody>(service, 'GET', '/clock')).offsetMs,
    };
  }

  it('sends every page to the login page without a session', async () => {
    const anonymous = new ConsoleClient(service.baseUrl);
    for (const template of GATED_PAGES) {
      const path = template.replace('{projectId}', service.projectId);
      const response = await anonymous.get(path);
      expect(response.status, path).toBe(303);
      expect(response.location, path).toBe(`/console/login?next=${encodeURIComponent(path)}`);
    }
  });

  it('rejects actions without session or token', async () => {
    const before = await adminSnapshot();
    const anonymous = new ConsoleClient(service.baseUrl);
    const client = await ConsoleClient.login(service.baseUrl, TEST_ADMIN_TOKEN);
    for (const [path, fields] of gatedActions()) {
      const withoutSession = await anonymous.post(path, { ...fields, csrfToken: client.csrfToken, returnTo: '/console' });
      expect(withoutSession.status, path).toBe(401);
      const withoutToken = await client.post(path, { ...fields, csrfToken: '', returnTo: '/console' });
      expect(withoutToken.status, path).toBe(403);
      const wrongToken = await client.post(path, { ...fields, csrfToken: `${client.csrfToken.slice(0, -2)}xx`, returnTo: '/console' });
      expect(wrongToken.status, path).toBe(403);
      expect(wrongToken.text, path).not.toContain('new-key-secret');
    }
    expect(await adminSnapshot()).toEqual(before);
    // The API key of the project still works: nothing was revoked.
    expect((await service.api('/importedNumbers')).status).toBe(200);
  });

  it('returns HTML 404 for unknown paths', async () => {
    const unknownPaths = [
      `/console/projects/${service.projectId}/access-keys`,
      '/console/numbers/%2B12025550134',
      '/console/no-such-page?x=1',
      '/console/orders/extra/segments',
    ];
    const anonymous = new ConsoleClient(service.baseUrl);
    for (const path of unknownPaths) {
      const response = await anonymous.get(path);
      expect(response.status, path).toBe(303);
      expect(response.location, path).toBe(`/console/login?next=${encodeURIComponent(path)}`);
    }

    const client = await ConsoleClient.login(service.baseUrl, TEST_ADMIN_TOKEN);
    for (const path of unknownPaths) {
      const response = await client.get(path);
      expect(response.status, path).toBe(404);
      expect(response.headers.get('content-type'), path).toBe('text/html; charset=utf-8');
      expect(response.headers.get('content-security-policy'), path).toContain("default-src 'none'");
      expect(response.text, path).toContain('<h1>Not found</h1>');
      expect(response.text, path).toContain('<a href="/console">Back to the dashboard</a>');
      expect(response.text, path).toContain('<nav aria-label="Console">');
    }

    // Unknown posts pass the session and CSRF checks first, then change nothing.
    const before = await adminSnapshot();
    const path = `/console/projects/${service.projectId}/access-keys/extra`;
    expect((await anonymous.post(path, { csrfToken: client.csrfToken })).status).toBe(401);
    expect((await client.post(path, { csrfToken: '' })).status).toBe(403);
    const posted = await client.post(path, { returnTo: '/console' });
    expect(posted.status).toBe(404);
    expect(posted.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(posted.text).toContain('Nothing was changed. No console page has this address.');
    expect(await adminSnapshot()).toEqual(before);
  });
});

describe('console admin pages in production mode', () => {
  let service: TestService;
  let client: ConsoleClient;

  beforeAll(async () => {
    // Production mode creates no sandbox project, so the test names its own.
    service = await startTestService(newSqliteUrl(), {
      NUMBERHOST_MODE: 'production',
      SINCH_PROJECT_ID: 'console-admin-project',
      SINCH_KEY_ID: 'console-admin-key',
      SINCH_KEY_SECRET: 'console-admin-secret-0123456789abcdef',
    });
    client = await ConsoleClient.login(service.baseUrl, TEST_ADMIN_TOKEN);
  });

  afterAll(async () => {
    await service?.close();
  });

  it('hides the voice calls and clock pages', async () => {
    for (const path of ['/console/voice-calls', '/console/clock']) {
      const response = await client.get(path);
      expect(response.status, path).toBe(404);
      expect(response.text, path).toContain('This page exists in sandbox mode only.');
    }
    const before = await adminJson<ClockBody>(service, 'GET', '/clock');
    const advance = await client.post('/console/clock/advance', { amount: '1', unit: 'days', returnTo: '/console/clock' });
    expect(advance.status).toBe(404);
    expect((await adminJson<ClockBody>(service, 'GET', '/clock')).offsetMs).toBe(before.offsetMs);
    const dashboard = await client.get('/console');
    expect(dashboard.text).not.toContain('href="/console/clock"');
    expect(dashboard.text).not.toContain('href="/console/voice-calls"');
  });

  it('keeps the deliveries, outbox and projects pages', async () => {
    for (const path of ['/console/deliveries', '/console/emails', '/console/projects', `/console/projects/${service.projectId}`]) {
      const response = await client.get(path);
      expect(response.status, path).toBe(200);
    }
  });

  it('shows no sandbox wording', async () => {
    const pages = [
      '/console',
      '/console/orders',
      '/console/tasks',
      '/console/qualified-numbers',
      '/console/numbers',
      '/console/deliveries',
      '/console/emails',
      '/console/projects',
      `/console/projects/${service.projectId}`,
      '/console/no-such-page',
    ];
    for (const path of pages) {
      const response = await client.get(path);
      expect(response.text, path).not.toMatch(/sandbox/i);
    }
    expect((await new ConsoleClient(service.baseUrl).get('/console/login')).text).not.toMatch(/sandbox/i);

    const project = await client.get(`/console/projects/${service.projectId}`);
    expect(project.text).toContain('In production an order or import that names an unknown service plan is refused: register the plan here, or set SERVICE_PLAN_ID');
    expect(project.text).toContain('Register the campaign here, or set CAMPAIGN_ID');
  });
});
