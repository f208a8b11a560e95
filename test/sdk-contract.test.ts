import type { ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { createSpecAjv, specYaml, TOLL_FREE_REQUEST_SCHEMA } from '../src/http/spec.js';
import type { DirectLoaInfo, NumberhostClient } from 'numberhost/sdk';
import { createClient } from 'numberhost/sdk';

// Every SDK method is called with a recording fetch (no server), and each request it
// sends must match exactly one operation of the spec by method and path.

const PROJECT_ID = 'contract-project';
const NUMBER = '+12025550134';
const TOLL_FREE_NUMBER = '+18885550100';
const ORDER_ID = '01jbz3r0h7k5q2m8w6x4y9t1va';

interface SpecParameter {
  name: string;
  in: string;
  required?: boolean;
}

interface SpecOperation {
  operationId: string;
  parameters?: Array<SpecParameter | { $ref: string }>;
  requestBody?: { $ref?: string; content?: Record<string, { schema?: { $ref?: string } }> };
}

interface SpecDocument {
  paths: Record<string, Record<string, SpecOperation>>;
  components: {
    parameters: Record<string, SpecParameter>;
    requestBodies: Record<string, { content: Record<string, { schema: { $ref: string } }> }>;
  };
}

interface Operation {
  operationId: string;
  method: string;
  pathTemplate: string;
  pattern: RegExp;
  queryParameters: SpecParameter[];
  /** Name of the component schema of the JSON body, if the operation takes one. */
  bodySchema: string | undefined;
}

interface RecordedRequest {
  method: string;
  url: URL;
  /** The path exactly as sent, percent-escapes included. */
  rawPath: string;
  contentType: string | null;
  body: unknown;
}

const spec = parse(specYaml()) as SpecDocument;

function patternOf(pathTemplate: string): RegExp {
  // A path parameter is one segment and never contains the colon of a custom verb.
  const source = pathTemplate
    .split(/(\{[^}]+\})/)
    .map((part) => (part.startsWith('{') ? '[^/:]+' : part.replace(/[.*+?^$()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`);
}

function schemaName(ref: string | undefined): string | undefined {
  return ref?.split('/').at(-1);
}

function bodySchemaOf(operation: SpecOperation): string | undefined {
  const requestBody = operation.requestBody;
  if (requestBody === undefined) {
    return undefined;
  }
  const content = requestBody.$ref === undefined ? requestBody.content : spec.components.requestBodies[schemaName(requestBody.$ref) ?? '']?.content;
  const name = schemaName(content?.['application/json']?.schema?.$ref);
  // The spec's toll-free schema is broken; the server and the SDK use its intended reading.
  return name === 'TextEnableTollFreeNumbersRequest' ? TOLL_FREE_REQUEST_SCHEMA : name;
}

const operations: Operation[] = Object.entries(spec.paths).flatMap(([pathTemplate, methods]) =>
  Object.entries(methods).map(([method, operation]) => ({
    operationId: operation.operationId,
    method: method.toUpperCase(),
    pathTemplate,
    pattern: patternOf(pathTemplate),
    queryParameters: (operation.parameters ?? [])
      .map((parameter) => ('$ref' in parameter ? spec.components.parameters[schemaName(parameter.$ref) ?? ''] : parameter))
      .filter((parameter): parameter is SpecParameter => parameter !== undefined && parameter.in === 'query'),
    bodySchema: bodySchemaOf(operation),
  })),
);

const ajv = createSpecAjv();
const bodyValidators = new Map<string, ValidateFunction>();

function validateBody(schema: string, body: unknown): string | undefined {
  let validate = bodyValidators.get(schema);
  if (validate === undefined) {
    validate = ajv.compile({ $ref: `imported-hosting.openapi.yaml#/components/schemas/${schema}` });
    bodyValidators.set(schema, validate);
  }
  return validate(body) ? undefined : ajv.errorsText(validate.errors);
}

/** A body every read returns: finished states, so waits end at once, and no further page. */
const FINISHED_RESOURCE = {
  hostingOrderId: ORDER_ID,
  state: 'COMPLETED',
  globalProcessState: 'GLOBAL_PROCESS_STATE_HOSTING_DONE',
  nextPageToken: '',
};

function recordingClient(): { client: NumberhostClient; requests: RecordedRequest[] } {
  const requests: RecordedRequest[] = [];
  const client = createClient({
    projectId: PROJECT_ID,
    baseUrl: 'http://127.0.0.1:9',
    auth: { method: 'basic', keyId: 'key', keySecret: 'secret' },
    fetch: async (request) => {
      const text = await request.text();
      const url = new URL(request.url);
      requests.push({
        method: request.method,
        url,
        rawPath: request.url.slice(url.origin.length).split('?')[0] ?? '',
        contentType: request.headers.get('content-type'),
        body: text === '' ? undefined : (JSON.parse(text) as unknown),
      });
      return new Response(JSON.stringify(FINISHED_RESOURCE), { status: 200, headers: { 'content-type': 'application/json' } });
    },
  });
  return { client, requests };
}

async function drain(iterable: AsyncIterable<unknown>): Promise<void> {
  for await (const item of iterable) {
    void item;
  }
}

const directLoaInfo: DirectLoaInfo = {
  authorisedPerson: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' },
  address: { buildingNumber: '1', street: 'Main St', city: 'Denver', state: 'CO', postalCode: '80202', country: 'US' },
  currentVoiceCarrier: 'TMO',
};
const ANY_ORDER = { states: 'HOSTING_ORDER_STATE_UNSPECIFIED', type: 'HOSTING_ORDER_TYPE_UNSPECIFIED', servicePlanId: '', campaignId: '' } as const;

/** Each SDK method, how to call it, and the operation it must send. */
const CALLS: Array<{ method: string; operationId: string; call: (client: NumberhostClient) => Promise<unknown> }> = [
  { method: 'importedNumbers.list', operationId: 'ImportNumberService_ListImportedNumbers', call: (c) => c.importedNumbers.list({ regionCode: 'US', 'numberPattern.pattern': '+1202', 'numberPattern.searchPattern': 'START', pageSize: 10, orderBy: 'createdTime' }) },
  { method: 'importedNumbers.iterate', operationId: 'ImportNumberService_ListImportedNumbers', call: (c) => drain(c.importedNumbers.iterate({ servicePlanId: 'plan', campaignId: '' })) },
  { method: 'importedNumbers.get', operationId: 'ImportNumberService_GetImportedNumber', call: (c) => c.importedNumbers.get(NUMBER) },
  { method: 'importedNumbers.create', operationId: 'ImportNumberService_ImportNumber', call: (c) => c.importedNumbers.create({ phoneNumber: NUMBER, regionCode: 'US', smsConfiguration: { servicePlanId: 'plan', campaignId: 'CAMP1' }, displayName: 'Line', callbackUrl: 'https://example.com/cb' }) },
  { method: 'importedNumbers.update', operationId: 'ImportNumberService_UpdateImportedNumber', call: (c) => c.importedNumbers.update(NUMBER, { displayName: 'Line', smsConfiguration: { campaignId: '' } }) },
  { method: 'importedNumbers.delete', operationId: 'ImportNumberService_DeleteImportedNumber', call: (c) => c.importedNumbers.delete(NUMBER) },
  { method: 'hostingOrders.list', operationId: 'HostingOrderService_ListHostingOrders', call: (c) => c.hostingOrders.list({ ...ANY_ORDER, regionCode: 'US', orderBy: 'updatedTime', pageSize: 5 }) },
  { method: 'hostingOrders.iterate', operationId: 'HostingOrderService_ListHostingOrders', call: (c) => drain(c.hostingOrders.iterate(ANY_ORDER)) },
  { method: 'hostingOrders.get', operationId: 'HostingOrderService_GetHostingOrder', call: (c) => c.hostingOrders.get(ORDER_ID) },
  { method: 'hostingOrders.report', operationId: 'GetHostingOrderReport', call: (c) => c.hostingOrders.report(ORDER_ID) },
  { method: 'hostingOrders.numbers', operationId: 'HostingOrderService_ListHostingOrderNumbers', call: (c) => c.hostingOrders.numbers(ORDER_ID, { osrUpdateState: 'DONE', campaignProvisioningState: 'FAILED', platformProvisioningState: 'IN_PROGRESS', pageSize: 3 }) },
  { method: 'hostingOrders.iterateNumbers', operationId: 'HostingOrderService_ListHostingOrderNumbers', call: (c) => drain(c.hostingOrders.iterateNumbers(ORDER_ID)) },
  { method: 'hostingOrders.number', operationId: 'HostingOrderService_GetHostingOrderNumber', call: (c) => c.hostingOrders.number(ORDER_ID, NUMBER) },
  { method: 'hostingOrders.importNumbers', operationId: 'HostingOrderService_ImportNumbers', call: (c) => c.hostingOrders.importNumbers({ regionCode: 'US', numbers: [NUMBER], servicePlanId: 'plan', campaignId: 'CAMP1', migrateToSinchTmo: true }) },
  { method: 'hostingOrders.textEnableNumbers', operationId: 'TextEnableNumbers', call: (c) => c.hostingOrders.textEnableNumbers({ regionCode: 'US', numbers: [NUMBER], servicePlanId: 'plan', nnid: '123456', directLoaInfo }) },
  { method: 'hostingOrders.textEnableTollFreeNumbers', operationId: 'TextEnableTollFreeNumbers', call: (c) => c.hostingOrders.textEnableTollFreeNumbers({ regionCode: 'US', numbers: [TOLL_FREE_NUMBER], servicePlanId: 'plan', directLoaInfo }) },
  { method: 'qualifiedNumbers.list', operationId: 'QualifiedNumberService_ListQualifiedNumbers', call: (c) => c.qualifiedNumbers.list({ states: 'GLOBAL_PROCESS_STATE_VERIFIED', regionCode: 'CA', pageSize: 2, orderBy: 'createdTime' }) },
  { method: 'qualifiedNumbers.iterate', operationId: 'QualifiedNumberService_ListQualifiedNumbers', call: (c) => drain(c.qualifiedNumbers.iterate({ states: 'GLOBAL_PROCESS_STATE_UNSPECIFIED' })) },
  { method: 'qualifiedNumbers.get', operationId: 'QualifiedNumberService_GetQualifiedNumber', call: (c) => c.qualifiedNumbers.get(NUMBER) },
  { method: 'qualifiedNumbers.add', operationId: 'QualifiedNumberService_BatchCreateQualifiedNumbers', call: (c) => c.qualifiedNumbers.add([NUMBER, '+12025550135']) },
  { method: 'qualifiedNumbers.delete', operationId: 'QualifiedNumberService_DeleteQualifiedNumber', call: (c) => c.qualifiedNumbers.delete(NUMBER) },
  { method: 'qualifiedNumbers.textEnableNumbers', operationId: 'QualifiedNumberService_TextEnableNumbers', call: (c) => c.qualifiedNumbers.textEnableNumbers({ regionCode: 'US', numbers: [NUMBER], servicePlanId: 'plan', campaignId: 'CAMP1', blanketLoaInfo: {} }) },
  { method: 'qualifiedNumbers.textEnableTollFreeNumbers', operationId: 'QualifiedNumbersTextEnableTollFreeNumbers', call: (c) => c.qualifiedNumbers.textEnableTollFreeNumbers({ regionCode: 'US', numbers: [TOLL_FREE_NUMBER], servicePlanId: 'plan', resellerLoaInfo: { ...directLoaInfo, businessName: 'Acme, Inc.' } }) },
  { method: 'qualifiedNumbers.sendVoiceChallenge', operationId: 'QualifiedNumberService_SendVoiceChallenge', call: (c) => c.qualifiedNumbers.sendVoiceChallenge(NUMBER) },
  { method: 'qualifiedNumbers.verifyVoiceChallenge', operationId: 'QualifiedNumberService_VerifyVoiceChallenge', call: (c) => c.qualifiedNumbers.verifyVoiceChallenge(NUMBER, '123456') },
  { method: 'callbackConfiguration.get', operationId: 'GetCallbackConfiguration', call: (c) => c.callbackConfiguration.get() },
  { method: 'callbackConfiguration.update', operationId: 'UpdateCallbackConfiguration', call: (c) => c.callbackConfiguration.update({ hmacSecret: 'secret' }) },
  { method: 'waitForHostingOrder', operationId: 'HostingOrderService_GetHostingOrder', call: (c) => c.waitForHostingOrder(ORDER_ID) },
  { method: 'waitForQualifiedNumber', operationId: 'QualifiedNumberService_GetQualifiedNumber', call: (c) => c.waitForQualifiedNumber(NUMBER) },
];

async function requestsOf(call: (client: NumberhostClient) => Promise<unknown>): Promise<RecordedRequest[]> {
  const { client, requests } = recordingClient();
  await call(client);
  return requests;
}

function matchingOperations(request: RecordedRequest): Operation[] {
  return operations.filter((operation) => operation.method === request.method && operation.pattern.test(request.rawPath));
}

describe('SDK contract with the spec', () => {
  it.each(CALLS)('$method sends $operationId', async ({ call, operationId }) => {
    const requests = await requestsOf(call);
    expect(requests.length).toBeGreaterThan(0);
    const first = requests[0] as RecordedRequest;
    const matches = matchingOperations(first);
    expect(matches.map((operation) => operation.operationId), `${first.method} ${first.rawPath}`).toEqual([operationId]);
  });

  it.each(CALLS)('$method sends only spec query parameters and bodies', async ({ call }) => {
    for (const request of await requestsOf(call)) {
      const [operation] = matchingOperations(request);
      expect(operation, `${request.method} ${request.rawPath}`).toBeDefined();
      if (operation === undefined) {
        continue;
      }
      const declared = operation.queryParameters.map((parameter) => parameter.name);
      for (const name of request.url.searchParams.keys()) {
        expect(declared, `query parameter ${name} of ${operation.operationId}`).toContain(name);
      }
      if (operation.bodySchema === undefined) {
        expect(request.body, `${operation.operationId} takes no body`).toBeUndefined();
      } else {
        expect(request.contentType).toBe('application/json');
        expect(validateBody(operation.bodySchema, request.body), JSON.stringify(request.body)).toBeUndefined();
      }
    }
  });

  it('every spec operation has a method', () => {
    const covered = new Set(CALLS.map((entry) => entry.operationId));
    const missing = operations.filter((operation) => !covered.has(operation.operationId)).map((operation) => `${operation.method} ${operation.pathTemplate}`);
    expect(missing).toEqual([]);
    expect(operations).toHaveLength(23);
  });

  it('custom verbs stay after a colon', async () => {
    const verbs: Array<[string, (client: NumberhostClient) => Promise<unknown>]> = [
      [`/v1/projects/${PROJECT_ID}/hostingOrders:importNumbers`, (c) => c.hostingOrders.importNumbers({ regionCode: 'US', numbers: [NUMBER], servicePlanId: 'plan' })],
      [`/v1/projects/${PROJECT_ID}/hostingOrders:textEnableNumbers`, (c) => c.hostingOrders.textEnableNumbers({ regionCode: 'US', numbers: [NUMBER], servicePlanId: 'plan', blanketLoaInfo: {} })],
      [`/v1/projects/${PROJECT_ID}/qualifiedNumbers:addNumbers`, (c) => c.qualifiedNumbers.add([NUMBER])],
      [`/v1/projects/${PROJECT_ID}/qualifiedNumbers/%2B12025550134:sendVoiceChallenge`, (c) => c.qualifiedNumbers.sendVoiceChallenge(NUMBER)],
      [`/v1/projects/${PROJECT_ID}/qualifiedNumbers/%2B12025550134:verifyVoiceChallenge`, (c) => c.qualifiedNumbers.verifyVoiceChallenge(NUMBER, '1234')],
    ];
    for (const [expectedPath, call] of verbs) {
      const [request] = await requestsOf(call);
      expect(request?.rawPath).toBe(expectedPath);
    }
  });

  it('textEnableNumbers is not a sub-path', async () => {
    const [request] = await requestsOf((c) => c.hostingOrders.textEnableNumbers({ regionCode: 'US', numbers: [NUMBER], servicePlanId: 'plan', blanketLoaInfo: {} }));
    expect(request?.rawPath).not.toContain('/hostingOrders/textEnableNumbers');
    expect(request?.rawPath).not.toContain('%3A');
    expect(request?.rawPath.endsWith('/hostingOrders:textEnableNumbers')).toBe(true);
  });

  it('phone numbers in paths encode the plus', async () => {
    const [request] = await requestsOf((c) => c.hostingOrders.number(ORDER_ID, NUMBER));
    expect(request?.rawPath).toBe(`/v1/projects/${PROJECT_ID}/hostingOrders/${ORDER_ID}/numbers/%2B12025550134`);
  });

  it('number patterns encode the plus in the query', async () => {
    const [request] = await requestsOf((c) => c.importedNumbers.list({ 'numberPattern.pattern': '+1202', 'numberPattern.searchPattern': 'START' }));
    expect(request?.url.search).toContain('numberPattern.pattern=%2B1202');
    expect(request?.url.searchParams.get('numberPattern.pattern')).toBe('+1202');
  });
});
