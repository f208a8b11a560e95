/**
 * Hostile use of qualification, verification and the signing pages: each case is a
 * way around a rule that an adversarial review found, and shows that the rule holds.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { createLogger } from '../src/service.js';
import { newSqliteUrl } from './helpers/databases.js';
import type { TestService } from './helpers/service.js';
import { startTestService, waitUntil } from './helpers/service.js';

const DIRECT_LOA = {
  authorisedPerson: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' },
  address: { buildingNumber: '12', street: 'Main Street', city: 'Springfield', state: 'IL', postalCode: '62701', country: 'US' },
  currentVoiceCarrier: 'Old Telco',
};

interface QualifiedNumberBody {
  globalProcessState: string;
}

/** Numbers on exchange 734, which has no sandbox magic line. */
let nextLine = 1000;
function freshNumber(): string {
  nextLine += 1;
  return `+1212734${String(nextLine).padStart(4, '0')}`;
}

function q(phoneNumber: string): string {
  return `/qualifiedNumbers/${encodeURIComponent(phoneNumber)}`;
}

async function stateOf(service: TestService, phoneNumber: string, api = service.api): Promise<string> {
  return ((await (await api(q(phoneNumber))).json()) as QualifiedNumberBody).globalProcessState;
}

async function addEligible(service: TestService, phoneNumber: string, api = service.api): Promise<void> {
  const added = await api('/qualifiedNumbers:addNumbers', { method: 'POST', body: JSON.stringify({ phoneNumbers: [phoneNumber] }) });
  expect(added.status, await added.clone().text()).toBe(200);
  await waitUntil(
    () => stateOf(service, phoneNumber, api),
    (state) => state !== 'GLOBAL_PROCESS_STATE_ELIGIBLE_CHECK_PENDING',
  );
}

async function blockByWrongCodes(service: TestService, phoneNumber: string): Promise<void> {
  expect((await service.api(`${q(phoneNumber)}:sendVoiceChallenge`, { method: 'POST' })).status).toBe(200);
  for (const code of ['000001', '000002', '000003']) {
    await service.api(`${q(phoneNumber)}:verifyVoiceChallenge`, { method: 'POST', body: JSON.stringify({ code }) });
  }
  expect(await stateOf(service, phoneNumber)).toBe('GLOBAL_PROCESS_STATE_VERIFICATION_BLOCKED');
}

async function approve(service: TestService, phoneNumber: string, projectId = service.projectId): Promise<void> {
  const response = await service.admin(`/projects/${projectId}${q(phoneNumber)}:approveOwnership`, { method: 'POST' });
  expect(response.status, await response.clone().text()).toBe(200);
}

async function textEnable(service: TestService, numbers: string[], api = service.api, loa: unknown = DIRECT_LOA): Promise<Response> {
  return api('/qualifiedNumbers:textEnableNumbers', {
    method: 'POST',
    body: JSON.stringify({ regionCode: 'US', numbers, servicePlanId: 'plan-adv', directLoaInfo: loa }),
  });
}

async function orderState(service: TestService, hostingOrderId: string, api = service.api): Promise<string> {
  return ((await (await api(`/hostingOrders/${hostingOrderId}`)).json()) as { state: string }).state;
}

/** Paths (`/loa/{token}`) of the order's mails, newest first. */
async function linkPaths(service: TestService, hostingOrderId: string, projectId = service.projectId): Promise<string[]> {
  const response = await service.admin(`/projects/${projectId}/emails?hostingOrderId=${hostingOrderId}`);
  const { emails } = (await response.json()) as { emails: Array<{ links: string[] }> };
  return emails.map((email) => new URL(email.links[0] as string).pathname);
}

/** A verified number in a new order that waits for its signature. */
async function waitingOrder(service: TestService): Promise<{ hostingOrderId: string; path: string; phoneNumber: string }> {
  const phoneNumber = freshNumber();
  await addEligible(service, phoneNumber);
  await approve(service, phoneNumber);
  const created = await textEnable(service, [phoneNumber]);
  expect(created.status, await created.clone().text()).toBe(200);
  const { hostingOrderId } = (await created.json()) as { hostingOrderId: string };
  const [path] = await waitUntil(
    () => linkPaths(service, hostingOrderId),
    (paths) => paths.length === 1,
  );
  return { hostingOrderId, path: path as string, phoneNumber };
}

async function openForm(service: TestService, path: string): Promise<{ cookie: string; csrfToken: string }> {
  const page = await fetch(`${service.baseUrl}${path}`);
  expect(page.status).toBe(200);
  const csrfToken = /name="csrfToken" value="([^"]+)"/.exec(await page.text())?.[1] as string;
  const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  return { cookie, csrfToken };
}

async function postForm(service: TestService, path: string, form: { cookie: string; csrfToken: string }, fields: Record<string, string>): Promise<Response> {
  return fetch(`${service.baseUrl}${path}`, {
    method: 'POST',
    headers: { cookie: form.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrfToken: form.csrfToken, ...fields }).toString(),
  });
}

describe('hostile use of qualification', () => {
  let service: TestService;
  const logLines: string[] = [];

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        logLines.push(...chunk.toString('utf8').split('\n').filter((line) => line !== ''));
        callback();
      },
    });
    const logger = createLogger(loadConfig({ LOG_LEVEL: 'info', NODE_ENV: 'production' }), sink);
    service = await startTestService(newSqliteUrl(), { NUMBERHOST_ELIGIBILITY_DELAY_MS: '0' }, { logger });
  });

  afterAll(async () => {
    await service?.close();
  });

  it('keeps a number blocked after it is deleted and added again', async () => {
    const phoneNumber = freshNumber();
    await addEligible(service, phoneNumber);
    await blockByWrongCodes(service, phoneNumber);
    expect((await service.api(q(phoneNumber), { method: 'DELETE' })).status).toBe(200);
    await addEligible(service, phoneNumber);
    const call = await service.api(`${q(phoneNumber)}:sendVoiceChallenge`, { method: 'POST' });
    expect(call.status).not.toBe(200);
  });

  it('keeps the call spacing after a number is deleted and added again', async () => {
    const phoneNumber = freshNumber();
    await addEligible(service, phoneNumber);
    expect((await service.api(`${q(phoneNumber)}:sendVoiceChallenge`, { method: 'POST' })).status).toBe(200);
    expect((await service.api(q(phoneNumber), { method: 'DELETE' })).status).toBe(200);
    await addEligible(service, phoneNumber);
    const second = await service.api(`${q(phoneNumber)}:sendVoiceChallenge`, { method: 'POST' });
    expect(second.status).toBe(429);
  });

  it('does not unblock a number when the operator refuses its ownership proof', async () => {
    const phoneNumber = freshNumber();
    await addEligible(service, phoneNumber);
    await blockByWrongCodes(service, phoneNumber);
    const refused = await service.admin(`/projects/${service.projectId}${q(phoneNumber)}:rejectOwnership`, {
      method: 'POST',
      body: JSON.stringify({ reason: 'The invoice is not for this number.' }),
    });
    expect(refused.status).toBe(400);
    expect(await stateOf(service, phoneNumber)).toBe('GLOBAL_PROCESS_STATE_VERIFICATION_BLOCKED');
    await service.admin('/clock:advance', { method: 'POST', body: JSON.stringify({ seconds: 61 }) });
    const call = await service.api(`${q(phoneNumber)}:sendVoiceChallenge`, { method: 'POST' });
    expect(call.status).toBe(400);
  });

  it.each([['{}'], ['5'], ['true'], ['{"toString":1}']])('answers a JSON fullName of %s without a 500', async (fullName) => {
    const response = await fetch(`${service.baseUrl}/loa/${'A'.repeat(43)}`, {
      method: 'POST',
      headers: { cookie: 'loa_csrf=c', 'content-type': 'application/json' },
      body: `{"csrfToken":"c","fullName":${fullName},"action":"sign"}`,
    });
    expect(response.status).toBeLessThan(500);
  });

  it.each([
    ['a JSON body', 'application/json', '{"csrfToken":"c"}', 415],
    ['an oversized form', 'application/x-www-form-urlencoded', `csrfToken=c&fullName=${'x'.repeat(20_000)}`, 413],
    ['a NUL character', 'application/x-www-form-urlencoded', 'csrfToken=c&fullName=Ada%00', 400],
  ])('answers %s on the signing page with an HTML page', async (_case, contentType, body, status) => {
    const response = await fetch(`${service.baseUrl}/loa/${'A'.repeat(43)}`, {
      method: 'POST',
      headers: { cookie: 'loa_csrf=c', 'content-type': contentType },
      body,
    });
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(await response.text()).toContain('Request not accepted');
  });

  it('keeps a replaced link dead after the new link is signed', async () => {
    const { hostingOrderId, path: oldPath } = await waitingOrder(service);
    const resent = await service.admin(`/projects/${service.projectId}/hostingOrders/${hostingOrderId}:resendLoa`, { method: 'POST' });
    expect(resent.status).toBe(200);
    const [newPath] = await linkPaths(service, hostingOrderId);
    expect((await fetch(`${service.baseUrl}${oldPath}`)).status).toBe(410);
    const form = await openForm(service, newPath as string);
    expect((await postForm(service, newPath as string, form, { fullName: 'Ada Lovelace', consent: 'yes', action: 'sign' })).status).toBe(200);
    expect((await fetch(`${service.baseUrl}${oldPath}`)).status).toBe(410);
    expect((await fetch(`${service.baseUrl}${oldPath}/document.pdf`)).status).toBe(404);
  });

  it.each([['\u200b'], ['\u200b\u200b\u200b'], ['\u202e'], ['\u2060']])('refuses an invisible typed name %j', async (fullName) => {
    const { hostingOrderId, path } = await waitingOrder(service);
    const form = await openForm(service, path);
    const response = await postForm(service, path, form, { fullName, consent: 'yes', action: 'sign' });
    expect(response.status).toBe(400);
    expect(await orderState(service, hostingOrderId)).toBe('WAITING_FOR_LOA_SIGNATURE');
  });

  it('refuses to text-enable a number that another project hosts meanwhile', async () => {
    const project = (await (await service.admin('/projects', { method: 'POST', body: JSON.stringify({ displayName: 'other' }) })).json()) as { projectId: string };
    const key = (await (await service.admin(`/projects/${project.projectId}/accessKeys`, { method: 'POST' })).json()) as { keyId: string; keySecret: string };
    const basic = `Basic ${Buffer.from(`${key.keyId}:${key.keySecret}`).toString('base64')}`;
    const otherApi = (path: string, init?: RequestInit) =>
      fetch(`${service.baseUrl}/v1/projects/${project.projectId}${path}`, {
        ...init,
        headers: { authorization: basic, ...(init?.body === undefined ? {} : { 'content-type': 'application/json' }) },
      });
    const phoneNumber = freshNumber();
    await addEligible(service, phoneNumber);
    await addEligible(service, phoneNumber, otherApi);
    expect(await stateOf(service, phoneNumber, otherApi)).toBe('GLOBAL_PROCESS_STATE_ELIGIBLE');
    await approve(service, phoneNumber);
    await approve(service, phoneNumber, project.projectId);

    const created = await textEnable(service, [phoneNumber]);
    const { hostingOrderId } = (await created.json()) as { hostingOrderId: string };
    const [path] = await waitUntil(
      () => linkPaths(service, hostingOrderId),
      (paths) => paths.length === 1,
    );
    const form = await openForm(service, path as string);
    expect((await postForm(service, path as string, form, { fullName: 'Ada Lovelace', consent: 'yes', action: 'sign' })).status).toBe(200);
    await waitUntil(
      () => orderState(service, hostingOrderId),
      (state) => state === 'COMPLETED',
    );
    expect(await stateOf(service, phoneNumber)).toBe('GLOBAL_PROCESS_STATE_HOSTING_DONE');

    const second = await textEnable(service, [phoneNumber], otherApi);
    expect(second.status).not.toBe(200);
  });

  it('masks the signing token when the path is percent-encoded', async () => {
    const { path } = await waitingOrder(service);
    const token = path.split('/')[2] as string;
    const page = await fetch(`${service.baseUrl}/%6Coa/${token}`);
    expect(page.status).toBe(200); // the router decodes %6C and serves the signing page
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(logLines.filter((line) => line.includes(token))).toEqual([]);
  });

  it.each([
    ['authorisedPerson.firstName', '\u200b'],
    ['address.postalCode', '\u2060'],
    ['address.country', '\u202e'],
  ])('refuses an invisible %s', async (field, value) => {
    const loa = structuredClone(DIRECT_LOA) as unknown as Record<string, Record<string, string>>;
    const [group, name] = field.split('.') as [string, string];
    (loa[group] as Record<string, string>)[name] = value;
    const response = await textEnable(service, [freshNumber()], service.api, loa);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { status: string }).status).toBe('INVALID_ARGUMENT');
  });

  it.each([['a\u0085b'], ['a\u2028b']])('refuses displayName %j', async (displayName) => {
    const response = await service.api('/qualifiedNumbers:textEnableNumbers', {
      method: 'POST',
      body: JSON.stringify({ regionCode: 'US', numbers: [freshNumber()], servicePlanId: 'plan-adv', displayName, directLoaInfo: DIRECT_LOA }),
    });
    expect(((await response.json()) as { status: string }).status).toBe('INVALID_ARGUMENT');
  });

});

describe('PUBLIC_BASE_URL', () => {
  it('normalises the scheme so that the cookie gets Secure', () => {
    expect(loadConfig({ PUBLIC_BASE_URL: 'HTTPS://numbers.example.com' }).publicBaseUrl.startsWith('https://')).toBe(true);
  });

  it('refuses credentials', () => {
    expect(() => loadConfig({ PUBLIC_BASE_URL: 'https://user:pw@numbers.example.com' })).toThrow('PUBLIC_BASE_URL');
  });

  it('refuses a path prefix, or the pages must honour it', () => {
    expect(() => loadConfig({ PUBLIC_BASE_URL: 'https://example.com/numbers' })).toThrow('PUBLIC_BASE_URL');
  });
});
