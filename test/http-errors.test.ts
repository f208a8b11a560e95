import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, newDatabaseUrl } from './helpers/databases.js';
import { expectFlatError, expectWrappedError, violatedFields } from './helpers/error-bodies.js';
import type { TestService } from './helpers/service.js';
import { startTestService } from './helpers/service.js';
import { assertMatchesSpec } from './helpers/spec-responses.js';

const DEFAULT_BODY_LIMIT_BYTES = 1_048_576;
const SMALL_BODY_LIMIT_BYTES = 2048;
const JSON_TYPE = { 'content-type': 'application/json' };

/** Builds a JSON object of exactly `bytes` bytes. */
function jsonOfSize(bytes: number): string {
  const frame = '{"displayName":""}';
  return `{"displayName":"${'x'.repeat(bytes - frame.length)}"}`;
}

interface HttpErrorCase {
  name: string;
  method: string;
  /** Path after the base URL; `{p}` stands for the project id. */
  path: string;
  headers?: Record<string, string>;
  body?: string;
  httpStatus: number;
  status: string;
  /** The field a 400 must name. */
  field?: string;
}

const ORDER_PATH = '/v1/projects/{p}/hostingOrders/01jxyzxyzxyzxyzxyzxyzxyzxy';

const FLAT_CASES: HttpErrorCase[] = [
  { name: 'malformed JSON on import', method: 'POST', path: '/v1/projects/{p}/importedNumbers', headers: JSON_TYPE, body: '{"phoneNumber": "+1202', httpStatus: 400, status: 'INVALID_ARGUMENT', field: '(body)' },
  { name: 'malformed JSON on order', method: 'POST', path: '/v1/projects/{p}/hostingOrders:importNumbers', headers: JSON_TYPE, body: "{numbers: ['+12025550101']}", httpStatus: 400, status: 'INVALID_ARGUMENT', field: '(body)' },
  { name: 'malformed JSON on PATCH', method: 'PATCH', path: '/v1/projects/{p}/importedNumbers/%2B12025550134', headers: JSON_TYPE, body: '{"displayName": }', httpStatus: 400, status: 'INVALID_ARGUMENT', field: '(body)' },
  { name: 'empty JSON body', method: 'POST', path: '/v1/projects/{p}/importedNumbers', headers: JSON_TYPE, body: '', httpStatus: 400, status: 'INVALID_ARGUMENT', field: '(body)' },
  { name: 'JSON null body', method: 'POST', path: '/v1/projects/{p}/importedNumbers', headers: JSON_TYPE, body: 'null', httpStatus: 400, status: 'INVALID_ARGUMENT', field: '(body)' },
  { name: 'text/plain body', method: 'POST', path: '/v1/projects/{p}/importedNumbers', headers: { 'content-type': 'text/plain' }, body: '{}', httpStatus: 415, status: 'INVALID_ARGUMENT' },
  { name: 'text/plain on order', method: 'POST', path: '/v1/projects/{p}/hostingOrders:importNumbers', headers: { 'content-type': 'text/plain; charset=utf-8' }, body: '{}', httpStatus: 415, status: 'INVALID_ARGUMENT' },
  { name: 'XML body', method: 'POST', path: '/v1/projects/{p}/importedNumbers', headers: { 'content-type': 'application/xml' }, body: '<importedNumber/>', httpStatus: 415, status: 'INVALID_ARGUMENT' },
  { name: 'form body', method: 'PATCH', path: '/v1/projects/{p}/importedNumbers/%2B12025550134', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'displayName=x', httpStatus: 415, status: 'INVALID_ARGUMENT' },
  {
    name: 'body over the default limit',
    method: 'POST',
    path: '/v1/projects/{p}/importedNumbers',
    headers: JSON_TYPE,
    body: jsonOfSize(DEFAULT_BODY_LIMIT_BYTES + 1),
    httpStatus: 413,
    status: 'INVALID_ARGUMENT',
  },
  {
    name: 'order body over the limit',
    method: 'POST',
    path: '/v1/projects/{p}/hostingOrders:importNumbers',
    headers: JSON_TYPE,
    body: jsonOfSize(DEFAULT_BODY_LIMIT_BYTES + 100),
    httpStatus: 413,
    status: 'INVALID_ARGUMENT',
  },
  { name: 'bad percent-escape in path', method: 'GET', path: '/v1/projects/{p}/importedNumbers/%E0%A4%A', httpStatus: 400, status: 'INVALID_ARGUMENT', field: '(path)' },
  { name: 'over-long path segment', method: 'GET', path: `/v1/projects/{p}/importedNumbers/${'1'.repeat(300)}`, httpStatus: 400, status: 'INVALID_ARGUMENT', field: '(path)' },
  { name: 'unknown route in project', method: 'GET', path: '/v1/projects/{p}/portingOrders', httpStatus: 404, status: 'NOT_FOUND' },
  { name: 'unknown custom verb', method: 'POST', path: '/v1/projects/{p}/hostingOrders:exportNumbers', headers: JSON_TYPE, body: '{}', httpStatus: 404, status: 'NOT_FOUND' },
  { name: 'unknown API version', method: 'GET', path: '/v2/projects/{p}/importedNumbers', httpStatus: 404, status: 'NOT_FOUND' },
  { name: 'PUT on the collection', method: 'PUT', path: '/v1/projects/{p}/importedNumbers', headers: JSON_TYPE, body: '{}', httpStatus: 404, status: 'NOT_FOUND' },
  { name: 'POST on one number', method: 'POST', path: '/v1/projects/{p}/importedNumbers/%2B12025550134', headers: JSON_TYPE, body: '{}', httpStatus: 404, status: 'NOT_FOUND' },
  { name: 'GET on a custom verb', method: 'GET', path: '/v1/projects/{p}/hostingOrders:importNumbers', httpStatus: 404, status: 'NOT_FOUND' },
  { name: 'DELETE on an order', method: 'DELETE', path: ORDER_PATH, httpStatus: 404, status: 'NOT_FOUND' },
];

const CALLBACK_CONFIGURATION_PATH = '/v1/projects/{p}/callbackConfiguration';

const WRAPPED_CASES: HttpErrorCase[] = [
  { name: 'hmacSecret as number', method: 'PATCH', path: CALLBACK_CONFIGURATION_PATH, headers: JSON_TYPE, body: '{"hmacSecret": 5}', httpStatus: 400, status: 'INVALID_ARGUMENT', field: 'hmacSecret' },
  { name: 'hmacSecret of 257 characters', method: 'PATCH', path: CALLBACK_CONFIGURATION_PATH, headers: JSON_TYPE, body: JSON.stringify({ hmacSecret: 's'.repeat(257) }), httpStatus: 400, status: 'INVALID_ARGUMENT', field: 'hmacSecret' },
  { name: 'malformed JSON', method: 'PATCH', path: CALLBACK_CONFIGURATION_PATH, headers: JSON_TYPE, body: '{"hmacSecret": "abc', httpStatus: 400, status: 'INVALID_ARGUMENT', field: '(body)' },
  { name: 'body as array', method: 'PATCH', path: CALLBACK_CONFIGURATION_PATH, headers: JSON_TYPE, body: '["abc"]', httpStatus: 400, status: 'INVALID_ARGUMENT', field: '(body)' },
  { name: 'text/plain body', method: 'PATCH', path: CALLBACK_CONFIGURATION_PATH, headers: { 'content-type': 'text/plain' }, body: '{"hmacSecret":"abc"}', httpStatus: 415, status: 'INVALID_ARGUMENT' },
  {
    name: 'body over the limit',
    method: 'PATCH',
    path: CALLBACK_CONFIGURATION_PATH,
    headers: JSON_TYPE,
    body: jsonOfSize(DEFAULT_BODY_LIMIT_BYTES + 1),
    httpStatus: 413,
    status: 'INVALID_ARGUMENT',
  },
];

describe.each(DIALECTS)('HTTP errors on %s', (dialect) => {
  let service: TestService;
  let smallLimitService: TestService;
  const secret = 'unchanged-secret-0123';

  function send(target: TestService, testCase: HttpErrorCase): Promise<Response> {
    const authorization = `Basic ${Buffer.from(`${target.keyId}:${target.keySecret}`).toString('base64')}`;
    return fetch(`${target.baseUrl}${testCase.path.replace('{p}', target.projectId)}`, {
      method: testCase.method,
      headers: { authorization, ...testCase.headers },
      ...(testCase.body === undefined ? {} : { body: testCase.body }),
    });
  }

  beforeAll(async () => {
    service = await startTestService(await newDatabaseUrl(dialect));
    smallLimitService = await startTestService(await newDatabaseUrl(dialect), { NUMBERHOST_BODY_LIMIT_BYTES: String(SMALL_BODY_LIMIT_BYTES) });
    const configured = await service.api('/callbackConfiguration', { method: 'PATCH', body: JSON.stringify({ hmacSecret: secret }) });
    expect(configured.status).toBe(200);
  });

  afterAll(async () => {
    await service.close();
    await smallLimitService.close();
  });

  it.each(FLAT_CASES)('$name gets $httpStatus in the flat shape', async (testCase) => {
    const body = await expectFlatError(await send(service, testCase), testCase.httpStatus, testCase.status);

    expect(body).not.toHaveProperty('error');
    if (testCase.field !== undefined) {
      expect(violatedFields(body)).toEqual([testCase.field]);
    }
  });

  it.each(WRAPPED_CASES)('callbackConfiguration $name gets $httpStatus wrapped', async (testCase) => {
    const body = await expectWrappedError(await send(service, testCase), testCase.httpStatus, testCase.status);

    if (testCase.field !== undefined) {
      expect(body.error.details[0]?.type).toBe('BadRequest');
      expect(violatedFields(body.error)).toEqual([testCase.field]);
    }
    if (testCase.httpStatus === 400) {
      assertMatchesSpec('PATCH', '/v1/projects/p/callbackConfiguration', 400, body);
    }
  });

  it('keeps the HMAC secret after rejected PATCHes', async () => {
    const response = await service.api('/callbackConfiguration');
    const body = (await response.json()) as { hmacSecret: string };

    expect(response.status).toBe(200);
    expect(body.hmacSecret).toBe(secret);
  });

  it('accepts a body of exactly the limit', async () => {
    const response = await send(smallLimitService, {
      name: 'at the limit',
      method: 'POST',
      path: '/v1/projects/{p}/importedNumbers',
      headers: JSON_TYPE,
      body: jsonOfSize(SMALL_BODY_LIMIT_BYTES),
      httpStatus: 400,
      status: 'INVALID_ARGUMENT',
    });
    const body = await expectFlatError(response, 400, 'INVALID_ARGUMENT');

    // A 400 naming the missing required fields shows that the body was read, not rejected for its size.
    expect(violatedFields(body)).toEqual(['regionCode', 'smsConfiguration']);
  });

  it('rejects one byte over a configured limit', async () => {
    const response = await send(smallLimitService, {
      name: 'over the limit',
      method: 'POST',
      path: '/v1/projects/{p}/importedNumbers',
      headers: JSON_TYPE,
      body: jsonOfSize(SMALL_BODY_LIMIT_BYTES + 1),
      httpStatus: 413,
      status: 'INVALID_ARGUMENT',
    });
    const body = await expectFlatError(response, 413, 'INVALID_ARGUMENT');

    expect(body.message).toContain(String(SMALL_BODY_LIMIT_BYTES));
  });
});
