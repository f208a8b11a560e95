import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, newDatabaseUrl } from './helpers/databases.js';
import { expectFlatError, violatedFields } from './helpers/error-bodies.js';
import type { TestService } from './helpers/service.js';
import { startTestService, waitUntil } from './helpers/service.js';
import { assertMatchesSpec } from './helpers/spec-responses.js';

const STATE = {
  ANY: 'GLOBAL_PROCESS_STATE_UNSPECIFIED',
  CHECK_PENDING: 'GLOBAL_PROCESS_STATE_ELIGIBLE_CHECK_PENDING',
  ELIGIBLE: 'GLOBAL_PROCESS_STATE_ELIGIBLE',
  NOT_ELIGIBLE: 'GLOBAL_PROCESS_STATE_NOT_ELIGIBLE',
  VERIFICATION_PENDING: 'GLOBAL_PROCESS_STATE_VERIFICATION_PENDING',
  VERIFICATION_FAILED: 'GLOBAL_PROCESS_STATE_VERIFICATION_FAILED',
  VERIFICATION_BLOCKED: 'GLOBAL_PROCESS_STATE_VERIFICATION_BLOCKED',
  VERIFIED: 'GLOBAL_PROCESS_STATE_VERIFIED',
  HOSTING_IN_PROGRESS: 'GLOBAL_PROCESS_STATE_HOSTING_IN_PROGRESS',
  HOSTING_DONE: 'GLOBAL_PROCESS_STATE_HOSTING_DONE',
  HOSTING_FAILED: 'GLOBAL_PROCESS_STATE_HOSTING_FAILED',
} as const;

/** Paths with a placeholder project id, for matching responses against the spec. */
const LIST_PATH = '/v1/projects/p/qualifiedNumbers';
const ADD_PATH = '/v1/projects/p/qualifiedNumbers:addNumbers';

/** The default of NUMBERHOST_MAX_WRONG_CODES, which every service here keeps. */
const MAX_WRONG_CODES = 3;

const DIRECT_LOA_INFO = {
  authorisedPerson: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' },
  address: { buildingNumber: '12', street: 'Main Street', city: 'Springfield', state: 'IL', postalCode: '62701', country: 'US' },
  currentVoiceCarrier: 'Example Voice Co',
};

interface QualifiedNumberBody {
  phoneNumber: string;
  projectId: string;
  regionCode: string;
  globalProcessState: string;
  osrEligibility: { status: string; error: string };
  ownershipVerification: { status: string; error: string };
  hostedNumber: { status: number; error: string };
  createdTime: string;
  updatedTime: string;
}

interface ListBody {
  qualifiedNumbers: QualifiedNumberBody[];
  nextPageToken: string;
  totalSize: number;
}

interface VoiceCallBody {
  id: string;
  phoneNumber: string;
  code: string;
  state: string;
  detail: string;
  createdTime: string;
  placedTime: string | null;
}

type ProjectApi = (path: string, init?: RequestInit) => Promise<Response>;

/** One project of a running service: its id and a fetch with its Basic credentials. */
interface ProjectClient {
  service: TestService;
  projectId: string;
  api: ProjectApi;
}

function defaultProject(service: TestService): ProjectClient {
  return { service, projectId: service.projectId, api: service.api };
}

/** Creates a project and an access key through the admin API. */
async function createProject(service: TestService, displayName: string): Promise<ProjectClient> {
  const created = await service.admin('/projects', { method: 'POST', body: JSON.stringify({ displayName }) });
  expect(created.status).toBe(200);
  const { projectId } = (await created.json()) as { projectId: string };
  const keyResponse = await service.admin(`/projects/${projectId}/accessKeys`, { method: 'POST' });
  expect(keyResponse.status).toBe(200);
  const { keyId, keySecret } = (await keyResponse.json()) as { keyId: string; keySecret: string };
  const authorization = `Basic ${Buffer.from(`${keyId}:${keySecret}`).toString('base64')}`;
  const api: ProjectApi = (path, init) =>
    fetch(`${service.baseUrl}/v1/projects/${projectId}${path}`, {
      ...init,
      headers: { authorization, ...(init?.body !== undefined ? { 'content-type': 'application/json' } : {}) },
    });
  return { service, projectId, api };
}

function numberPath(phoneNumber: string): string {
  return `/qualifiedNumbers/${encodeURIComponent(phoneNumber)}`;
}

/** Reads a JSON body after checking the status, showing the body when the status differs. */
async function readJson<T>(response: Response, status: number): Promise<T> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  return JSON.parse(text) as T;
}

async function addNumbers(client: ProjectClient, phoneNumbers: unknown): Promise<Response> {
  return client.api('/qualifiedNumbers:addNumbers', { method: 'POST', body: JSON.stringify({ phoneNumbers }) });
}

async function addNumbersOk(client: ProjectClient, phoneNumbers: string[]): Promise<QualifiedNumberBody[]> {
  const body = await readJson<{ qualifiedNumbers: QualifiedNumberBody[] }>(await addNumbers(client, phoneNumbers), 200);
  assertMatchesSpec('POST', ADD_PATH, 200, body);
  return body.qualifiedNumbers;
}

async function getNumber(client: ProjectClient, phoneNumber: string): Promise<QualifiedNumberBody> {
  const body = await readJson<QualifiedNumberBody>(await client.api(numberPath(phoneNumber)), 200);
  assertMatchesSpec('GET', `${LIST_PATH}/${phoneNumber}`, 200, body);
  return body;
}

async function waitForState(client: ProjectClient, phoneNumber: string, state: string): Promise<QualifiedNumberBody> {
  return waitUntil(
    () => getNumber(client, phoneNumber),
    (number) => number.globalProcessState === state,
  );
}

/** Adds numbers and waits until the eligibility check has made each one ELIGIBLE. */
async function addEligible(client: ProjectClient, phoneNumbers: string[]): Promise<void> {
  await addNumbersOk(client, phoneNumbers);
  for (const phoneNumber of phoneNumbers) {
    await waitForState(client, phoneNumber, STATE.ELIGIBLE);
  }
}

async function list(client: ProjectClient, query: string): Promise<ListBody> {
  const body = await readJson<ListBody>(await client.api(`/qualifiedNumbers?${query}`), 200);
  assertMatchesSpec('GET', LIST_PATH, 200, body);
  return body;
}

async function sendChallenge(client: ProjectClient, phoneNumber: string, init: RequestInit = {}): Promise<Response> {
  return client.api(`${numberPath(phoneNumber)}:sendVoiceChallenge`, { method: 'POST', ...init });
}

async function sendChallengeOk(client: ProjectClient, phoneNumber: string): Promise<QualifiedNumberBody> {
  const body = await readJson<QualifiedNumberBody>(await sendChallenge(client, phoneNumber), 200);
  assertMatchesSpec('POST', `${LIST_PATH}/${phoneNumber}:sendVoiceChallenge`, 200, body);
  return body;
}

async function verifyCode(client: ProjectClient, phoneNumber: string, body: unknown): Promise<Response> {
  return client.api(`${numberPath(phoneNumber)}:verifyVoiceChallenge`, { method: 'POST', body: JSON.stringify(body) });
}

async function verifyCodeOk(client: ProjectClient, phoneNumber: string, code: string): Promise<QualifiedNumberBody> {
  const body = await readJson<QualifiedNumberBody>(await verifyCode(client, phoneNumber, { code }), 200);
  assertMatchesSpec('POST', `${LIST_PATH}/${phoneNumber}:verifyVoiceChallenge`, 200, body);
  return body;
}

/** Lists the admin call log of one number, newest first. */
async function voiceCalls(client: ProjectClient, phoneNumber: string): Promise<VoiceCallBody[]> {
  const response = await client.service.admin(`/projects/${client.projectId}/voiceCalls?phoneNumber=${encodeURIComponent(phoneNumber)}`);
  return (await readJson<{ voiceCalls: VoiceCallBody[] }>(response, 200)).voiceCalls;
}

/** Waits until the number has `count` calls and the newest has been placed (is no longer QUEUED). */
async function waitForPlacedCall(client: ProjectClient, phoneNumber: string, count = 1): Promise<VoiceCallBody> {
  const calls = await waitUntil(
    () => voiceCalls(client, phoneNumber),
    (found) => found.length === count && found[0]?.state !== 'QUEUED',
  );
  return calls[0] as VoiceCallBody;
}

/** Reads the code of the newest call to the number. The log shows it as soon as the call is queued. */
async function newestCode(client: ProjectClient, phoneNumber: string): Promise<string> {
  const calls = await voiceCalls(client, phoneNumber);
  expect(calls.length).toBeGreaterThan(0);
  return (calls[0] as VoiceCallBody).code;
}

/** Returns a six-digit code other than `code`, a different one for each `offset` from 1 to 999999. */
function wrongCode(code: string, offset = 1): string {
  return String((Number(code) + offset) % 1_000_000).padStart(6, '0');
}

/**
 * Matches the count of wrong codes in a row in `ownershipVerification.error`, written
 * either "2 of 3" or "2 wrong".
 */
function wrongCodeCount(count: number): RegExp {
  return new RegExp(`\\b${count} (of ${MAX_WRONG_CODES}|wrong)\\b`);
}

async function review(client: ProjectClient, phoneNumber: string, verb: string, body?: unknown): Promise<Response> {
  return client.service.admin(`/projects/${client.projectId}/qualifiedNumbers/${encodeURIComponent(phoneNumber)}:${verb}`, {
    method: 'POST',
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function reviewOk(client: ProjectClient, phoneNumber: string, verb: string, body?: unknown): Promise<QualifiedNumberBody> {
  return readJson<QualifiedNumberBody>(await review(client, phoneNumber, verb, body), 200);
}

async function importNumber(client: ProjectClient, phoneNumber: string): Promise<void> {
  const response = await client.api('/importedNumbers', {
    method: 'POST',
    body: JSON.stringify({ phoneNumber, regionCode: 'US', smsConfiguration: { servicePlanId: 'plan-imported' } }),
  });
  await readJson(response, 200);
}

interface ClockBody {
  now: string;
  offsetMs: number;
}

async function readClock(service: TestService): Promise<ClockBody> {
  return readJson<ClockBody>(await service.admin('/clock'), 200);
}

async function postClockAdvance(service: TestService, seconds: number): Promise<ClockBody> {
  return readJson<ClockBody>(await service.admin('/clock:advance', { method: 'POST', body: JSON.stringify({ seconds }) }), 200);
}

/** Reads the clock offset as stored in the settings table, which every instance follows. */
async function storedClockOffsetMs(service: TestService): Promise<number> {
  const row = await service.service.ctx.storage.db.selectFrom('settings').select('value').where('key', '=', 'clock_offset_ms').executeTakeFirst();
  return row === undefined ? 0 : Number(row.value);
}

/** Advances the service clock and checks that the response and the service use the stored offset. */
async function advanceClock(service: TestService, seconds: number): Promise<void> {
  const advanced = await postClockAdvance(service, seconds);
  const storedMs = await storedClockOffsetMs(service);

  expect(advanced.offsetMs).toBe(storedMs);
  expect((await readClock(service)).offsetMs).toBe(storedMs);
}

/** Counts the queued eligibility checks of one number, read from the jobs table. */
async function queuedEligibilityChecks(client: ProjectClient, phoneNumber: string): Promise<number> {
  const rows = await client.service.service.ctx.storage.db.selectFrom('jobs').select('payload').where('type', '=', 'check_eligibility').execute();
  return rows.filter((row) => {
    const payload = JSON.parse(row.payload) as { projectId: string; phoneNumber: string };
    return payload.projectId === client.projectId && payload.phoneNumber === phoneNumber;
  }).length;
}

/** Builds `count` consecutive numbers of one exchange, starting at line `firstLine`. */
function numberRange(prefix: string, firstLine: number, count: number): string[] {
  return Array.from({ length: count }, (_, index) => `${prefix}${String(firstLine + index).padStart(4, '0')}`);
}

describe.each(DIALECTS)('qualified numbers API on %s', (dialect) => {
  describe('with instant eligibility checks', () => {
    let service: TestService;
    let main: ProjectClient;
    let other: ProjectClient;

    beforeAll(async () => {
      service = await startTestService(await newDatabaseUrl(dialect), {
        NUMBERHOST_ELIGIBILITY_DELAY_MS: '0',
        NUMBERHOST_VOICE_CALL_INTERVAL_S: '0',
      });
      main = defaultProject(service);
      other = await createProject(service, 'Other tenant');
    });

    afterAll(async () => {
      await service.close();
    });

    describe('addNumbers', () => {
      it('returns new numbers pending, in request order', async () => {
        const requested = ['+12025550103', '+12025550101', '+12025550102'];
        const added = await addNumbersOk(main, requested);

        expect(added.map((number) => number.phoneNumber)).toEqual(requested);
        for (const number of added) {
          expect(number.globalProcessState).toBe(STATE.CHECK_PENDING);
          expect(number.osrEligibility.status).toBe('IN_PROGRESS');
          expect(number.projectId).toBe(main.projectId);
          expect(number.regionCode).toBe('US');
        }
      });

      it('makes new numbers ELIGIBLE', async () => {
        for (const phoneNumber of ['+12025550101', '+12025550102', '+12025550103']) {
          const number = await waitForState(main, phoneNumber, STATE.ELIGIBLE);

          expect(number.osrEligibility).toEqual({ status: 'DONE', error: '' });
          expect(number.ownershipVerification.status).toBe('STATE_UNSPECIFIED');
          expect(number.hostedNumber.status).toBe(0);
        }
      });

      it('returns known numbers as they are', async () => {
        const before = await getNumber(main, '+12025550101');
        const again = await addNumbersOk(main, ['+12025550101']);

        expect(again).toHaveLength(1);
        expect(again[0]).toEqual(before);
      });

      it('mixes new and known numbers', async () => {
        const known = await getNumber(main, '+12025550102');
        const added = await addNumbersOk(main, ['+12025550104', '+12025550102']);

        expect(added.map((number) => number.phoneNumber)).toEqual(['+12025550104', '+12025550102']);
        expect(added[0]?.globalProcessState).toBe(STATE.CHECK_PENDING);
        expect(added[1]).toEqual(known);
        await waitForState(main, '+12025550104', STATE.ELIGIBLE);
      });

      it('rejects a repeated number', async () => {
        const body = await expectFlatError(await addNumbers(main, ['+12025550105', '+12025550106', '+12025550105']), 400, 'INVALID_ARGUMENT');

        expect(violatedFields(body)).toEqual(['phoneNumbers[2]']);
        expect(body.details?.[0]?.fieldViolations[0]?.description).toContain('phoneNumbers[0]');
        expect((await main.api(numberPath('+12025550105'))).status).toBe(404);
        expect((await main.api(numberPath('+12025550106'))).status).toBe(404);
      });

      it('names each malformed number', async () => {
        const body = await expectFlatError(
          await addNumbers(main, ['+12025550107', '2025550108', '+1202555010', '+442079460000', '+1 202 555 0109']),
          400,
          'INVALID_ARGUMENT',
        );

        expect(violatedFields(body)).toEqual(['phoneNumbers[1]', 'phoneNumbers[2]', 'phoneNumbers[3]', 'phoneNumbers[4]']);
        expect((await main.api(numberPath('+12025550107'))).status).toBe(404);
      });

      it('names a non-string number', async () => {
        const body = await expectFlatError(await addNumbers(main, ['+12025550107', 12025550109]), 400, 'INVALID_ARGUMENT');

        expect(violatedFields(body)).toEqual(['phoneNumbers[1]']);
        expect((await main.api(numberPath('+12025550107'))).status).toBe(404);
      });

      it('rejects an empty list', async () => {
        const body = await expectFlatError(await addNumbers(main, []), 400, 'INVALID_ARGUMENT');

        expect(violatedFields(body)).toEqual(['phoneNumbers']);
      });

      it('rejects a missing body', async () => {
        const body = await expectFlatError(await main.api('/qualifiedNumbers:addNumbers', { method: 'POST' }), 400, 'INVALID_ARGUMENT');

        expect(violatedFields(body)).toEqual(['(body)']);
      });

      it('rejects a non-array phoneNumbers', async () => {
        const body = await expectFlatError(await addNumbers(main, '+12025550110'), 400, 'INVALID_ARGUMENT');

        expect(violatedFields(body)).toEqual(['phoneNumbers']);
        expect((await main.api(numberPath('+12025550110'))).status).toBe(404);
      });

      it('rejects an unknown field', async () => {
        const response = await main.api('/qualifiedNumbers:addNumbers', {
          method: 'POST',
          body: JSON.stringify({ phoneNumbers: ['+12025550111'], regionCode: 'US' }),
        });
        const body = await expectFlatError(response, 400, 'INVALID_ARGUMENT');

        expect(violatedFields(body)).toEqual(['regionCode']);
        expect((await main.api(numberPath('+12025550111'))).status).toBe(404);
      });
    });

    describe('eligibility', () => {
      async function expectNotEligible(client: ProjectClient, phoneNumber: string, reason: string): Promise<QualifiedNumberBody> {
        await addNumbersOk(client, [phoneNumber]);
        const number = await waitForState(client, phoneNumber, STATE.NOT_ELIGIBLE);

        expect(number.osrEligibility.status).toBe('FAILED');
        expect(number.osrEligibility.error.startsWith(`${reason}:`), number.osrEligibility.error).toBe(true);
        return number;
      }

      it('rejects a Jamaican number as NOT_US_OR_CA', async () => {
        const number = await expectNotEligible(main, '+18765550100', 'NOT_US_OR_CA');

        expect(number.regionCode).toBe('JM');
      });

      it('rejects line 0180 as SANDBOX_NOT_ELIGIBLE', async () => {
        await expectNotEligible(main, '+12025550180', 'SANDBOX_NOT_ELIGIBLE');
      });

      it('rejects an imported number as ALREADY_IMPORTED', async () => {
        await importNumber(main, '+12065550110');

        await expectNotEligible(main, '+12065550110', 'ALREADY_IMPORTED');
      });

      it('rejects a number imported elsewhere as HOSTED_ELSEWHERE', async () => {
        await importNumber(other, '+12065550111');

        await expectNotEligible(main, '+12065550111', 'HOSTED_ELSEWHERE');
      });

      it('accepts a Canadian number', async () => {
        await addEligible(main, ['+14165550112']);

        expect((await getNumber(main, '+14165550112')).regionCode).toBe('CA');
      });
    });

    describe('get', () => {
      it('reads a number with a raw "+"', async () => {
        const response = await fetch(`${service.baseUrl}/v1/projects/${main.projectId}/qualifiedNumbers/+12025550101`, {
          headers: { authorization: `Basic ${Buffer.from(`${service.keyId}:${service.keySecret}`).toString('base64')}` },
        });
        const body = await readJson<QualifiedNumberBody>(response, 200);

        assertMatchesSpec('GET', `${LIST_PATH}/+12025550101`, 200, body);
        expect(body.phoneNumber).toBe('+12025550101');
      });

      it('reads a number with %2B', async () => {
        const body = await readJson<QualifiedNumberBody>(await main.api('/qualifiedNumbers/%2B12025550101'), 200);

        assertMatchesSpec('GET', `${LIST_PATH}/+12025550101`, 200, body);
        expect(body.phoneNumber).toBe('+12025550101');
        expect(body.globalProcessState).toBe(STATE.ELIGIBLE);
      });

      it('gives 404 for an unknown number', async () => {
        const body = await expectFlatError(await main.api(numberPath('+12025550199')), 404, 'NOT_FOUND');

        assertMatchesSpec('GET', `${LIST_PATH}/+12025550199`, 404, body);
        expect(body.message).toContain('+12025550199');
      });

      it('explains a "+" decoded as a space', async () => {
        const body = await expectFlatError(await main.api('/qualifiedNumbers/%2012025550101'), 400, 'INVALID_ARGUMENT');

        expect(violatedFields(body)).toEqual(['phoneNumber']);
        expect(body.details?.[0]?.fieldViolations[0]?.description).toContain('%2B');
      });

      it('hides another project\'s number', async () => {
        expect((await other.api(numberPath('+12025550101'))).status).toBe(404);
      });
    });

    describe('list', () => {
      /** A project of its own, so the numbers of other tests do not change the totals. */
      let listing: ProjectClient;
      const eligible = ['+12125550120', '+12125550121'];
      const canadian = ['+14165550122', '+16045550127'];
      const notEligible = '+12125550180';
      const pending = '+12125550123';
      const failed = '+12125550124';
      const blocked = '+12125550125';
      const verified = '+12125550126';
      const all = [...eligible, ...canadian, notEligible, pending, failed, blocked, verified];

      beforeAll(async () => {
        listing = await createProject(service, 'Listing');
        await addNumbersOk(listing, all);
        for (const phoneNumber of all) {
          await waitForState(listing, phoneNumber, phoneNumber === notEligible ? STATE.NOT_ELIGIBLE : STATE.ELIGIBLE);
        }
        await sendChallengeOk(listing, pending);
        await sendChallengeOk(listing, blocked);
        const code = await newestCode(listing, blocked);
        for (let attempt = 1; attempt <= MAX_WRONG_CODES; attempt += 1) {
          await verifyCodeOk(listing, blocked, wrongCode(code, attempt));
        }
        await reviewOk(listing, failed, 'rejectOwnership', { reason: 'The invoice names another company.' });
        const approved = await reviewOk(listing, verified, 'approveOwnership');
        // The first-added number changes last and at least 1 ms after the others, so it
        // sorts last by updatedTime without a tie, and the two orders differ.
        await waitUntil(
          async () => Date.now(),
          (nowMs) => nowMs > Date.parse(approved.updatedTime),
          1000,
          1,
        );
        await reviewOk(listing, all[0] as string, 'approveOwnership');
      });

      it('requires states', async () => {
        const body = await expectFlatError(await listing.api('/qualifiedNumbers'), 400, 'INVALID_ARGUMENT');

        expect(violatedFields(body)).toEqual(['states']);
      });

      it('rejects an unknown state', async () => {
        const body = await expectFlatError(await listing.api('/qualifiedNumbers?states=VERIFIED'), 400, 'INVALID_ARGUMENT');

        expect(violatedFields(body)).toEqual(['states']);
      });

      it('returns every number for UNSPECIFIED', async () => {
        const body = await list(listing, `states=${STATE.ANY}`);

        expect(body.totalSize).toBe(all.length);
        expect(body.qualifiedNumbers.map((number) => number.phoneNumber).sort()).toEqual([...all].sort());
        expect(body.nextPageToken).toBe('');
      });

      it.each([
        [STATE.CHECK_PENDING, []],
        [STATE.ELIGIBLE, [eligible[1], ...canadian]],
        [STATE.NOT_ELIGIBLE, [notEligible]],
        [STATE.VERIFICATION_PENDING, [pending]],
        [STATE.VERIFICATION_FAILED, [failed]],
        [STATE.VERIFICATION_BLOCKED, [blocked]],
        [STATE.VERIFIED, [eligible[0], verified]],
        [STATE.HOSTING_IN_PROGRESS, []],
        [STATE.HOSTING_DONE, []],
        [STATE.HOSTING_FAILED, []],
      ])('filters by %s', async (state, expected) => {
        const body = await list(listing, `states=${state}`);

        expect(body.qualifiedNumbers.map((number) => number.phoneNumber).sort()).toEqual([...expected].sort());
        expect(body.totalSize).toBe(expected.length);
        for (const number of body.qualifiedNumbers) {
          expect(number.globalProcessState).toBe(state);
        }
      });

      it('filters by regionCode', async () => {
        const body = await list(listing, `states=${STATE.ANY}&regionCode=CA`);

        expect(body.qualifiedNumbers.map((number) => number.phoneNumber).sort()).toEqual([...canadian].sort());
        expect(body.totalSize).toBe(canadian.length);
      });

      it('combines state and regionCode', async () => {
        const body = await list(listing, `states=${STATE.VERIFIED}&regionCode=US`);

        expect(body.qualifiedNumbers.map((number) => number.phoneNumber).sort()).toEqual([eligible[0], verified].sort());
      });

      it('rejects an unsupported regionCode', async () => {
        const body = await expectFlatError(await listing.api(`/qualifiedNumbers?states=${STATE.ANY}&regionCode=MX`), 400, 'INVALID_ARGUMENT');

        expect(violatedFields(body)).toEqual(['regionCode']);
      });

      it('orders by createdTime by default', async () => {
        const body = await list(listing, `states=${STATE.ANY}`);
        const times = body.qualifiedNumbers.map((number) => Date.parse(number.createdTime));

        expect(times).toEqual([...times].sort((a, b) => a - b));
      });

      it('orders by updatedTime', async () => {
        const body = await list(listing, `states=${STATE.ANY}&orderBy=updatedTime`);
        const times = body.qualifiedNumbers.map((number) => Date.parse(number.updatedTime));

        expect(times).toEqual([...times].sort((a, b) => a - b));
        expect(body.qualifiedNumbers.at(-1)?.phoneNumber).toBe(all[0]);
        expect(body.qualifiedNumbers.map((number) => number.phoneNumber).sort()).toEqual([...all].sort());
      });

      it.each(['createdTime', 'updatedTime'])('pages by 2 (%s)', async (orderBy) => {
        const query = `states=${STATE.ANY}&pageSize=2&orderBy=${orderBy}`;
        const pages: ListBody[] = [await list(listing, query)];
        while ((pages.at(-1) as ListBody).nextPageToken !== '' && pages.length < 10) {
          pages.push(await list(listing, `${query}&pageToken=${encodeURIComponent((pages.at(-1) as ListBody).nextPageToken)}`));
        }
        const paged = pages.flatMap((page) => page.qualifiedNumbers.map((number) => number.phoneNumber));
        const unpaged = (await list(listing, `states=${STATE.ANY}&orderBy=${orderBy}`)).qualifiedNumbers.map((number) => number.phoneNumber);

        expect(pages.map((page) => page.qualifiedNumbers.length)).toEqual([2, 2, 2, 2, 1]);
        expect(pages.map((page) => page.totalSize)).toEqual([9, 9, 9, 9, 9]);
        expect(paged).toEqual(unpaged);
      });

      it('rejects a forged pageToken', async () => {
        const body = await expectFlatError(await listing.api(`/qualifiedNumbers?states=${STATE.ANY}&pageToken=forged-token`), 400, 'INVALID_ARGUMENT');

        expect(violatedFields(body)).toEqual(['pageToken']);
      });

      it('rejects a token with a made-up cursor', async () => {
        const token = Buffer.from(JSON.stringify({ v: 1, o: 'createdTime', f: 'AAAAAAAAAAAA', t: 0, i: '+12125550120' })).toString('base64url');
        const body = await expectFlatError(await listing.api(`/qualifiedNumbers?states=${STATE.ANY}&pageToken=${token}`), 400, 'INVALID_ARGUMENT');

        expect(violatedFields(body)).toEqual(['pageToken']);
      });

      it('rejects a token of other filters', async () => {
        const first = await list(listing, `states=${STATE.ANY}&pageSize=2`);
        const response = await listing.api(`/qualifiedNumbers?states=${STATE.ELIGIBLE}&pageSize=2&pageToken=${encodeURIComponent(first.nextPageToken)}`);
        const body = await expectFlatError(response, 400, 'INVALID_ARGUMENT');

        expect(violatedFields(body)).toEqual(['pageToken']);
      });
    });

    describe('delete', () => {
      it('deletes a number, then gives 404', async () => {
        await addEligible(main, ['+12025550130']);

        const response = await main.api(numberPath('+12025550130'), { method: 'DELETE' });
        const body = await readJson<unknown>(response, 200);

        expect(body).toEqual({});
        assertMatchesSpec('DELETE', `${LIST_PATH}/+12025550130`, 200, body);
        const getAfterDelete = await expectFlatError(await main.api(numberPath('+12025550130')), 404, 'NOT_FOUND');
        assertMatchesSpec('GET', `${LIST_PATH}/+12025550130`, 404, getAfterDelete);
        const deleteAgain = await expectFlatError(await main.api(numberPath('+12025550130'), { method: 'DELETE' }), 404, 'NOT_FOUND');
        assertMatchesSpec('DELETE', `${LIST_PATH}/+12025550130`, 404, deleteAgain);
      });

      it('lets a deleted number be added again', async () => {
        const added = await addNumbersOk(main, ['+12025550130']);

        expect(added[0]?.globalProcessState).toBe(STATE.CHECK_PENDING);
        await waitForState(main, '+12025550130', STATE.ELIGIBLE);
      });

      describe('in an unfinished text-enable order', () => {
        const phoneNumber = '+12025550131';
        let hostingOrderId: string;

        beforeAll(async () => {
          await addEligible(main, [phoneNumber]);
          expect((await reviewOk(main, phoneNumber, 'approveOwnership')).globalProcessState).toBe(STATE.VERIFIED);
          const response = await main.api('/qualifiedNumbers:textEnableNumbers', {
            method: 'POST',
            body: JSON.stringify({ regionCode: 'US', numbers: [phoneNumber], servicePlanId: 'plan-qualified', directLoaInfo: DIRECT_LOA_INFO }),
          });
          hostingOrderId = (await readJson<{ hostingOrderId: string }>(response, 200)).hostingOrderId;
        });

        it('rejects the delete', async () => {
          const body = await expectFlatError(await main.api(numberPath(phoneNumber), { method: 'DELETE' }), 400, 'FAILED_PRECONDITION');

          expect(body.message).toContain(hostingOrderId);
          expect((await getNumber(main, phoneNumber)).globalProcessState).toBe(STATE.HOSTING_IN_PROGRESS);
        });

        it('rejects it while the LOA waits', async () => {
          await waitUntil(
            async () => readJson<{ state: string }>(await main.api(`/hostingOrders/${hostingOrderId}`), 200),
            (order) => order.state === 'WAITING_FOR_LOA_SIGNATURE',
          );

          await expectFlatError(await main.api(numberPath(phoneNumber), { method: 'DELETE' }), 400, 'FAILED_PRECONDITION');
          expect((await getNumber(main, phoneNumber)).globalProcessState).toBe(STATE.HOSTING_IN_PROGRESS);
        });

        it('lists it as HOSTING_IN_PROGRESS', async () => {
          const body = await list(main, `states=${STATE.HOSTING_IN_PROGRESS}`);

          expect(body.qualifiedNumbers.map((number) => number.phoneNumber)).toEqual([phoneNumber]);
        });

        it('makes it HOSTED_ELSEWHERE for others', async () => {
          await addNumbersOk(other, [phoneNumber]);
          const number = await waitForState(other, phoneNumber, STATE.NOT_ELIGIBLE);

          expect(number.osrEligibility.error.startsWith('HOSTED_ELSEWHERE:'), number.osrEligibility.error).toBe(true);
        });
      });
    });

    describe('voice challenge', () => {
      it('sends a challenge call', async () => {
        await addEligible(main, ['+12025550140']);

        const number = await sendChallengeOk(main, '+12025550140');
        const call = await waitForPlacedCall(main, '+12025550140');

        expect(number.globalProcessState).toBe(STATE.VERIFICATION_PENDING);
        expect(number.ownershipVerification.status).toBe('IN_PROGRESS');
        expect(call.phoneNumber).toBe('+12025550140');
        expect(call.code).toMatch(/^\d{6}$/);
        expect(call.state).toBe('ANSWERED');
        expect(call.placedTime).not.toBeNull();
      });

      it('fails a wrong code and counts it', async () => {
        const code = await newestCode(main, '+12025550140');
        const number = await verifyCodeOk(main, '+12025550140', wrongCode(code));

        expect(number.globalProcessState).toBe(STATE.VERIFICATION_FAILED);
        expect(number.ownershipVerification.status).toBe('FAILED');
        expect(number.ownershipVerification.error).toMatch(wrongCodeCount(1));
      });

      it('verifies the right code after a wrong one', async () => {
        const code = await newestCode(main, '+12025550140');
        const number = await verifyCodeOk(main, '+12025550140', code);

        expect(number.globalProcessState).toBe(STATE.VERIFIED);
        expect(number.ownershipVerification).toEqual({ status: 'DONE', error: '' });
      });

      it('rejects a code once VERIFIED', async () => {
        const code = await newestCode(main, '+12025550140');
        await expectFlatError(await verifyCode(main, '+12025550140', { code }), 400, 'FAILED_PRECONDITION');

        expect((await getNumber(main, '+12025550140')).globalProcessState).toBe(STATE.VERIFIED);
      });

      it('rejects a challenge once VERIFIED', async () => {
        await expectFlatError(await sendChallenge(main, '+12025550140'), 400, 'FAILED_PRECONDITION');
      });

      describe('three wrong codes', () => {
        const phoneNumber = '+12025550141';

        beforeAll(async () => {
          await addEligible(main, [phoneNumber]);
          await sendChallengeOk(main, phoneNumber);
        });

        it('block the number', async () => {
          const code = await newestCode(main, phoneNumber);
          const states: string[] = [];
          const errors: string[] = [];
          for (let attempt = 1; attempt <= MAX_WRONG_CODES; attempt += 1) {
            const number = await verifyCodeOk(main, phoneNumber, wrongCode(code, attempt));
            states.push(number.globalProcessState);
            errors.push(number.ownershipVerification.error);
          }

          expect(states).toEqual([STATE.VERIFICATION_FAILED, STATE.VERIFICATION_FAILED, STATE.VERIFICATION_BLOCKED]);
          expect(errors[0]).toMatch(wrongCodeCount(1));
          expect(errors[1]).toMatch(wrongCodeCount(2));
          expect(errors[2]).toMatch(/blocked/i);
        });

        it('reject the right code once blocked', async () => {
          const code = await newestCode(main, phoneNumber);
          await expectFlatError(await verifyCode(main, phoneNumber, { code }), 400, 'FAILED_PRECONDITION');

          expect((await getNumber(main, phoneNumber)).globalProcessState).toBe(STATE.VERIFICATION_BLOCKED);
        });

        it('reject a new challenge once blocked', async () => {
          await expectFlatError(await sendChallenge(main, phoneNumber), 400, 'FAILED_PRECONDITION');

          expect(await voiceCalls(main, phoneNumber)).toHaveLength(1);
        });

        it('lift with admin :unblock', async () => {
          const number = await reviewOk(main, phoneNumber, 'unblock');

          expect(number.globalProcessState).toBe(STATE.ELIGIBLE);
          expect(number.ownershipVerification.status).toBe('STATE_UNSPECIFIED');
          expect((await getNumber(main, phoneNumber)).globalProcessState).toBe(STATE.ELIGIBLE);
        });

        it('start over after :unblock', async () => {
          await sendChallengeOk(main, phoneNumber);
          await waitForPlacedCall(main, phoneNumber, 2);
          const code = await newestCode(main, phoneNumber);

          const wrong = await verifyCodeOk(main, phoneNumber, wrongCode(code));
          expect(wrong.ownershipVerification.error).toMatch(wrongCodeCount(1));
          const right = await verifyCodeOk(main, phoneNumber, code);
          expect(right.globalProcessState).toBe(STATE.VERIFIED);
        });
      });

      it('keeps the count over new challenges', async () => {
        const phoneNumber = '+12025550144';
        await addEligible(main, [phoneNumber]);
        const states: string[] = [];
        const errors: string[] = [];
        for (let attempt = 1; attempt <= MAX_WRONG_CODES; attempt += 1) {
          await sendChallengeOk(main, phoneNumber);
          const number = await verifyCodeOk(main, phoneNumber, wrongCode(await newestCode(main, phoneNumber)));
          states.push(number.globalProcessState);
          errors.push(number.ownershipVerification.error);
        }

        expect(states).toEqual([STATE.VERIFICATION_FAILED, STATE.VERIFICATION_FAILED, STATE.VERIFICATION_BLOCKED]);
        expect(errors[1]).toMatch(wrongCodeCount(2));
      });

      it('fails when line 0181 does not answer', async () => {
        await addEligible(main, ['+12025550181']);

        expect((await sendChallengeOk(main, '+12025550181')).globalProcessState).toBe(STATE.VERIFICATION_PENDING);
        const call = await waitForPlacedCall(main, '+12025550181');
        const number = await waitForState(main, '+12025550181', STATE.VERIFICATION_FAILED);

        expect(call.state).toBe('UNANSWERED');
        expect(call.detail).not.toBe('');
        expect(number.ownershipVerification.status).toBe('FAILED');
        expect(number.ownershipVerification.error).toContain('not answered');
        await expectFlatError(await verifyCode(main, '+12025550181', { code: call.code }), 400, 'FAILED_PRECONDITION');
      });

      it('rejects a challenge when NOT_ELIGIBLE', async () => {
        await addNumbersOk(main, ['+13125550180']);
        await waitForState(main, '+13125550180', STATE.NOT_ELIGIBLE);

        const body = await expectFlatError(await sendChallenge(main, '+13125550180'), 400, 'FAILED_PRECONDITION');

        expect(body.message).toContain('NOT_ELIGIBLE');
        expect(await voiceCalls(main, '+13125550180')).toEqual([]);
        expect((await getNumber(main, '+13125550180')).globalProcessState).toBe(STATE.NOT_ELIGIBLE);
      });

      it('rejects a code before any challenge', async () => {
        await addEligible(main, ['+12025550142']);

        await expectFlatError(await verifyCode(main, '+12025550142', { code: '123456' }), 400, 'FAILED_PRECONDITION');
        expect((await getNumber(main, '+12025550142')).globalProcessState).toBe(STATE.ELIGIBLE);
      });

      it.each([
        ['letters', { code: '12ab' }],
        ['five digits', { code: '12345' }],
        ['a JSON number', { code: 123456 }],
        ['an empty string', { code: '' }],
        ['no code', {}],
      ])('rejects %s as the code', async (_, body) => {
        const error = await expectFlatError(await verifyCode(main, '+12025550142', body), 400, 'INVALID_ARGUMENT');

        expect(violatedFields(error)).toEqual(['code']);
      });

      it('rejects an unknown field on verify', async () => {
        const body = await expectFlatError(await verifyCode(main, '+12025550142', { code: '123456', attempt: 1 }), 400, 'INVALID_ARGUMENT');

        expect(violatedFields(body)).toEqual(['attempt']);
      });

      it('rejects a body field on send', async () => {
        const response = await sendChallenge(main, '+12025550142', { body: JSON.stringify({ language: 'en' }), headers: { 'content-type': 'application/json' } });
        const body = await expectFlatError(response, 400, 'INVALID_ARGUMENT');

        expect(violatedFields(body)).toEqual(['language']);
        expect(await voiceCalls(main, '+12025550142')).toEqual([]);
      });

      it('gives 404 for another verb', async () => {
        const response = await main.api(`${numberPath('+12025550142')}:someOtherVerb`, { method: 'POST' });

        await expectFlatError(response, 404, 'NOT_FOUND');
      });

      it('gives 404 for an unknown number', async () => {
        await expectFlatError(await sendChallenge(main, '+12025550198'), 404, 'NOT_FOUND');
        await expectFlatError(await verifyCode(main, '+12025550198', { code: '123456' }), 404, 'NOT_FOUND');
      });

      it('caps parallel wrong codes', async () => {
        const phoneNumber = '+12025550143';
        await addEligible(main, [phoneNumber]);
        await sendChallengeOk(main, phoneNumber);
        const code = await newestCode(main, phoneNumber);

        // A request that loses the race gets 429 and is sent again until none is left.
        let pendingCodes = [1, 2, 3, 4, 5].map((offset) => wrongCode(code, offset));
        const statuses: number[] = [];
        const acceptedStates: string[] = [];
        for (let round = 0; round < 20 && pendingCodes.length > 0; round += 1) {
          const responses = await Promise.all(pendingCodes.map((wrong) => verifyCode(main, phoneNumber, { code: wrong })));
          const retry: string[] = [];
          for (const [index, response] of responses.entries()) {
            const body = (await response.json()) as QualifiedNumberBody & { status?: string };
            statuses.push(response.status);
            if (response.status === 200) {
              acceptedStates.push(body.globalProcessState);
            } else if (response.status === 429) {
              expect(body.status).toBe('RESOURCE_EXHAUSTED');
              expect(response.headers.get('retry-after')).toBe('1');
              retry.push(pendingCodes[index] as string);
            } else {
              expect(response.status, JSON.stringify(body)).toBe(400);
              expect(body.status).toBe('FAILED_PRECONDITION');
            }
          }
          pendingCodes = retry;
        }

        expect(pendingCodes).toEqual([]);
        expect(statuses.filter((status) => ![200, 400, 429].includes(status))).toEqual([]);
        expect(acceptedStates.sort()).toEqual([STATE.VERIFICATION_BLOCKED, STATE.VERIFICATION_FAILED, STATE.VERIFICATION_FAILED]);
        expect(statuses.filter((status) => status === 400)).toHaveLength(5 - MAX_WRONG_CODES);
        expect((await getNumber(main, phoneNumber)).globalProcessState).toBe(STATE.VERIFICATION_BLOCKED);
      });
    });

    describe('admin review', () => {
      it('approves ownership from ELIGIBLE', async () => {
        await addEligible(main, ['+12025550150']);

        const number = await reviewOk(main, '+12025550150', 'approveOwnership');

        expect(number.globalProcessState).toBe(STATE.VERIFIED);
        expect(number.ownershipVerification).toEqual({ status: 'DONE', error: '' });
        expect((await getNumber(main, '+12025550150')).globalProcessState).toBe(STATE.VERIFIED);
      });

      it('rejects approving a VERIFIED number', async () => {
        const body = await expectFlatError(await review(main, '+12025550150', 'approveOwnership'), 400, 'FAILED_PRECONDITION');

        expect(body.message).toContain('VERIFIED');
      });

      it('requires a reason to reject', async () => {
        await addEligible(main, ['+12025550151']);

        const missing = await expectFlatError(await review(main, '+12025550151', 'rejectOwnership'), 400, 'INVALID_ARGUMENT');
        const blank = await expectFlatError(await review(main, '+12025550151', 'rejectOwnership', { reason: '  ' }), 400, 'INVALID_ARGUMENT');

        expect(violatedFields(missing)).toEqual(['reason']);
        expect(violatedFields(blank)).toEqual(['reason']);
        expect((await getNumber(main, '+12025550151')).globalProcessState).toBe(STATE.ELIGIBLE);
      });

      it('rejects ownership with the reason', async () => {
        const number = await reviewOk(main, '+12025550151', 'rejectOwnership', { reason: 'The invoice is for another number.' });

        expect(number.globalProcessState).toBe(STATE.VERIFICATION_FAILED);
        expect(number.ownershipVerification.status).toBe('FAILED');
        expect(number.ownershipVerification.error).toContain('The invoice is for another number.');
      });

      it('allows a challenge after a rejection', async () => {
        expect((await sendChallengeOk(main, '+12025550151')).globalProcessState).toBe(STATE.VERIFICATION_PENDING);
      });

      it('rejects unblocking an unblocked number', async () => {
        await expectFlatError(await review(main, '+12025550150', 'unblock'), 400, 'FAILED_PRECONDITION');
      });

      it('gives 404 for an unknown verb', async () => {
        await expectFlatError(await review(main, '+12025550150', 'someOtherVerb'), 404, 'NOT_FOUND');
      });

      it.each(['approveOwnership', 'rejectOwnership', 'unblock'])('requires the admin token for :%s', async (verb) => {
        const url = `${service.baseUrl}/admin/v1/projects/${main.projectId}/qualifiedNumbers/${encodeURIComponent('+12025550101')}:${verb}`;
        const body = JSON.stringify({ reason: 'No token sent.' });
        const headers = { 'content-type': 'application/json' };
        const missing = await fetch(url, { method: 'POST', body, headers });
        const wrong = await fetch(url, { method: 'POST', body, headers: { ...headers, authorization: 'Bearer not-the-admin-token' } });
        const basic = await fetch(url, {
          method: 'POST',
          body,
          headers: { ...headers, authorization: `Basic ${Buffer.from(`${service.keyId}:${service.keySecret}`).toString('base64')}` },
        });

        await expectFlatError(missing, 401, 'UNAUTHENTICATED');
        await expectFlatError(wrong, 401, 'UNAUTHENTICATED');
        await expectFlatError(basic, 401, 'UNAUTHENTICATED');
        expect((await getNumber(main, '+12025550101')).globalProcessState).toBe(STATE.ELIGIBLE);
      });

      it('requires the admin token for the call log', async () => {
        const response = await fetch(`${service.baseUrl}/admin/v1/projects/${main.projectId}/voiceCalls`);

        await expectFlatError(response, 401, 'UNAUTHENTICATED');
      });
    });
  });

  describe('with a 60 s call interval and the service clock', () => {
    let service: TestService;
    let main: ProjectClient;

    beforeAll(async () => {
      service = await startTestService(await newDatabaseUrl(dialect), {
        NUMBERHOST_ELIGIBILITY_DELAY_MS: '0',
        NUMBERHOST_VOICE_CALL_INTERVAL_S: '60',
      });
      main = defaultProject(service);
    });

    afterAll(async () => {
      await service.close();
    });

    it('gives 429 for a second call too soon', async () => {
      await addEligible(main, ['+12025550160']);
      await sendChallengeOk(main, '+12025550160');

      const response = await sendChallenge(main, '+12025550160');
      const retryAfter = Number(response.headers.get('retry-after'));
      const body = await expectFlatError(response, 429, 'RESOURCE_EXHAUSTED');

      expect(Number.isInteger(retryAfter)).toBe(true);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(body.message).toContain('+12025550160');
      expect(await voiceCalls(main, '+12025550160')).toHaveLength(1);
    });

    it('calls again after the interval', async () => {
      await advanceClock(service, 61);

      expect((await sendChallengeOk(main, '+12025550160')).globalProcessState).toBe(STATE.VERIFICATION_PENDING);
      expect(await voiceCalls(main, '+12025550160')).toHaveLength(2);
    });

    it('accepts only the newest code', async () => {
      const [newest, previous] = await voiceCalls(main, '+12025550160');
      if (newest === undefined || previous === undefined) {
        throw new Error('Expected two calls to +12025550160.');
      }
      if (newest.code !== previous.code) {
        const stale = await verifyCodeOk(main, '+12025550160', previous.code);
        expect(stale.globalProcessState).toBe(STATE.VERIFICATION_FAILED);
      }

      expect((await verifyCodeOk(main, '+12025550160', newest.code)).globalProcessState).toBe(STATE.VERIFIED);
    });

    it('keeps each clock advance', async () => {
      const start = await readClock(service);
      const seen: number[] = [];
      for (let step = 1; step <= 20; step += 1) {
        await postClockAdvance(service, 1);
        seen.push((await readClock(service)).offsetMs - start.offsetMs);
      }

      expect(seen).toEqual(Array.from({ length: 20 }, (_, index) => (index + 1) * 1000));
    });

    it('expires the code after 600 s', async () => {
      await addEligible(main, ['+12025550161']);
      await sendChallengeOk(main, '+12025550161');
      const call = await waitForPlacedCall(main, '+12025550161');
      const before = await getNumber(main, '+12025550161');

      await advanceClock(service, 601);
      const body = await expectFlatError(await verifyCode(main, '+12025550161', { code: call.code }), 400, 'FAILED_PRECONDITION');
      const after = await getNumber(main, '+12025550161');

      expect(violatedFields(body)).toEqual(['code']);
      expect(after).toEqual(before);
      expect(after.globalProcessState).toBe(STATE.VERIFICATION_PENDING);
    });

    it('verifies a new code after expiry', async () => {
      await sendChallengeOk(main, '+12025550161');
      await waitForPlacedCall(main, '+12025550161', 2);

      const code = await newestCode(main, '+12025550161');

      expect((await verifyCodeOk(main, '+12025550161', code)).globalProcessState).toBe(STATE.VERIFIED);
    });
  });

  describe('with a one-hour eligibility delay', () => {
    let service: TestService;
    let main: ProjectClient;

    beforeAll(async () => {
      service = await startTestService(await newDatabaseUrl(dialect), {
        NUMBERHOST_ELIGIBILITY_DELAY_MS: String(60 * 60 * 1000),
        NUMBERHOST_VOICE_CALL_INTERVAL_S: '0',
      });
      main = defaultProject(service);
    });

    afterAll(async () => {
      await service.close();
    });

    it('queues one check per number', async () => {
      const first = await addNumbersOk(main, ['+12025550170']);
      const repeat = await addNumbersOk(main, ['+12025550170']);

      expect(repeat).toEqual(first);
      expect(repeat[0]?.createdTime).toBe(first[0]?.createdTime);
      expect(await queuedEligibilityChecks(main, '+12025550170')).toBe(1);
    });

    it('lists ELIGIBLE_CHECK_PENDING numbers', async () => {
      const body = await list(main, `states=${STATE.CHECK_PENDING}`);

      expect(body.qualifiedNumbers.map((number) => number.phoneNumber)).toEqual(['+12025550170']);
      expect(body.totalSize).toBe(1);
      expect((await list(main, `states=${STATE.ELIGIBLE}`)).totalSize).toBe(0);
    });

    it('rejects a challenge while pending', async () => {
      const body = await expectFlatError(await sendChallenge(main, '+12025550170'), 400, 'FAILED_PRECONDITION');

      expect(body.message).toContain('ELIGIBLE_CHECK_PENDING');
      expect(await voiceCalls(main, '+12025550170')).toEqual([]);
    });

    it('rejects approval while pending', async () => {
      await expectFlatError(await review(main, '+12025550170', 'approveOwnership'), 400, 'FAILED_PRECONDITION');
    });

    it('accepts 500 numbers', async () => {
      const numbers = numberRange('+1303555', 1000, 500);
      const added = await addNumbersOk(main, numbers);

      expect(added.map((number) => number.phoneNumber)).toEqual(numbers);
      expect(added.every((number) => number.globalProcessState === STATE.CHECK_PENDING)).toBe(true);
      expect((await list(main, `states=${STATE.ANY}&pageSize=1`)).totalSize).toBe(501);
    });

    it('rejects 501 numbers and writes nothing', async () => {
      const numbers = numberRange('+1304555', 1000, 501);
      const body = await expectFlatError(await addNumbers(main, numbers), 400, 'INVALID_ARGUMENT');

      expect(violatedFields(body)).toEqual(['phoneNumbers']);
      expect(body.details?.[0]?.fieldViolations[0]?.description).toContain('501');
      expect((await list(main, `states=${STATE.ANY}&pageSize=1`)).totalSize).toBe(501);
      expect((await main.api(numberPath(numbers[0] as string))).status).toBe(404);
      expect(await queuedEligibilityChecks(main, numbers[0] as string)).toBe(0);
    });

    it('drops the queued check on delete', async () => {
      await addNumbersOk(main, ['+12025550171']);
      expect(await queuedEligibilityChecks(main, '+12025550171')).toBe(1);

      await readJson(await main.api(numberPath('+12025550171'), { method: 'DELETE' }), 200);

      expect(await queuedEligibilityChecks(main, '+12025550171')).toBe(0);
    });

    it('queues one check for parallel adds', async () => {
      const responses = await Promise.all([1, 2, 3, 4].map(() => addNumbers(main, ['+12025550172'])));
      const bodies = await Promise.all(responses.map((response) => readJson<{ qualifiedNumbers: QualifiedNumberBody[] }>(response, 200)));
      const createdTimes = new Set(bodies.map((body) => body.qualifiedNumbers[0]?.createdTime));

      expect(createdTimes.size).toBe(1);
      expect(await queuedEligibilityChecks(main, '+12025550172')).toBe(1);
    });

    it('checks eligibility once the delay has passed', async () => {
      await advanceClock(service, 60 * 60 + 1);

      const number = await waitForState(main, '+12025550170', STATE.ELIGIBLE);

      expect(number.osrEligibility.status).toBe('DONE');
    });
  });
});
