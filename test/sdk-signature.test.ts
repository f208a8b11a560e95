import { createHmac } from 'node:crypto';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { CallbackPayloadError, parseCallbackPayload, verifyCallbackSignature } from 'numberhost/sdk';

const SECRET = 'my-callback-secret';

/** Computes the signature a sender sends: lowercase hex HMAC-SHA1 of the bytes, keyed with the secret as UTF-8. */
function sign(body: Uint8Array | string, secret = SECRET): string {
  return createHmac('sha1', Buffer.from(secret, 'utf8')).update(body).digest('hex');
}

function utf8(text: string): Buffer {
  return Buffer.from(text, 'utf8');
}

/** Odd spacing, a newline and an unusual key order, as a sender might produce. */
const ODD_BODY = utf8('{ "status":"SUCCEEDED",  "eventId" : "01m91a37jv860dtwt32c5bgejv",\n"resourceType":"IMPORTED_NUMBER" , "resourceId":"+13125550142"}');
const COMPOSED_BODY = utf8('{"displayName":"Caf\u00e9 Montr\u00e9al"}'.normalize('NFC'));
const DECOMPOSED_BODY = utf8('{"displayName":"Caf\u00e9 Montr\u00e9al"}'.normalize('NFD'));
const ESCAPED_BODY = utf8('{"displayName":"Caf\\u00e9 Montr\\u00e9al"}');

describe('verifyCallbackSignature', () => {
  it('fixtures differ as bytes', () => {
    expect(COMPOSED_BODY.equals(DECOMPOSED_BODY)).toBe(false);
    expect(JSON.parse(COMPOSED_BODY.toString('utf8'))).not.toEqual(JSON.parse(DECOMPOSED_BODY.toString('utf8')));
    expect(JSON.parse(COMPOSED_BODY.toString('utf8'))).toEqual(JSON.parse(ESCAPED_BODY.toString('utf8')));
  });

  const cases: Array<{ name: string; body: Uint8Array | string; header: string; expected: boolean }> = [
    { name: 'odd spacing and key order, as Buffer', body: ODD_BODY, header: sign(ODD_BODY), expected: true },
    { name: 'odd spacing and key order, as Uint8Array', body: new Uint8Array(ODD_BODY), header: sign(ODD_BODY), expected: true },
    { name: 'odd spacing and key order, as string', body: ODD_BODY.toString('utf8'), header: sign(ODD_BODY), expected: true },
    { name: 're-serialised JSON', body: JSON.stringify(JSON.parse(ODD_BODY.toString('utf8'))), header: sign(ODD_BODY), expected: false },
    { name: 're-serialised JSON with spacing', body: JSON.stringify(JSON.parse(ODD_BODY.toString('utf8')), null, 2), header: sign(ODD_BODY), expected: false },
    { name: 'one byte appended', body: Buffer.concat([ODD_BODY, utf8('\n')]), header: sign(ODD_BODY), expected: false },
    { name: 'composed accents, own signature', body: COMPOSED_BODY, header: sign(COMPOSED_BODY), expected: true },
    { name: 'decomposed accents, own signature', body: DECOMPOSED_BODY, header: sign(DECOMPOSED_BODY), expected: true },
    { name: 'decomposed body, composed signature', body: DECOMPOSED_BODY, header: sign(COMPOSED_BODY), expected: false },
    { name: 'composed body, decomposed signature', body: COMPOSED_BODY, header: sign(DECOMPOSED_BODY), expected: false },
    { name: 'composed string, composed signature', body: COMPOSED_BODY.toString('utf8'), header: sign(COMPOSED_BODY), expected: true },
    { name: 'escaped accents, composed signature', body: ESCAPED_BODY, header: sign(COMPOSED_BODY), expected: false },
    { name: 'empty body, own signature', body: '', header: sign(''), expected: true },
    { name: 'other secret', body: ODD_BODY, header: sign(ODD_BODY, 'another-secret'), expected: false },
  ];

  it.each(cases)('$name: $expected', ({ body, header, expected }) => {
    expect(verifyCallbackSignature(body, header, SECRET)).toBe(expected);
  });

  const valid = sign(ODD_BODY);
  const malformed: Array<[string, unknown]> = [
    ['undefined', undefined],
    ['null', null],
    ['empty', ''],
    ['too short', valid.slice(0, 39)],
    ['too long', `${valid}0`],
    ['two digests', `${valid}${valid}`],
    ['non-hex', `${valid.slice(0, 39)}g`],
    ['upper case', valid.toUpperCase()],
    ['leading space', ` ${valid}`],
    ['trailing newline', `${valid}\n`],
    ['algorithm prefix', `sha1=${valid}`],
    ['base64 digest', Buffer.from(valid, 'hex').toString('base64')],
    ['non-ASCII', `${valid.slice(0, 39)}\u00e9`],
    ['number', 1234],
    ['array', [valid]],
  ];

  it.each(malformed)('%s header: false, no throw', (_name, header) => {
    expect(() => verifyCallbackSignature(ODD_BODY, header as string, SECRET)).not.toThrow();
    expect(verifyCallbackSignature(ODD_BODY, header as string, SECRET)).toBe(false);
  });

  it('empty secret throws TypeError', () => {
    expect(() => verifyCallbackSignature(ODD_BODY, valid, '')).toThrow(TypeError);
  });

  it('parsed body throws TypeError', () => {
    const parsed = JSON.parse(ODD_BODY.toString('utf8')) as unknown;
    expect(() => verifyCallbackSignature(parsed as string, valid, SECRET)).toThrow(/raw body/);
  });
});

describe('parseCallbackPayload', () => {
  const event = {
    resourceType: 'HOSTING_ORDER_NUMBER',
    eventType: 'HOSTING_PROCESS',
    eventId: '01m91a37jv860dtwt32c5bgejv',
    timestamp: '2026-12-04T20:56:57.819Z',
    projectId: '56af9e60-a285-4c7f-b5a9-d79da32a96ae',
    resourceId: '+13125550142',
    status: 'FAILED',
    failureCode: 'CAMPAIGN_EXPIRED',
  };

  it('reads every field', () => {
    expect(parseCallbackPayload(utf8(JSON.stringify(event)))).toEqual(event);
  });

  it('reads a string body', () => {
    expect(parseCallbackPayload(JSON.stringify(event)).eventType).toBe('HOSTING_PROCESS');
  });

  it('omits an absent failureCode', () => {
    const { failureCode, ...succeeded } = { ...event, status: 'SUCCEEDED' };
    void failureCode;
    expect(parseCallbackPayload(JSON.stringify(succeeded))).not.toHaveProperty('failureCode');
  });

  it('drops unknown fields', () => {
    expect(parseCallbackPayload(JSON.stringify({ ...event, extra: 1 }))).not.toHaveProperty('extra');
  });

  it('skips a UTF-8 byte order mark', () => {
    expect(parseCallbackPayload(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8(JSON.stringify(event))])).eventId).toBe(event.eventId);
  });

  const invalid: Array<[string, Uint8Array | string, RegExp]> = [
    ['empty body', '', /not JSON/],
    ['truncated JSON', JSON.stringify(event).slice(0, -1), /not JSON/],
    ['array', '[]', /must be a JSON object, got an array/],
    ['null', 'null', /got null/],
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0x7d]), /not valid UTF-8/],
    ['missing eventId', JSON.stringify({ ...event, eventId: undefined }), /no eventId/],
    ['numeric resourceId', JSON.stringify({ ...event, resourceId: 13125550142 }), /no resourceId/],
    ['unknown eventType', JSON.stringify({ ...event, eventType: 'PORT_OUT' }), /eventType "PORT_OUT", which is not one of/],
    ['unknown status', JSON.stringify({ ...event, status: 'OK' }), /status "OK"/],
    ['unknown failureCode', JSON.stringify({ ...event, failureCode: 'NOPE' }), /failureCode "NOPE"/],
    ['bad timestamp', JSON.stringify({ ...event, timestamp: 'yesterday' }), /not an ISO 8601 time/],
  ];

  it.each(invalid)('%s raises CallbackPayloadError', (_name, body, message) => {
    expect(() => parseCallbackPayload(body)).toThrow(CallbackPayloadError);
    expect(() => parseCallbackPayload(body)).toThrow(message);
  });
});

describe('raw body capture in Fastify', () => {
  // The receiver of docs/sdk.md: a JSON parser that keeps the Buffer, inside its own plugin scope.
  async function receiverApp(): Promise<{ app: ReturnType<typeof Fastify>; verdicts: boolean[] }> {
    const verdicts: boolean[] = [];
    const app = Fastify();
    await app.register(async (scope) => {
      scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
      scope.post('/callbacks', async (request, reply) => {
        const isValid = verifyCallbackSignature(request.body as Buffer, request.headers['x-sinch-signature'] as string | undefined, SECRET);
        verdicts.push(isValid);
        return reply.code(isValid ? 200 : 401).send();
      });
    });
    // Elsewhere the default parser still turns JSON into objects.
    app.post('/parsed', async (request) => ({ isValid: verifyCallbackSignature(JSON.stringify(request.body), request.headers['x-sinch-signature'] as string | undefined, SECRET) }));
    return { app, verdicts };
  }

  it('buffer parser keeps the signed bytes', async () => {
    const { app, verdicts } = await receiverApp();
    const response = await app.inject({ method: 'POST', url: '/callbacks', headers: { 'content-type': 'application/json', 'x-sinch-signature': sign(ODD_BODY) }, payload: ODD_BODY });
    expect(response.statusCode).toBe(200);
    expect(verdicts).toEqual([true]);
    await app.close();
  });

  it('re-serialised parsed body fails', async () => {
    const { app } = await receiverApp();
    const response = await app.inject({ method: 'POST', url: '/parsed', headers: { 'content-type': 'application/json', 'x-sinch-signature': sign(ODD_BODY) }, payload: ODD_BODY });
    expect(response.json()).toEqual({ isValid: false });
    await app.close();
  });
});
