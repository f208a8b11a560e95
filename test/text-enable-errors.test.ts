import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, newDatabaseUrl } from './helpers/databases.js';
import type { FlatErrorBody } from './helpers/error-bodies.js';
import { expectFlatError, violatedFields } from './helpers/error-bodies.js';
import { pdfPageTexts } from './helpers/pdf-text.js';
import { CallbackReceiver } from './helpers/receiver.js';
import type { TestService } from './helpers/service.js';
import { startTestService, waitUntil } from './helpers/service.js';
import { assertMatchesSpec } from './helpers/spec-responses.js';

const SPEC_BASE = '/v1/projects/p';
const ANY_ORDER_QUERY = 'states=HOSTING_ORDER_STATE_UNSPECIFIED&type=HOSTING_ORDER_TYPE_UNSPECIFIED&servicePlanId=&campaignId=&pageSize=1000';
const SERVICE_PLAN_ID = 'plan-text';
const DAY_MS = 86_400_000;
/** Admin calls sent at once when many numbers are approved. */
const APPROVE_PARALLELISM = 20;
const LARGE_ORDER_SIZE = 500;
/**
 * Limit for each phase of the 500-number order. On a 2-CPU machine its carrier steps took
 * 5 s (SQLite) and 20 s (PostgreSQL) at load average 10, and up to 75 s at load average 20.
 */
const LARGE_ORDER_TIMEOUT_MS = 240_000;

const SERVICE_ENV = { NUMBERHOST_ELIGIBILITY_DELAY_MS: '0' };

const DIRECT_LOA = {
  authorisedPerson: { firstName: 'Dana', lastName: 'Reyes', email: 'dana.reyes@example.com' },
  address: { buildingNumber: '2433', street: 'Vesta Drive', city: 'Chicago', state: 'IL', postalCode: '60647', country: 'US' },
  currentVoiceCarrier: 'Verizon',
};

const RESELLER_LOA = { ...DIRECT_LOA, businessName: 'Acme, Inc.' };

const STANDARD_PATHS = ['/hostingOrders:textEnableNumbers', '/qualifiedNumbers:textEnableNumbers'] as const;
const TOLL_FREE_PATHS = ['/hostingOrders:textEnableTollFreeNumbers', '/qualifiedNumbers:textEnableTollFreeNumbers'] as const;

interface QualifiedNumberBody {
  phoneNumber: string;
  globalProcessState: string;
  hostedNumber: { status: number; error: string };
}

interface HostingOrderBody {
  hostingOrderId: string;
  state: string;
  type: string;
  updatedTime: string;
}

interface EmailBody {
  id: string;
  hostingOrderId: string;
  to: string;
  links: string[];
  state: string;
}

interface LoaDecisionBody {
  outcome: string;
  signerName: string;
  reason: string;
  decidedTime: string;
}

/** The project data that a failed request must leave unchanged. */
interface ProjectSnapshot {
  hostingOrders: unknown[];
  qualifiedNumbers: unknown[];
  emails: unknown[];
  importedNumbers: unknown[];
}

/** The signing form's page, cookie and token, as a signer's browser keeps them after opening the link. */
interface OpenedForm {
  status: number;
  page: string;
  /** `loa_csrf=<value>`, ready for a Cookie header. */
  cookie: string;
  csrfToken: string;
}

interface SigningPage {
  status: number;
  page: string;
}

/** Runs `run` over `items`, `parallelism` at a time. */
async function inBatches<T>(items: readonly T[], parallelism: number, run: (item: T) => Promise<void>): Promise<void> {
  for (let start = 0; start < items.length; start += parallelism) {
    await Promise.all(items.slice(start, start + parallelism).map(run));
  }
}

function hasForm(page: string): boolean {
  return page.includes('<form');
}

describe.each(DIALECTS)('text-enable errors and signing failures on %s', (dialect) => {
  let service: TestService;
  const receiver = new CallbackReceiver();
  let callbackUrl: string;
  let nextLine = 0;

  /** Fresh local numbers +1303400xxxx, never used before in this project. */
  function newLocalNumbers(count: number): string[] {
    return Array.from({ length: count }, () => `+1303400${String(nextLine++).padStart(4, '0')}`);
  }

  /** Fresh toll-free numbers +1800400xxxx. */
  function newTollFreeNumbers(count: number): string[] {
    return Array.from({ length: count }, () => `+1800400${String(nextLine++).padStart(4, '0')}`);
  }

  async function readJson<T>(response: Response): Promise<T> {
    const text = await response.text();
    expect(response.status, text).toBe(200);
    return JSON.parse(text) as T;
  }

  async function serviceNowMs(): Promise<number> {
    const body = await readJson<{ now: string }>(await service.admin('/clock'));
    return Date.parse(body.now);
  }

  async function qualifiedNumber(phoneNumber: string): Promise<QualifiedNumberBody> {
    const path = `/qualifiedNumbers/${encodeURIComponent(phoneNumber)}`;
    const body = await readJson<QualifiedNumberBody>(await service.api(path));
    assertMatchesSpec('GET', `${SPEC_BASE}${path}`, 200, body);
    return body;
  }

  async function hostingOrder(hostingOrderId: string): Promise<HostingOrderBody> {
    const path = `/hostingOrders/${hostingOrderId}`;
    const body = await readJson<HostingOrderBody>(await service.api(path));
    assertMatchesSpec('GET', `${SPEC_BASE}${path}`, 200, body);
    return body;
  }

  function waitForOrderState(hostingOrderId: string, state: string, timeoutMs = 30_000): Promise<HostingOrderBody> {
    return waitUntil(() => hostingOrder(hostingOrderId), (order) => order.state === state, timeoutMs);
  }

  async function pendingEligibilityCount(): Promise<number> {
    const body = await readJson<{ totalSize: number }>(await service.api('/qualifiedNumbers?states=GLOBAL_PROCESS_STATE_ELIGIBLE_CHECK_PENDING&pageSize=1'));
    return body.totalSize;
  }

  /** Adds the numbers as qualified numbers and waits until their eligibility checks ran. */
  async function addEligibleNumbers(phoneNumbers: readonly string[]): Promise<void> {
    const response = await service.api('/qualifiedNumbers:addNumbers', { method: 'POST', body: JSON.stringify({ phoneNumbers }) });
    const body = await readJson<{ qualifiedNumbers: QualifiedNumberBody[] }>(response);
    expect(body.qualifiedNumbers).toHaveLength(phoneNumbers.length);
    await waitUntil(pendingEligibilityCount, (count) => count === 0);
  }

  async function approveOwnership(phoneNumbers: readonly string[]): Promise<void> {
    await inBatches(phoneNumbers, APPROVE_PARALLELISM, async (phoneNumber) => {
      const response = await service.admin(`/projects/${service.projectId}/qualifiedNumbers/${encodeURIComponent(phoneNumber)}:approveOwnership`, { method: 'POST' });
      const body = await readJson<QualifiedNumberBody>(response);
      expect(body.globalProcessState).toBe('GLOBAL_PROCESS_STATE_VERIFIED');
    });
  }

  async function verifiedNumbers(phoneNumbers: readonly string[]): Promise<readonly string[]> {
    await addEligibleNumbers(phoneNumbers);
    await approveOwnership(phoneNumbers);
    return phoneNumbers;
  }

  function standardBody(numbers: readonly string[], overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return { regionCode: 'US', numbers, servicePlanId: SERVICE_PLAN_ID, callbackUrl, directLoaInfo: DIRECT_LOA, ...overrides };
  }

  function postJson(path: string, body: unknown): Promise<Response> {
    return service.api(path, { method: 'POST', body: JSON.stringify(body) });
  }

  async function createOrder(numbers: readonly string[], overrides: Record<string, unknown> = {}): Promise<HostingOrderBody> {
    const path = '/hostingOrders:textEnableNumbers';
    const order = await readJson<HostingOrderBody>(await postJson(path, standardBody(numbers, overrides)));
    assertMatchesSpec('POST', `${SPEC_BASE}${path}`, 200, order);
    expect(order.state).toBe('SUBMITTED');
    return order;
  }

  async function outboxEmails(hostingOrderId?: string): Promise<EmailBody[]> {
    const query = hostingOrderId === undefined ? '' : `?hostingOrderId=${hostingOrderId}`;
    const body = await readJson<{ emails: EmailBody[] }>(await service.admin(`/projects/${service.projectId}/emails${query}`));
    return body.emails;
  }

  /** Reads the signing link from an order's LOA mail in the outbox and returns its path. */
  async function signingPath(hostingOrderId: string): Promise<string> {
    const emails = await outboxEmails(hostingOrderId);
    expect(emails).toHaveLength(1);
    const link = emails[0]?.links[0];
    expect(link).toMatch(/\/loa\/[A-Za-z0-9_-]+$/);
    return new URL(link as string).pathname;
  }

  /** Creates an order from fresh verified numbers and waits until its LOA waits for a signature. */
  async function waitingOrder(count: number, overrides: Record<string, unknown> = {}): Promise<{ order: HostingOrderBody; numbers: readonly string[]; path: string }> {
    const numbers = await verifiedNumbers(newLocalNumbers(count));
    const created = await createOrder(numbers, overrides);
    const order = await waitForOrderState(created.hostingOrderId, 'WAITING_FOR_LOA_SIGNATURE');
    return { order, numbers, path: await signingPath(order.hostingOrderId) };
  }

  async function getPage(path: string): Promise<SigningPage> {
    const response = await fetch(`${service.baseUrl}${path}`);
    return { status: response.status, page: await response.text() };
  }

  async function openForm(path: string): Promise<OpenedForm> {
    const response = await fetch(`${service.baseUrl}${path}`);
    const page = await response.text();
    const cookie = response.headers
      .getSetCookie()
      .map((header) => header.split(';')[0] as string)
      .find((pair) => pair.startsWith('loa_csrf='));
    const csrfToken = /name="csrfToken" value="([^"]+)"/.exec(page)?.[1];
    expect(response.status, page).toBe(200);
    expect(cookie).toBeDefined();
    expect(csrfToken).toBeDefined();
    return { status: response.status, page, cookie: cookie as string, csrfToken: csrfToken as string };
  }

  async function postForm(path: string, fields: Record<string, string>, cookie: string | undefined): Promise<SigningPage> {
    const response = await fetch(`${service.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie === undefined ? {} : { cookie }) },
      body: new URLSearchParams(fields).toString(),
    });
    return { status: response.status, page: await response.text() };
  }

  function signFields(form: OpenedForm, overrides: Record<string, string> = {}): Record<string, string> {
    return { csrfToken: form.csrfToken, fullName: 'Dana Reyes', consent: 'yes', action: 'sign', ...overrides };
  }

  async function loaDecision(hostingOrderId: string): Promise<Response> {
    return service.admin(`/projects/${service.projectId}/hostingOrders/${hostingOrderId}/loaDecision`);
  }

  async function listAll(path: string, key: string): Promise<unknown[]> {
    const body = await readJson<Record<string, unknown>>(await service.api(path));
    expect(body.nextPageToken).toBe('');
    return body[key] as unknown[];
  }

  async function takeSnapshot(): Promise<ProjectSnapshot> {
    return {
      hostingOrders: await listAll(`/hostingOrders?${ANY_ORDER_QUERY}`, 'hostingOrders'),
      qualifiedNumbers: await listAll('/qualifiedNumbers?states=GLOBAL_PROCESS_STATE_UNSPECIFIED&pageSize=1000', 'qualifiedNumbers'),
      emails: await outboxEmails(),
      importedNumbers: await listAll('/importedNumbers?pageSize=1000', 'importedNumbers'),
    };
  }

  beforeAll(async () => {
    service = await startTestService(await newDatabaseUrl(dialect), SERVICE_ENV);
    callbackUrl = await receiver.start();
  });

  afterAll(async () => {
    await service?.close();
    await receiver.stop();
  });

  describe('failed text-enable requests', () => {
    let verified: readonly string[];
    let eligible: readonly string[];
    let tollFree: readonly string[];
    let unknownNumber: string;
    let importedNumber: string;

    interface ErrorCase {
      name: string;
      paths: readonly string[];
      body: () => Record<string, unknown>;
      httpStatus: number;
      status: string;
      /** Fields the error must name, in order. Omitted for errors without field violations. */
      fields?: string[];
      /** Text the error must contain somewhere in its message or violations. */
      text?: RegExp;
    }

    function tollFreeBody(numbers: readonly string[], overrides: Record<string, unknown> = {}): Record<string, unknown> {
      return { regionCode: 'US', numbers, servicePlanId: SERVICE_PLAN_ID, directLoaInfo: DIRECT_LOA, ...overrides };
    }

    function withLoa(loa: Record<string, unknown>): () => Record<string, unknown> {
      return () => standardBody([verified[0] as string], { directLoaInfo: loa });
    }

    function isoIn(offsetMs: number): string {
      return new Date(Date.now() + offsetMs).toISOString();
    }

    const cases: ErrorCase[] = [
      {
        name: 'unverified (ELIGIBLE) number',
        paths: STANDARD_PATHS,
        body: () => standardBody([eligible[0] as string]),
        httpStatus: 400,
        status: 'FAILED_PRECONDITION',
        fields: ['numbers[0]'],
        text: /is ELIGIBLE; only VERIFIED numbers/,
      },
      {
        name: 'two of three numbers unverified',
        paths: STANDARD_PATHS,
        body: () => standardBody([eligible[0] as string, verified[0] as string, eligible[1] as string]),
        httpStatus: 400,
        status: 'FAILED_PRECONDITION',
        fields: ['numbers[0]', 'numbers[2]'],
        text: /ELIGIBLE/,
      },
      {
        name: 'unknown number',
        paths: STANDARD_PATHS,
        body: () => standardBody([unknownNumber]),
        httpStatus: 400,
        status: 'FAILED_PRECONDITION',
        fields: ['numbers[0]'],
        text: /not a qualified number/,
      },
      {
        name: 'toll-free number on the standard operation',
        paths: STANDARD_PATHS,
        body: () => standardBody([verified[0] as string, tollFree[0] as string]),
        httpStatus: 400,
        status: 'INVALID_ARGUMENT',
        fields: ['numbers[1]'],
        text: /textEnableTollFreeNumbers/,
      },
      {
        name: 'local number on the toll-free operation',
        paths: TOLL_FREE_PATHS,
        body: () => tollFreeBody([verified[0] as string]),
        httpStatus: 400,
        status: 'INVALID_ARGUMENT',
        fields: ['numbers[0]'],
        text: /not a toll-free number/,
      },
      {
        name: 'no LOA object',
        paths: STANDARD_PATHS,
        body: () => standardBody([verified[0] as string], { directLoaInfo: undefined }),
        httpStatus: 400,
        status: 'INVALID_ARGUMENT',
        text: /exactly one of directLoaInfo, resellerLoaInfo, blanketLoaInfo/,
      },
      {
        name: 'two LOA objects',
        paths: STANDARD_PATHS,
        body: () => standardBody([verified[0] as string], { resellerLoaInfo: RESELLER_LOA }),
        httpStatus: 400,
        status: 'INVALID_ARGUMENT',
        fields: ['resellerLoaInfo'],
        text: /directLoaInfo and resellerLoaInfo are both given/,
      },
      {
        name: 'LOA without authorisedPerson.email',
        paths: STANDARD_PATHS,
        body: withLoa({ ...DIRECT_LOA, authorisedPerson: { firstName: 'Dana', lastName: 'Reyes' } }),
        httpStatus: 400,
        status: 'INVALID_ARGUMENT',
        fields: ['directLoaInfo.authorisedPerson.email'],
      },
      {
        name: 'LOA with a bad email',
        paths: STANDARD_PATHS,
        body: withLoa({ ...DIRECT_LOA, authorisedPerson: { ...DIRECT_LOA.authorisedPerson, email: 'dana at example' } }),
        httpStatus: 400,
        status: 'INVALID_ARGUMENT',
        fields: ['directLoaInfo.authorisedPerson.email'],
        text: /not an e-mail address/,
      },
      {
        name: 'LOA with an empty street',
        paths: STANDARD_PATHS,
        body: withLoa({ ...DIRECT_LOA, address: { ...DIRECT_LOA.address, street: '  ' } }),
        httpStatus: 400,
        status: 'INVALID_ARGUMENT',
        fields: ['directLoaInfo.address.street'],
      },
      {
        name: 'LOA with a newline in a name',
        paths: STANDARD_PATHS,
        body: withLoa({ ...DIRECT_LOA, authorisedPerson: { ...DIRECT_LOA.authorisedPerson, firstName: 'Dana\nEvil' } }),
        httpStatus: 400,
        status: 'INVALID_ARGUMENT',
        fields: ['directLoaInfo.authorisedPerson.firstName'],
        text: /line break/,
      },
      {
        name: 'blanket LOA on the toll-free operation',
        paths: TOLL_FREE_PATHS,
        body: () => tollFreeBody([tollFree[0] as string], { directLoaInfo: undefined, blanketLoaInfo: {} }),
        httpStatus: 400,
        status: 'INVALID_ARGUMENT',
        text: /blanketLoaInfo/,
      },
      {
        name: '501 numbers',
        paths: STANDARD_PATHS,
        body: () => standardBody(Array.from({ length: 501 }, (_, index) => `+1303401${String(index).padStart(4, '0')}`)),
        httpStatus: 400,
        status: 'INVALID_ARGUMENT',
        fields: ['numbers'],
        text: /at most 500/,
      },
      {
        name: 'scheduledOsrUpdateTime in the past',
        paths: STANDARD_PATHS,
        body: () => standardBody([verified[0] as string], { scheduledOsrUpdateTime: isoIn(-60 * 60 * 1000) }),
        httpStatus: 400,
        status: 'INVALID_ARGUMENT',
        fields: ['scheduledOsrUpdateTime'],
        text: /in the past/,
      },
      {
        name: 'scheduledOsrUpdateTime malformed',
        paths: STANDARD_PATHS,
        body: () => standardBody([verified[0] as string], { scheduledOsrUpdateTime: 'next Tuesday' }),
        httpStatus: 400,
        status: 'INVALID_ARGUMENT',
        fields: ['scheduledOsrUpdateTime'],
        text: /RFC 3339|date-time/,
      },
      {
        name: 'scheduledOsrUpdateTime two years ahead',
        paths: STANDARD_PATHS,
        body: () => standardBody([verified[0] as string], { scheduledOsrUpdateTime: isoIn(730 * DAY_MS) }),
        httpStatus: 400,
        status: 'INVALID_ARGUMENT',
        fields: ['scheduledOsrUpdateTime'],
        text: /366 days/,
      },
      {
        name: 'scheduledZipwhipProvisioningTime in the past',
        paths: TOLL_FREE_PATHS,
        body: () => tollFreeBody([tollFree[0] as string], { scheduledZipwhipProvisioningTime: isoIn(-60 * 60 * 1000) }),
        httpStatus: 400,
        status: 'INVALID_ARGUMENT',
        fields: ['scheduledZipwhipProvisioningTime'],
        text: /in the past/,
      },
      {
        name: 'nnid "abc"',
        paths: STANDARD_PATHS,
        body: () => standardBody([verified[0] as string], { nnid: 'abc' }),
        httpStatus: 400,
        status: 'INVALID_ARGUMENT',
        fields: ['nnid'],
      },
      {
        name: 'number already imported in the project',
        paths: STANDARD_PATHS,
        body: () => standardBody([verified[0] as string, importedNumber]),
        httpStatus: 409,
        status: 'ALREADY_EXISTS',
        text: /Already imported/,
      },
      {
        name: 'unknown body field',
        paths: STANDARD_PATHS,
        body: () => standardBody([verified[0] as string], { colour: 'blue' }),
        httpStatus: 400,
        status: 'INVALID_ARGUMENT',
        fields: ['colour'],
      },
      {
        name: 'servicePlanId missing',
        paths: STANDARD_PATHS,
        body: () => standardBody([verified[0] as string], { servicePlanId: undefined }),
        httpStatus: 400,
        status: 'INVALID_ARGUMENT',
        fields: ['servicePlanId'],
      },
    ];

    const table = cases.flatMap((errorCase) => errorCase.paths.map((path) => ({ ...errorCase, path })));

    beforeAll(async () => {
      verified = await verifiedNumbers(newLocalNumbers(2));
      eligible = newLocalNumbers(2);
      await addEligibleNumbers(eligible);
      tollFree = await verifiedNumbers(newTollFreeNumbers(1));
      unknownNumber = newLocalNumbers(1)[0] as string;

      // The number is verified before it is imported, because an imported number never becomes eligible.
      importedNumber = (await verifiedNumbers(newLocalNumbers(1)))[0] as string;
      const imported = await service.api('/importedNumbers', {
        method: 'POST',
        body: JSON.stringify({ phoneNumber: importedNumber, regionCode: 'US', smsConfiguration: { servicePlanId: SERVICE_PLAN_ID } }),
      });
      expect(imported.status, await imported.text()).toBe(200);
      await waitUntil(
        async () => readJson<{ smsProvisioning: { state: string } }>(await service.api(`/importedNumbers/${encodeURIComponent(importedNumber)}`)),
        (number) => number.smsProvisioning.state === 'DONE',
      );
    });

    it('setup left every number as intended', async () => {
      expect((await qualifiedNumber(verified[0] as string)).globalProcessState).toBe('GLOBAL_PROCESS_STATE_VERIFIED');
      expect((await qualifiedNumber(eligible[0] as string)).globalProcessState).toBe('GLOBAL_PROCESS_STATE_ELIGIBLE');
      expect((await qualifiedNumber(tollFree[0] as string)).globalProcessState).toBe('GLOBAL_PROCESS_STATE_VERIFIED');
      expect((await qualifiedNumber(importedNumber)).globalProcessState).toBe('GLOBAL_PROCESS_STATE_VERIFIED');
    });

    it.each(table)('$name on $path changes nothing', async ({ path, body, httpStatus, status, fields, text }) => {
      const before = await takeSnapshot();

      const response = await postJson(path, body());
      const error: FlatErrorBody = await expectFlatError(response, httpStatus, status);
      const after = await takeSnapshot();

      if (path.startsWith('/hostingOrders')) {
        assertMatchesSpec('POST', `${SPEC_BASE}${path}`, httpStatus, error);
      }
      if (fields !== undefined) {
        expect(violatedFields(error)).toEqual(fields);
      }
      if (text !== undefined) {
        expect(JSON.stringify(error)).toMatch(text);
      }
      expect(after).toEqual(before);
    });

    it('lists each unverified number with its state', async () => {
      const numbers = [eligible[0] as string, verified[0] as string, eligible[1] as string];
      const error = await expectFlatError(await postJson('/hostingOrders:textEnableNumbers', standardBody(numbers)), 400, 'FAILED_PRECONDITION');
      const violations = error.details?.[0]?.fieldViolations ?? [];

      expect(violations).toHaveLength(2);
      expect(violations[0]?.description).toContain(`${eligible[0]} is ELIGIBLE`);
      expect(violations[1]?.description).toContain(`${eligible[1]} is ELIGIBLE`);
      expect(JSON.stringify(violations)).not.toContain(verified[0] as string);
      expect(error.message).toMatch(/^2 of 3 numbers/);
      expect((await qualifiedNumber(verified[0] as string)).globalProcessState).toBe('GLOBAL_PROCESS_STATE_VERIFIED');
    });

    it('names the toll-free number by index', async () => {
      const error = await expectFlatError(await postJson('/hostingOrders:textEnableNumbers', standardBody([tollFree[0] as string])), 400, 'INVALID_ARGUMENT');

      expect(violatedFields(error)).toEqual(['numbers[0]']);
      expect(error.details?.[0]?.fieldViolations[0]?.description).toContain(tollFree[0] as string);
    });
  });

  describe('declined LOA', () => {
    let order: HostingOrderBody;
    let numbers: readonly string[];
    let path: string;
    let declined: SigningPage;
    const reason = 'These numbers belong to our Denver branch';

    beforeAll(async () => {
      ({ order, numbers, path } = await waitingOrder(2));
      const form = await openForm(path);
      declined = await postForm(path, { csrfToken: form.csrfToken, action: 'decline', declineReason: reason }, form.cookie);
    });

    it('shows the declined page', () => {
      expect(declined.status).toBe(200);
      expect(declined.page).toContain('Letter of Authorization declined');
      expect(hasForm(declined.page)).toBe(false);
    });

    it('rejects the order', async () => {
      expect((await hostingOrder(order.hostingOrderId)).state).toBe('REJECTED');
    });

    it('fails every qualified number with status 2', async () => {
      for (const phoneNumber of numbers) {
        const number = await qualifiedNumber(phoneNumber);

        expect(number.globalProcessState).toBe('GLOBAL_PROCESS_STATE_HOSTING_FAILED');
        expect(number.hostedNumber.status).toBe(2);
        expect(number.hostedNumber.error).toContain(reason);
      }
    });

    it('sends HOSTING_PROCESS FAILED for each number', async () => {
      const hostingFailures = () =>
        receiver.payloads().filter((payload) => payload.eventType === 'HOSTING_PROCESS' && numbers.includes(payload.resourceId as string));
      await receiver.waitFor(() => hostingFailures().length >= numbers.length);

      const failures = hostingFailures();
      expect(failures.map((payload) => payload.resourceId).sort()).toEqual([...numbers].sort());
      for (const payload of failures) {
        expect(payload.resourceType).toBe('HOSTING_ORDER_NUMBER');
        expect(payload.status).toBe('FAILED');
        expect(payload).not.toHaveProperty('failureCode');
      }
    });

    it('records a DECLINED decision with the reason', async () => {
      const decision = await readJson<LoaDecisionBody>(await loaDecision(order.hostingOrderId));

      expect(decision.outcome).toBe('DECLINED');
      expect(decision.reason).toBe(reason);
    });

    it('shows no form when the link is opened again', async () => {
      const again = await getPage(path);

      expect(again.status).toBe(410);
      expect(hasForm(again.page)).toBe(false);
      expect(again.page).toContain('declined');
    });

    it('signs nothing when the old form is posted', async () => {
      const form = { csrfToken: 'x'.repeat(43) };
      const response = await postForm(path, { ...form, fullName: 'Dana Reyes', consent: 'yes', action: 'sign' }, `loa_csrf=${form.csrfToken}`);

      expect(response.status).toBe(410);
      expect(hasForm(response.page)).toBe(false);
      expect((await readJson<LoaDecisionBody>(await loaDecision(order.hostingOrderId))).outcome).toBe('DECLINED');
    });
  });

  describe('reused signing link', () => {
    let order: HostingOrderBody;
    let path: string;
    let form: OpenedForm;
    let firstSign: SigningPage;

    beforeAll(async () => {
      // A scheduled OSR update a day ahead keeps the signed order IN_PROGRESS and unchanged.
      const scheduledOsrUpdateTime = new Date((await serviceNowMs()) + DAY_MS).toISOString();
      ({ order, path } = await waitingOrder(1, { scheduledOsrUpdateTime }));
      form = await openForm(path);
      firstSign = await postForm(path, signFields(form), form.cookie);
    });

    it('signs once', async () => {
      expect(firstSign.status).toBe(200);
      expect(firstSign.page).toContain('Letter of Authorization signed');
      expect((await hostingOrder(order.hostingOrderId)).state).toBe('IN_PROGRESS');
    });

    it('does not sign a second time', async () => {
      const orderBefore = await hostingOrder(order.hostingOrderId);
      const decisionBefore = await readJson<LoaDecisionBody>(await loaDecision(order.hostingOrderId));

      const second = await postForm(path, signFields(form, { fullName: 'Someone Else' }), form.cookie);
      const orderAfter = await hostingOrder(order.hostingOrderId);
      const decisionAfter = await readJson<LoaDecisionBody>(await loaDecision(order.hostingOrderId));

      expect(second.page).not.toContain('Letter of Authorization signed</h1>');
      expect(second.page).toContain('already signed');
      expect(hasForm(second.page)).toBe(false);
      expect(decisionAfter).toEqual(decisionBefore);
      expect(decisionAfter.signerName).toBe('Dana Reyes');
      expect(orderAfter).toEqual(orderBefore);
    });

    it('shows "already signed" without a form', async () => {
      const again = await getPage(path);

      expect(again.status).toBe(200);
      expect(again.page).toContain('already signed');
      expect(hasForm(again.page)).toBe(false);
    });
  });

  describe('unknown tokens', () => {
    it.each([
      ['unknown token', `/loa/${randomBytes(32).toString('base64url')}`],
      ['malformed token', '/loa/not%20a%20token!'],
      ['short token', '/loa/abc'],
    ])('%s is a 404 page', async (_name, path) => {
      const response = await getPage(path);

      expect(response.status).toBe(404);
      expect(response.page).toContain('Signing link not valid');
      expect(hasForm(response.page)).toBe(false);
    });

    it('the PDF of an unknown token is 404', async () => {
      const response = await fetch(`${service.baseUrl}/loa/${randomBytes(32).toString('base64url')}/document.pdf`);

      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).not.toMatch(/pdf/);
    });

    it('a POST to an unknown token signs nothing', async () => {
      const token = 'y'.repeat(43);
      const response = await postForm(`/loa/${randomBytes(32).toString('base64url')}`, { csrfToken: token, fullName: 'Dana Reyes', consent: 'yes', action: 'sign' }, `loa_csrf=${token}`);

      expect(response.status).toBe(404);
      expect(hasForm(response.page)).toBe(false);
    });
  });

  describe('CSRF and sign validation', () => {
    let order: HostingOrderBody;
    let path: string;
    let form: OpenedForm;

    beforeAll(async () => {
      ({ order, path } = await waitingOrder(1));
      form = await openForm(path);
    });

    async function expectNothingChanged(before: ProjectSnapshot): Promise<void> {
      expect(await takeSnapshot()).toEqual(before);
      expect((await hostingOrder(order.hostingOrderId)).state).toBe('WAITING_FOR_LOA_SIGNATURE');
      expect((await loaDecision(order.hostingOrderId)).status).toBe(404);
    }

    it.each([
      ['sign without the cookie', { action: 'sign' }, undefined],
      ['decline without the cookie', { action: 'decline' }, undefined],
      ['sign with a different cookie', { action: 'sign' }, `loa_csrf=${randomBytes(32).toString('base64url')}`],
      ['decline with a different cookie', { action: 'decline' }, `loa_csrf=${randomBytes(32).toString('base64url')}`],
    ])('%s is 403', async (_name, fields, cookie) => {
      const before = await takeSnapshot();

      const response = await postForm(path, signFields(form, fields), cookie);

      expect(response.status).toBe(403);
      expect(hasForm(response.page)).toBe(false);
      await expectNothingChanged(before);
    });

    it('an empty form token is 403', async () => {
      const before = await takeSnapshot();

      const response = await postForm(path, signFields(form, { csrfToken: '' }), form.cookie);

      expect(response.status).toBe(403);
      await expectNothingChanged(before);
    });

    it.each([
      ['no fullName', 'fullName', undefined, /Type your full name/],
      ['a blank fullName', 'fullName', '   ', /Type your full name/],
      ['no consent', 'consent', undefined, /Tick the box/],
      ['a 300-character name', 'fullName', 'N'.repeat(300), /at most 200 characters/],
    ])('sign with %s is 400 with the form', async (_name, field, value, message) => {
      const before = await takeSnapshot();
      const fields = signFields(form);
      if (value === undefined) {
        delete fields[field];
      } else {
        fields[field] = value;
      }

      const response = await postForm(path, fields, form.cookie);

      expect(response.status).toBe(400);
      expect(hasForm(response.page)).toBe(true);
      expect(response.page).toContain('role="alert"');
      expect(response.page).toMatch(message);
      await expectNothingChanged(before);
    });

    it('the link still signs afterwards', async () => {
      const fresh = await openForm(path);
      const signed = await postForm(path, signFields(fresh), fresh.cookie);

      expect(signed.status).toBe(200);
      expect(signed.page).toContain('Letter of Authorization signed');
      await waitForOrderState(order.hostingOrderId, 'COMPLETED');
    });
  });

  describe('operator reject', () => {
    function reject(hostingOrderId: string, body: unknown): Promise<Response> {
      return service.admin(`/projects/${service.projectId}/hostingOrders/${hostingOrderId}:reject`, { method: 'POST', body: JSON.stringify(body) });
    }

    it('rejects a WAITING_FOR_LOA_SIGNATURE order', async () => {
      const { order, numbers, path } = await waitingOrder(2);

      const rejected = await readJson<HostingOrderBody>(await reject(order.hostingOrderId, { reason: 'Invoices do not match the numbers' }));

      expect(rejected.state).toBe('REJECTED');
      expect((await hostingOrder(order.hostingOrderId)).state).toBe('REJECTED');
      for (const phoneNumber of numbers) {
        const number = await qualifiedNumber(phoneNumber);
        expect(number.globalProcessState).toBe('GLOBAL_PROCESS_STATE_HOSTING_FAILED');
        expect(number.hostedNumber.status).toBe(2);
        expect(number.hostedNumber.error).toContain('Invoices do not match the numbers');
      }
      const page = await getPage(path);
      expect(page.status).toBe(410);
      expect(hasForm(page.page)).toBe(false);
    });

    it('requires a reason', async () => {
      const { order } = await waitingOrder(1);

      const error = await expectFlatError(await reject(order.hostingOrderId, {}), 400, 'INVALID_ARGUMENT');

      expect(violatedFields(error)).toEqual(['reason']);
      expect((await hostingOrder(order.hostingOrderId)).state).toBe('WAITING_FOR_LOA_SIGNATURE');
    });

    it('fails on a COMPLETED order', async () => {
      const { order, numbers, path } = await waitingOrder(1);
      const form = await openForm(path);
      expect((await postForm(path, signFields(form), form.cookie)).status).toBe(200);
      await waitForOrderState(order.hostingOrderId, 'COMPLETED');

      const error = await expectFlatError(await reject(order.hostingOrderId, { reason: 'Too late' }), 400, 'FAILED_PRECONDITION');

      expect(error.message).toContain('COMPLETED');
      expect((await hostingOrder(order.hostingOrderId)).state).toBe('COMPLETED');
      expect((await qualifiedNumber(numbers[0] as string)).globalProcessState).toBe('GLOBAL_PROCESS_STATE_HOSTING_DONE');
    });

    it('fails on an IMPORT order', async () => {
      const importBody = { regionCode: 'US', numbers: newLocalNumbers(1), servicePlanId: SERVICE_PLAN_ID };
      const created = await readJson<HostingOrderBody>(await postJson('/hostingOrders:importNumbers', importBody));
      expect(created.type).toBe('IMPORT');

      const error = await expectFlatError(await reject(created.hostingOrderId, { reason: 'Not mine' }), 400, 'FAILED_PRECONDITION');

      expect(error.message).toContain('IMPORT');
      expect((await hostingOrder(created.hostingOrderId)).state).not.toBe('REJECTED');
    });
  });

  describe('deleting a qualified number of an order', () => {
    it('fails while waiting, works after completion', async () => {
      const { order, numbers, path } = await waitingOrder(2);
      const phoneNumber = numbers[0] as string;
      const numberPath = `/qualifiedNumbers/${encodeURIComponent(phoneNumber)}`;

      const rejected = await expectFlatError(await service.api(numberPath, { method: 'DELETE' }), 400, 'FAILED_PRECONDITION');
      expect(rejected.message).toContain(order.hostingOrderId);
      expect((await qualifiedNumber(phoneNumber)).globalProcessState).toBe('GLOBAL_PROCESS_STATE_HOSTING_IN_PROGRESS');

      const form = await openForm(path);
      expect((await postForm(path, signFields(form), form.cookie)).status).toBe(200);
      await waitForOrderState(order.hostingOrderId, 'COMPLETED');
      const deleted = await service.api(numberPath, { method: 'DELETE' });

      expect(deleted.status, await deleted.clone().text()).toBe(200);
      expect(await deleted.json()).toEqual({});
      expect((await service.api(numberPath)).status).toBe(404);
      expect((await service.api(`/importedNumbers/${encodeURIComponent(phoneNumber)}`)).status).toBe(200);
      expect((await qualifiedNumber(numbers[1] as string)).globalProcessState).toBe('GLOBAL_PROCESS_STATE_HOSTING_DONE');
    });
  });

  describe('500-number order', () => {
    const numbers = Array.from({ length: LARGE_ORDER_SIZE }, (_, index) => `+1202300${String(index).padStart(4, '0')}`);
    let order: HostingOrderBody;
    let signed: SigningPage;
    let signingPage: string;

    beforeAll(async () => {
      await verifiedNumbers(numbers);
      order = await createOrder(numbers);
      await waitForOrderState(order.hostingOrderId, 'WAITING_FOR_LOA_SIGNATURE', 60_000);
      const path = await signingPath(order.hostingOrderId);
      const form = await openForm(path);
      signingPage = form.page;
      signed = await postForm(path, signFields(form), form.cookie);
    }, LARGE_ORDER_TIMEOUT_MS);

    it('lists every number on the signing page', () => {
      for (const phoneNumber of numbers) {
        expect(signingPage).toContain(phoneNumber);
      }
    });

    it('signs the whole order', () => {
      expect(signed.status).toBe(200);
      expect(signed.page).toContain('Letter of Authorization signed');
    });

    it('prints every number in the original PDF over several pages', async () => {
      const response = await service.admin(`/projects/${service.projectId}/hostingOrders/${order.hostingOrderId}/loa`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/pdf/);

      const pages = await pdfPageTexts(new Uint8Array(await response.arrayBuffer()));
      const text = pages.join('\n');

      expect(pages.length).toBeGreaterThan(1);
      const missing = numbers.filter((phoneNumber) => !text.includes(phoneNumber));
      expect(missing).toEqual([]);
    });

    it(
      'completes with every number updated and provisioned',
      async () => {
        await waitForOrderState(order.hostingOrderId, 'COMPLETED', LARGE_ORDER_TIMEOUT_MS - 10_000);
        const reportPath = `/hostingOrders/${order.hostingOrderId}/report`;
        const report = await readJson<Record<string, number>>(await service.api(reportPath));

        assertMatchesSpec('GET', `${SPEC_BASE}${reportPath}`, 200, report);
        expect(report.total).toBe(LARGE_ORDER_SIZE);
        expect(report.osrUpdated).toBe(LARGE_ORDER_SIZE);
        expect(report.smsProvisioned).toBe(LARGE_ORDER_SIZE);
        expect(report.addedToCampaign).toBe(0);
      },
      LARGE_ORDER_TIMEOUT_MS,
    );
  });
});

describe.each(DIALECTS)('expired signing link on %s', (dialect) => {
  let service: TestService;
  let hostingOrderId: string;
  let path: string;
  let form: { cookie: string; csrfToken: string };

  async function orderState(): Promise<string> {
    const response = await service.api(`/hostingOrders/${hostingOrderId}`);
    return ((await response.json()) as HostingOrderBody).state;
  }

  beforeAll(async () => {
    service = await startTestService(await newDatabaseUrl(dialect), { ...SERVICE_ENV, NUMBERHOST_LOA_LINK_TTL_DAYS: '1' });
    const phoneNumber = '+13034009999';
    await service.api('/qualifiedNumbers:addNumbers', { method: 'POST', body: JSON.stringify({ phoneNumbers: [phoneNumber] }) });
    await waitUntil(
      async () => ((await (await service.api(`/qualifiedNumbers/${encodeURIComponent(phoneNumber)}`)).json()) as QualifiedNumberBody).globalProcessState,
      (state) => state === 'GLOBAL_PROCESS_STATE_ELIGIBLE',
    );
    const approved = await service.admin(`/projects/${service.projectId}/qualifiedNumbers/${encodeURIComponent(phoneNumber)}:approveOwnership`, { method: 'POST' });
    expect(approved.status).toBe(200);
    const created = await service.api('/hostingOrders:textEnableNumbers', {
      method: 'POST',
      body: JSON.stringify({ regionCode: 'US', numbers: [phoneNumber], servicePlanId: SERVICE_PLAN_ID, directLoaInfo: DIRECT_LOA }),
    });
    hostingOrderId = ((await created.json()) as HostingOrderBody).hostingOrderId;
    await waitUntil(orderState, (state) => state === 'WAITING_FOR_LOA_SIGNATURE');
    const emails = (await (await service.admin(`/projects/${service.projectId}/emails?hostingOrderId=${hostingOrderId}`)).json()) as { emails: EmailBody[] };
    path = new URL(emails.emails[0]?.links[0] as string).pathname;

    const opened = await fetch(`${service.baseUrl}${path}`);
    const page = await opened.text();
    form = {
      cookie: (opened.headers.getSetCookie()[0] as string).split(';')[0] as string,
      csrfToken: /name="csrfToken" value="([^"]+)"/.exec(page)?.[1] as string,
    };
    const advanced = await service.admin('/clock:advance', { method: 'POST', body: JSON.stringify({ seconds: 86_401 }) });
    expect(advanced.status).toBe(200);
  });

  afterAll(async () => {
    await service?.close();
  });

  it('the service clock reads the advanced time', async () => {
    const clock = (await (await service.admin('/clock')).json()) as { offsetMs: number };

    expect(clock.offsetMs).toBe(86_401_000);
  });

  it('GET is a 410 page without a form', async () => {
    const response = await fetch(`${service.baseUrl}${path}`);
    const page = await response.text();

    expect(response.status).toBe(410);
    expect(page).toContain('Signing link expired');
    expect(hasForm(page)).toBe(false);
  });

  it('POST sign changes nothing', async () => {
    const response = await fetch(`${service.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: form.cookie },
      body: new URLSearchParams({ csrfToken: form.csrfToken, fullName: 'Dana Reyes', consent: 'yes', action: 'sign' }).toString(),
    });
    const page = await response.text();

    expect(response.status).toBe(410);
    expect(hasForm(page)).toBe(false);
    expect(await orderState()).toBe('WAITING_FOR_LOA_SIGNATURE');
    expect((await service.admin(`/projects/${service.projectId}/hostingOrders/${hostingOrderId}/loaDecision`)).status).toBe(404);
  });

  it('the PDF is no longer served', async () => {
    const response = await fetch(`${service.baseUrl}${path}/document.pdf`);

    expect(response.status).toBe(404);
  });
});
