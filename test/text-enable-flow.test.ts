import { createHash, createHmac } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSpecAjv, schemaRef } from '../src/http/spec.js';
import { launchBrowser } from './helpers/browser.js';
import { DIALECTS, newDatabaseUrl } from './helpers/databases.js';
import { expectFlatError, violatedFields } from './helpers/error-bodies.js';
import { pdfPageTexts } from './helpers/pdf-text.js';
import { CallbackReceiver } from './helpers/receiver.js';
import type { TestService } from './helpers/service.js';
import { startTestService, waitUntil } from './helpers/service.js';
import type { ReceivedMail, SmtpSink } from './helpers/smtp-sink.js';
import { startSmtpSink } from './helpers/smtp-sink.js';
import { freePort } from './helpers/spawn.js';
import { assertMatchesSpec } from './helpers/spec-responses.js';

/**
 * Acceptance tests of qualification and text-enablement, end to end. The service runs on a
 * loopback port and mails the LOA through a real SMTP server. The signer signs it in real
 * Chromium, and the tests advance the service clock to reach scheduled OSR updates.
 */

const HMAC_SECRET = 'text-enable-flow-secret';
const SERVICE_PLAN_ID = 'plan-text-enable';
const CAMPAIGN_ID = 'CTXTEN1';
const BUSINESS_NAME = 'Acme Widgets, Inc.';
const TYPED_NAME = 'Jane Q. Doe';
const AUTHORISED_PERSON = { firstName: 'Jane', lastName: 'Doe', email: 'jane.doe@example.com' };
const PERSON_NAME = `${AUTHORISED_PERSON.firstName} ${AUTHORISED_PERSON.lastName}`;
const DIRECT_LOA = {
  authorisedPerson: AUTHORISED_PERSON,
  address: { buildingNumber: '2433', street: 'Vesta Drive', city: 'Chicago', state: 'IL', postalCode: '60647', country: 'US' },
  currentVoiceCarrier: 'Verizon',
};
const RESELLER_LOA = { businessName: BUSINESS_NAME, ...DIRECT_LOA };

const MINUTE_S = 60;
const HOUR_S = 60 * MINUTE_S;
const DAY_S = 24 * HOUR_S;
/** How long a negative check waits for work that must not happen. A due job starts within a few worker polls of 20 ms. */
const QUIET_PERIOD_MS = 1_000;

const HOSTING_EVENTS = ['OSR_UPDATE', 'PROVISIONING_TO_SMS_PLATFORM', 'LINK_TO_10DLC_CAMPAIGN', 'HOSTING_PROCESS'];
const TOLL_FREE_HOSTING_EVENTS = ['OSR_UPDATE', 'PROVISIONING_TO_SMS_PLATFORM', 'HOSTING_PROCESS'];

const specAjv = createSpecAjv();
const validateCallbackPayload = specAjv.compile(schemaRef('CallbackPayload'));
const validateQualifiedNumber = specAjv.compile(schemaRef('QualifiedNumber'));

interface QualifiedNumberBody {
  phoneNumber: string;
  globalProcessState: string;
  osrEligibility: { status: string; error: string };
  ownershipVerification: { status: string; error: string };
  hostedNumber: { status: number; error: string };
}

interface TextEnableInfoBody {
  businessName?: string;
  authorisedPerson?: typeof AUTHORISED_PERSON;
  serviceProvider: string;
  nnid: string;
  loaType?: string;
}

interface HostingOrderBody {
  hostingOrderId: string;
  state: string;
  type: string;
  scheduledOsrUpdateTime?: string;
  servicePlanId: string;
  campaignId: string;
  callbackUrl: string;
  textEnableInfo?: TextEnableInfoBody;
}

interface OrderNumberBody {
  phoneNumber: string;
  osrUpdate: { nnid: string; state: string };
  platformProvisioning: { servicePlanId: string; state: string };
  campaignProvisioning: { campaignId: string; state: string };
}

interface ReportBody {
  total: number;
  osrUpdated: number;
  smsProvisioned: number;
  addedToCampaign: number;
  ongoingManualAction: number;
}

interface ImportedNumberBody {
  phoneNumber: string;
  smsConfiguration: { servicePlanId: string; campaignId: string };
  smsProvisioning: { state: string };
  campaignProvisioning: { state: string; serviceId: string };
}

interface VoiceCallBody {
  phoneNumber: string;
  code: string;
  state: string;
}

interface EmailBody {
  hostingOrderId: string;
  to: string;
  links: string[];
  state: string;
}

interface ClockBody {
  now: string;
  offsetMs: number;
}

interface CallbackPayloadBody {
  resourceType: string;
  resourceId: string;
  eventType: string;
  status: string;
}

/** Returns a six-digit code that differs from `code`. */
function wrongCodeFor(code: string): string {
  return String((Number(code) + 1) % 1_000_000).padStart(6, '0');
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

let browser: Browser;
/**
 * One context for the whole file, with a page per test. Sharing it is safe because each
 * signing link's CSRF cookie is scoped to the link's path. With @sparticuz/chromium, which
 * runs with --single-process, closing a context also closed the browser.
 */
let context: BrowserContext;

beforeAll(async () => {
  browser = await launchBrowser();
  context = await browser.newContext();
  // Every server here is local, so a wait of 10 s only ever ends in a failure worth seeing sooner.
  context.setDefaultTimeout(10_000);
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
});

describe.each(DIALECTS)('text-enable flow on %s', (dialect) => {
  let service: TestService;
  let sink: SmtpSink;
  const receiver = new CallbackReceiver();
  let callbackUrl: string;
  let page: Page;

  beforeAll(async () => {
    sink = await startSmtpSink();
    callbackUrl = await receiver.start();
    // The signing link must reach this server, so the port is chosen before it starts.
    const port = await freePort();
    service = await startTestService(await newDatabaseUrl(dialect), {
      PORT: String(port),
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
      SMTP_URL: sink.url,
      NUMBERHOST_ELIGIBILITY_DELAY_MS: '0',
      NUMBERHOST_VOICE_CALL_INTERVAL_S: '0',
    });
    const configuration = await apiOk<{ hmacSecret: string }>('PATCH', '/callbackConfiguration', { hmacSecret: HMAC_SECRET });
    expect(configuration.hmacSecret).toBe(HMAC_SECRET);
  });

  afterAll(async () => {
    await service?.close();
    await receiver.stop();
    await sink?.close();
  });

  beforeEach(async () => {
    page = await context.newPage();
  });

  afterEach(async () => {
    await page?.close();
  });

  /** Sends a project API request, expects 200 and checks the body against the spec. */
  async function apiOk<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await service.api(path, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await response.text();
    expect(response.status, `${method} ${path}: ${text}`).toBe(200);
    const parsed = JSON.parse(text) as unknown;
    assertMatchesSpec(method, `/v1/projects/${service.projectId}${path}`, response.status, parsed);
    return parsed as T;
  }

  /** Sends an admin API request (`path` after `/admin/v1`) and expects 200. */
  async function adminOk<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await service.admin(path, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await response.text();
    expect(response.status, `${method} /admin/v1${path}: ${text}`).toBe(200);
    return JSON.parse(text) as T;
  }

  async function adminPdf(path: string): Promise<Buffer> {
    const response = await service.admin(path);
    expect(response.status, `GET /admin/v1${path}`).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/pdf');
    return Buffer.from(await response.arrayBuffer());
  }

  function projectPath(path: string): string {
    return `/projects/${service.projectId}${path}`;
  }

  function qualifiedPath(phoneNumber: string): string {
    return `/qualifiedNumbers/${encodeURIComponent(phoneNumber)}`;
  }

  function getQualifiedNumber(phoneNumber: string): Promise<QualifiedNumberBody> {
    return apiOk<QualifiedNumberBody>('GET', qualifiedPath(phoneNumber));
  }

  function getOrder(hostingOrderId: string): Promise<HostingOrderBody> {
    return apiOk<HostingOrderBody>('GET', `/hostingOrders/${hostingOrderId}`);
  }

  function getReport(hostingOrderId: string): Promise<ReportBody> {
    return apiOk<ReportBody>('GET', `/hostingOrders/${hostingOrderId}/report`);
  }

  async function listOrderNumbers(hostingOrderId: string): Promise<OrderNumberBody[]> {
    return (await apiOk<{ numbers: OrderNumberBody[] }>('GET', `/hostingOrders/${hostingOrderId}/numbers`)).numbers;
  }

  function waitForOrderState(hostingOrderId: string, state: string): Promise<HostingOrderBody> {
    return waitUntil(
      () => getOrder(hostingOrderId),
      (order) => order.state === state,
    );
  }

  async function serviceNowMs(): Promise<number> {
    return Date.parse((await adminOk<ClockBody>('GET', '/clock')).now);
  }

  async function advanceClock(seconds: number): Promise<void> {
    await adminOk<ClockBody>('POST', '/clock:advance', { seconds });
  }

  /** Adds numbers as qualified numbers and waits until the eligibility check made each ELIGIBLE. */
  async function addEligibleNumbers(phoneNumbers: string[]): Promise<void> {
    const added = await apiOk<{ qualifiedNumbers: QualifiedNumberBody[] }>('POST', '/qualifiedNumbers:addNumbers', { phoneNumbers });
    expect(added.qualifiedNumbers.map((number) => number.phoneNumber)).toEqual(phoneNumbers);
    for (const number of added.qualifiedNumbers) {
      expect(number.globalProcessState).toBe('GLOBAL_PROCESS_STATE_ELIGIBLE_CHECK_PENDING');
      expect(number.osrEligibility.status).toBe('IN_PROGRESS');
    }
    for (const phoneNumber of phoneNumbers) {
      const eligible = await waitUntil(
        () => getQualifiedNumber(phoneNumber),
        (number) => number.globalProcessState !== 'GLOBAL_PROCESS_STATE_ELIGIBLE_CHECK_PENDING',
      );
      expect(eligible.globalProcessState).toBe('GLOBAL_PROCESS_STATE_ELIGIBLE');
      expect(eligible.osrEligibility.status).toBe('DONE');
    }
  }

  async function approveOwnership(phoneNumber: string): Promise<void> {
    const approved = await adminOk<QualifiedNumberBody>('POST', projectPath(`${qualifiedPath(phoneNumber)}:approveOwnership`));
    expect(validateQualifiedNumber(approved), specAjv.errorsText(validateQualifiedNumber.errors)).toBe(true);
    expect(approved.globalProcessState).toBe('GLOBAL_PROCESS_STATE_VERIFIED');
    expect(approved.ownershipVerification.status).toBe('DONE');
  }

  async function addVerifiedNumbers(phoneNumbers: string[]): Promise<void> {
    await addEligibleNumbers(phoneNumbers);
    for (const phoneNumber of phoneNumbers) {
      await approveOwnership(phoneNumber);
    }
  }

  async function expectQualifiedStates(phoneNumbers: string[], state: string): Promise<void> {
    for (const phoneNumber of phoneNumbers) {
      expect((await getQualifiedNumber(phoneNumber)).globalProcessState, phoneNumber).toBe(state);
    }
  }

  /** Waits for the LOA mail of an order at the SMTP sink and reads the signing link from its text. */
  async function receiveLoaMail(hostingOrderId: string): Promise<{ mail: ReceivedMail; link: string; attachment: Buffer }> {
    const mail = await sink.waitForMail((candidate) => candidate.subject.includes(hostingOrderId));
    const link = /^(https?:\/\/\S+\/loa\/[A-Za-z0-9_-]+)$/m.exec(mail.text)?.[1];
    expect(link, mail.text).toBeDefined();
    const attachments = mail.attachments.filter((attachment) => attachment.contentType === 'application/pdf');
    expect(attachments).toHaveLength(1);
    return { mail, link: link as string, attachment: (attachments[0] as ReceivedMail['attachments'][number]).content };
  }

  async function openSigningPage(link: string): Promise<void> {
    const response = await page.goto(link);
    expect(response?.status()).toBe(200);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Sign the Letter of Authorization');
  }

  async function listedNumbersOnPage(): Promise<string[]> {
    return page.locator('ol.numbers li').allTextContents();
  }

  /**
   * Types the name, ticks consent, clicks Sign and waits for the confirmation page. The
   * form is first scrolled into view and given two animation frames to settle. Without
   * that, a click right after a scroll sometimes reached the PDF iframe above the form, as
   * if Chromium still used the frame's position before the scroll, and left the box unticked.
   */
  async function signOnPage(fullName: string): Promise<void> {
    const form = page.locator('form.sign-form');
    await form.scrollIntoViewIfNeeded();
    await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))');
    await page.getByLabel('Your full name').fill(fullName);
    await page.getByLabel(/I confirm that I am authorised/).check();
    const posted = page.waitForResponse((response) => response.request().method() === 'POST');
    await page.getByRole('button', { name: 'Sign', exact: true }).click();
    expect((await posted).status()).toBe(200);
    const heading = page.getByRole('heading', { level: 1, name: 'Letter of Authorization signed' });
    await heading.waitFor();
    expect(await page.locator('main').textContent()).toContain(`${fullName} signed the Letter of Authorization`);
  }

  function payloadOf(rawBody: Buffer): CallbackPayloadBody {
    return JSON.parse(rawBody.toString('utf8')) as CallbackPayloadBody;
  }

  /**
   * Waits until every number got `eventTypes.length` callbacks. Then checks that each
   * number got exactly those event types, each SUCCEEDED, of resource type
   * HOSTING_ORDER_NUMBER, matching the spec and with a valid signature.
   */
  async function expectHostingCallbacks(phoneNumbers: string[], eventTypes: string[]): Promise<void> {
    await receiver.waitFor((payloads) => phoneNumbers.every((phoneNumber) => payloads.filter((payload) => payload.resourceId === phoneNumber).length >= eventTypes.length));
    for (const phoneNumber of phoneNumbers) {
      const callbacks = receiver.received.filter((callback) => payloadOf(callback.rawBody).resourceId === phoneNumber);
      const payloads = callbacks.map((callback) => payloadOf(callback.rawBody));
      expect(payloads.map((payload) => payload.eventType).sort(), phoneNumber).toEqual([...eventTypes].sort());
      for (const [index, callback] of callbacks.entries()) {
        const payload = payloads[index] as CallbackPayloadBody;
        expect(validateCallbackPayload(payload), specAjv.errorsText(validateCallbackPayload.errors)).toBe(true);
        expect(payload.resourceType).toBe('HOSTING_ORDER_NUMBER');
        expect(payload.status, `${phoneNumber} ${payload.eventType}`).toBe('SUCCEEDED');
        const signature = createHmac('sha1', HMAC_SECRET).update(callback.rawBody).digest('hex');
        expect(callback.headers['x-sinch-signature']).toBe(signature);
      }
    }
  }

  function callbackEventsOf(phoneNumbers: string[]): string[] {
    return receiver
      .payloads()
      .filter((payload) => phoneNumbers.includes(payload.resourceId as string))
      .map((payload) => payload.eventType as string);
  }

  /** Checks that nothing ran yet: no OSR update done, every number's OSR update WAITING, no callback. */
  async function expectOsrUpdatesWaiting(hostingOrderId: string, phoneNumbers: string[]): Promise<void> {
    const report = await getReport(hostingOrderId);
    expect(report.total).toBe(phoneNumbers.length);
    expect(report.osrUpdated).toBe(0);
    const numbers = await listOrderNumbers(hostingOrderId);
    expect(numbers.map((number) => number.phoneNumber)).toEqual(phoneNumbers);
    for (const number of numbers) {
      expect(number.osrUpdate.state, number.phoneNumber).toBe('WAITING');
    }
    expect(callbackEventsOf(phoneNumbers)).toEqual([]);
    expect((await getOrder(hostingOrderId)).state).toBe('IN_PROGRESS');
  }

  async function expectHostingDone(phoneNumbers: string[]): Promise<void> {
    for (const phoneNumber of phoneNumbers) {
      const qualified = await getQualifiedNumber(phoneNumber);
      expect(qualified.globalProcessState, phoneNumber).toBe('GLOBAL_PROCESS_STATE_HOSTING_DONE');
      expect(qualified.hostedNumber.status, phoneNumber).toBe(1);
    }
  }

  async function expectImported(phoneNumbers: string[], campaignId: string): Promise<void> {
    for (const phoneNumber of phoneNumbers) {
      const imported = await apiOk<ImportedNumberBody>('GET', `/importedNumbers/${encodeURIComponent(phoneNumber)}`);
      expect(imported.phoneNumber).toBe(phoneNumber);
      expect(imported.smsConfiguration.servicePlanId).toBe(SERVICE_PLAN_ID);
      expect(imported.smsConfiguration.campaignId).toBe(campaignId);
      expect(imported.smsProvisioning.state).toBe('DONE');
      if (campaignId !== '') {
        expect(imported.campaignProvisioning.state).toBe('DONE');
        expect(imported.campaignProvisioning.serviceId).toBe(campaignId);
      }
    }
  }

  /** Checks the admin signed LOA: the original's pages plus a certificate with the typed name and the original's SHA-256. */
  async function expectSignedLoa(hostingOrderId: string, typedName: string): Promise<void> {
    const original = await adminPdf(projectPath(`/hostingOrders/${hostingOrderId}/loa`));
    const signed = await adminPdf(projectPath(`/hostingOrders/${hostingOrderId}/signedLoa`));
    const originalPages = await pdfPageTexts(original);
    const signedPages = await pdfPageTexts(signed);
    expect(signedPages).toHaveLength(originalPages.length + 1);
    const certificate = signedPages.at(-1) ?? '';
    expect(certificate).toContain(typedName);
    expect(certificate).toContain(createHash('sha256').update(original).digest('hex'));
  }

  it('direct LOA completes at scheduled time', async () => {
    const voiceNumber = '+12025550141';
    const approvedNumber = '+12025550142';
    const spareNumber = '+12025550143';
    const orderNumbers = [voiceNumber, approvedNumber];

    await addEligibleNumbers([voiceNumber, approvedNumber, spareNumber]);

    // Number 1: ownership proved by the voice challenge, after one wrong code.
    const challenged = await apiOk<QualifiedNumberBody>('POST', `${qualifiedPath(voiceNumber)}:sendVoiceChallenge`);
    expect(challenged.globalProcessState).toBe('GLOBAL_PROCESS_STATE_VERIFICATION_PENDING');
    expect(challenged.ownershipVerification.status).toBe('IN_PROGRESS');
    const callLog = await waitUntil(
      () => adminOk<{ voiceCalls: VoiceCallBody[] }>('GET', projectPath(`/voiceCalls?phoneNumber=${encodeURIComponent(voiceNumber)}`)),
      (log) => log.voiceCalls[0]?.state === 'ANSWERED',
    );
    expect(callLog.voiceCalls).toHaveLength(1);
    const code = callLog.voiceCalls[0]?.code ?? '';
    expect(code).toMatch(/^\d{6}$/);

    const wrong = await apiOk<QualifiedNumberBody>('POST', `${qualifiedPath(voiceNumber)}:verifyVoiceChallenge`, { code: wrongCodeFor(code) });
    expect(wrong.globalProcessState).toBe('GLOBAL_PROCESS_STATE_VERIFICATION_FAILED');
    expect(wrong.ownershipVerification.error).toMatch(/^Wrong code\b/);
    const verified = await apiOk<QualifiedNumberBody>('POST', `${qualifiedPath(voiceNumber)}:verifyVoiceChallenge`, { code });
    expect(verified.globalProcessState).toBe('GLOBAL_PROCESS_STATE_VERIFIED');
    expect(verified.ownershipVerification.status).toBe('DONE');

    // Number 2: ownership approved by the operator.
    await approveOwnership(approvedNumber);

    const scheduledOsrUpdateTime = new Date((await serviceNowMs()) + DAY_S * 1000).toISOString();
    const created = await apiOk<HostingOrderBody>('POST', '/hostingOrders:textEnableNumbers', {
      regionCode: 'US',
      numbers: orderNumbers,
      servicePlanId: SERVICE_PLAN_ID,
      campaignId: CAMPAIGN_ID,
      callbackUrl,
      scheduledOsrUpdateTime,
      directLoaInfo: DIRECT_LOA,
    });
    const hostingOrderId = created.hostingOrderId;
    expect(created.state).toBe('SUBMITTED');
    expect(created.type).toBe('TYPE_TEXT_ENABLE');
    expect(created.scheduledOsrUpdateTime).toBe(scheduledOsrUpdateTime);
    expect(created.textEnableInfo?.loaType).toBe('Direct');
    expect(created.textEnableInfo?.authorisedPerson).toEqual(AUTHORISED_PERSON);
    await expectQualifiedStates(orderNumbers, 'GLOBAL_PROCESS_STATE_HOSTING_IN_PROGRESS');
    await expectQualifiedStates([spareNumber], 'GLOBAL_PROCESS_STATE_ELIGIBLE');
    await waitForOrderState(hostingOrderId, 'WAITING_FOR_LOA_SIGNATURE');

    // The LOA mail: to the authorised person, with the link and the LOA as a PDF.
    const { mail, link, attachment } = await receiveLoaMail(hostingOrderId);
    expect(mail.to).toEqual([AUTHORISED_PERSON.email]);
    expect(link.startsWith(`${service.baseUrl}/loa/`)).toBe(true);
    const original = await adminPdf(projectPath(`/hostingOrders/${hostingOrderId}/loa`));
    expect(attachment.equals(original)).toBe(true);
    const loaText = (await pdfPageTexts(attachment)).join('\n');
    expect(loaText).toContain(voiceNumber);
    expect(loaText).toContain(approvedNumber);
    expect(loaText).not.toContain(spareNumber);
    expect(loaText).toContain(PERSON_NAME);
    const outbox = await adminOk<{ emails: EmailBody[] }>('GET', projectPath(`/emails?hostingOrderId=${hostingOrderId}`));
    expect(outbox.emails).toHaveLength(1);
    expect(outbox.emails[0]?.to).toBe(AUTHORISED_PERSON.email);
    expect(outbox.emails[0]?.links).toEqual([link]);

    await openSigningPage(link);
    expect(await listedNumbersOnPage()).toEqual(orderNumbers);
    await signOnPage(TYPED_NAME);
    expect((await getOrder(hostingOrderId)).state).toBe('IN_PROGRESS');

    // Signed a day before scheduledOsrUpdateTime: nothing may run yet.
    await pause(QUIET_PERIOD_MS);
    await expectOsrUpdatesWaiting(hostingOrderId, orderNumbers);

    await advanceClock(DAY_S + MINUTE_S);
    await waitForOrderState(hostingOrderId, 'COMPLETED');
    expect(await getReport(hostingOrderId)).toEqual({ total: 2, osrUpdated: 2, smsProvisioned: 2, addedToCampaign: 2, ongoingManualAction: 0 });
    await expectImported(orderNumbers, CAMPAIGN_ID);
    await expectHostingDone(orderNumbers);
    await expectHostingCallbacks(orderNumbers, HOSTING_EVENTS);
    await expectSignedLoa(hostingOrderId, TYPED_NAME);
    const decision = await adminOk<{ outcome: string; signerName: string }>('GET', projectPath(`/hostingOrders/${hostingOrderId}/loaDecision`));
    expect(decision.outcome).toBe('SIGNED');
    expect(decision.signerName).toBe(TYPED_NAME);
  });

  it('reseller LOA completes right after signing', async () => {
    const orderNumbers = ['+12025550146', '+12025550147'];
    await addVerifiedNumbers(orderNumbers);
    const clockBefore = await adminOk<ClockBody>('GET', '/clock');

    const created = await apiOk<{ hostingOrderId: string }>('POST', '/qualifiedNumbers:textEnableNumbers', {
      regionCode: 'US',
      numbers: orderNumbers,
      servicePlanId: SERVICE_PLAN_ID,
      campaignId: CAMPAIGN_ID,
      callbackUrl,
      resellerLoaInfo: RESELLER_LOA,
    });
    expect(Object.keys(created)).toEqual(['hostingOrderId']);
    const { hostingOrderId } = created;
    await expectQualifiedStates(orderNumbers, 'GLOBAL_PROCESS_STATE_HOSTING_IN_PROGRESS');
    const waiting = await waitForOrderState(hostingOrderId, 'WAITING_FOR_LOA_SIGNATURE');
    expect(waiting.type).toBe('TYPE_TEXT_ENABLE');
    expect(waiting.scheduledOsrUpdateTime).toBeUndefined();
    expect(waiting.textEnableInfo?.loaType).toBe('Reseller');
    expect(waiting.textEnableInfo?.businessName).toBe(BUSINESS_NAME);

    const { mail, link, attachment } = await receiveLoaMail(hostingOrderId);
    expect(mail.to).toEqual([AUTHORISED_PERSON.email]);
    expect(mail.text).toContain(BUSINESS_NAME);
    const loaText = (await pdfPageTexts(attachment)).join('\n');
    expect(loaText).toContain(BUSINESS_NAME);
    expect(loaText).toContain(PERSON_NAME);

    await openSigningPage(link);
    expect(await listedNumbersOnPage()).toEqual(orderNumbers);
    expect(await page.locator('dl.summary').textContent()).toContain(BUSINESS_NAME);
    expect(await page.locator('label[for="consent"]').textContent()).toContain(BUSINESS_NAME);
    await signOnPage(TYPED_NAME);

    await waitForOrderState(hostingOrderId, 'COMPLETED');
    expect((await adminOk<ClockBody>('GET', '/clock')).offsetMs).toBe(clockBefore.offsetMs);
    expect(await getReport(hostingOrderId)).toEqual({ total: 2, osrUpdated: 2, smsProvisioned: 2, addedToCampaign: 2, ongoingManualAction: 0 });
    await expectImported(orderNumbers, CAMPAIGN_ID);
    await expectHostingDone(orderNumbers);
    await expectHostingCallbacks(orderNumbers, HOSTING_EVENTS);
    await expectSignedLoa(hostingOrderId, TYPED_NAME);
  });

  it('blanket LOA needs approval, sends no mail', async () => {
    const orderNumbers = ['+12025550161', '+12025550162'];
    await addVerifiedNumbers(orderNumbers);
    const request = {
      regionCode: 'US',
      numbers: orderNumbers,
      servicePlanId: SERVICE_PLAN_ID,
      campaignId: CAMPAIGN_ID,
      callbackUrl,
      scheduledOsrUpdateTime: new Date((await serviceNowMs()) + HOUR_S * 1000).toISOString(),
      blanketLoaInfo: {},
    };

    const rejected = await service.api('/hostingOrders:textEnableNumbers', { method: 'POST', body: JSON.stringify(request) });
    const error = await expectFlatError(rejected, 400, 'FAILED_PRECONDITION');
    assertMatchesSpec('POST', `/v1/projects/${service.projectId}/hostingOrders:textEnableNumbers`, 400, error);
    expect(violatedFields(error)).toEqual(['blanketLoaInfo']);
    await expectQualifiedStates(orderNumbers, 'GLOBAL_PROCESS_STATE_VERIFIED');

    const project = await adminOk<{ isBlanketLoaApproved: boolean }>('PATCH', `/projects/${service.projectId}`, { isBlanketLoaApproved: true });
    expect(project.isBlanketLoaApproved).toBe(true);

    const created = await apiOk<HostingOrderBody>('POST', '/hostingOrders:textEnableNumbers', request);
    const hostingOrderId = created.hostingOrderId;
    expect(created.state).toBe('SUBMITTED');
    expect(created.textEnableInfo).toBeDefined();
    expect(created.textEnableInfo).not.toHaveProperty('loaType');
    expect(created.textEnableInfo).not.toHaveProperty('authorisedPerson');
    await expectQualifiedStates(orderNumbers, 'GLOBAL_PROCESS_STATE_HOSTING_IN_PROGRESS');

    // The OSR updates wait for scheduledOsrUpdateTime, so IN_PROGRESS lasts until the clock moves.
    await waitForOrderState(hostingOrderId, 'IN_PROGRESS');
    const outbox = await adminOk<{ emails: EmailBody[] }>('GET', projectPath(`/emails?hostingOrderId=${hostingOrderId}`));
    expect(outbox.emails).toEqual([]);
    expect((await service.admin(projectPath(`/hostingOrders/${hostingOrderId}/loa`))).status).toBe(404);

    await advanceClock(HOUR_S + MINUTE_S);
    await waitForOrderState(hostingOrderId, 'COMPLETED');
    expect(await getReport(hostingOrderId)).toEqual({ total: 2, osrUpdated: 2, smsProvisioned: 2, addedToCampaign: 2, ongoingManualAction: 0 });
    await expectImported(orderNumbers, CAMPAIGN_ID);
    await expectHostingDone(orderNumbers);
    await expectHostingCallbacks(orderNumbers, HOSTING_EVENTS);
    expect(sink.mails.filter((mail) => mail.subject.includes(hostingOrderId) || mail.text.includes(hostingOrderId))).toEqual([]);
  });

  it('toll-free order runs at scheduled time', async () => {
    const orderNumbers = ['+18885550151', '+18885550152'];
    await addVerifiedNumbers(orderNumbers);

    const scheduledZipwhipProvisioningTime = new Date((await serviceNowMs()) + 2 * HOUR_S * 1000).toISOString();
    const created = await apiOk<HostingOrderBody>('POST', '/qualifiedNumbers:textEnableTollFreeNumbers', {
      regionCode: 'US',
      numbers: orderNumbers,
      servicePlanId: SERVICE_PLAN_ID,
      callbackUrl,
      scheduledZipwhipProvisioningTime,
      directLoaInfo: DIRECT_LOA,
    });
    const hostingOrderId = created.hostingOrderId;
    expect(created.state).toBe('SUBMITTED');
    expect(created.campaignId).toBe('');
    await expectQualifiedStates(orderNumbers, 'GLOBAL_PROCESS_STATE_HOSTING_IN_PROGRESS');
    await waitForOrderState(hostingOrderId, 'WAITING_FOR_LOA_SIGNATURE');

    const { link, attachment } = await receiveLoaMail(hostingOrderId);
    const loaText = (await pdfPageTexts(attachment)).join('\n');
    expect(loaText).toContain(orderNumbers[0]);
    expect(loaText).toContain(orderNumbers[1]);
    await openSigningPage(link);
    expect(await listedNumbersOnPage()).toEqual(orderNumbers);
    await signOnPage(TYPED_NAME);
    expect((await getOrder(hostingOrderId)).state).toBe('IN_PROGRESS');

    await pause(QUIET_PERIOD_MS);
    await expectOsrUpdatesWaiting(hostingOrderId, orderNumbers);

    await advanceClock(2 * HOUR_S + MINUTE_S);
    await waitForOrderState(hostingOrderId, 'COMPLETED');
    expect(await getReport(hostingOrderId)).toEqual({ total: 2, osrUpdated: 2, smsProvisioned: 2, addedToCampaign: 0, ongoingManualAction: 0 });
    await expectImported(orderNumbers, '');
    await expectHostingDone(orderNumbers);
    await expectHostingCallbacks(orderNumbers, TOLL_FREE_HOSTING_EVENTS);
    expect(callbackEventsOf(orderNumbers)).not.toContain('LINK_TO_10DLC_CAMPAIGN');
  });

  it('late toll-free signature waits a day', async () => {
    const orderNumbers = ['+18885550153'];
    await addVerifiedNumbers(orderNumbers);

    const scheduledZipwhipProvisioningTime = new Date((await serviceNowMs()) + MINUTE_S * 1000).toISOString();
    const created = await apiOk<HostingOrderBody>('POST', '/qualifiedNumbers:textEnableTollFreeNumbers', {
      regionCode: 'US',
      numbers: orderNumbers,
      servicePlanId: SERVICE_PLAN_ID,
      callbackUrl,
      scheduledZipwhipProvisioningTime,
      directLoaInfo: DIRECT_LOA,
    });
    const hostingOrderId = created.hostingOrderId;
    await waitForOrderState(hostingOrderId, 'WAITING_FOR_LOA_SIGNATURE');
    const { link } = await receiveLoaMail(hostingOrderId);

    // The signer opens the mail after the scheduled time of day has passed.
    await advanceClock(2 * MINUTE_S);
    await openSigningPage(link);
    expect(await listedNumbersOnPage()).toEqual(orderNumbers);
    await signOnPage(TYPED_NAME);
    expect((await getOrder(hostingOrderId)).state).toBe('IN_PROGRESS');

    await pause(QUIET_PERIOD_MS);
    await expectOsrUpdatesWaiting(hostingOrderId, orderNumbers);
    // 23 hours on, the clock is still short of the same time of day on the next day.
    await advanceClock(23 * HOUR_S);
    await pause(QUIET_PERIOD_MS);
    await expectOsrUpdatesWaiting(hostingOrderId, orderNumbers);

    await advanceClock(HOUR_S);
    await waitForOrderState(hostingOrderId, 'COMPLETED');
    expect(await getReport(hostingOrderId)).toEqual({ total: 1, osrUpdated: 1, smsProvisioned: 1, addedToCampaign: 0, ongoingManualAction: 0 });
    await expectHostingDone(orderNumbers);
    await expectHostingCallbacks(orderNumbers, TOLL_FREE_HOSTING_EVENTS);
  });
});
