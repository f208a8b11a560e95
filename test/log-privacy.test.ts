/**
 * Runs qualification and text-enablement with the production log settings at debug
 * level and checks that no log line contains a secret or the LOA's personal data: the
 * signing token, the voice code, the signer's name, e-mail and address, the callback
 * secret and the key secret.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { createLogger } from '../src/service.js';
import { newSqliteUrl } from './helpers/databases.js';
import type { TestService } from './helpers/service.js';
import { startTestService, waitUntil } from './helpers/service.js';

const PERSON = { firstName: 'Quintessa', lastName: 'Lognotova', email: 'quintessa.private@example.com' };
const ADDRESS = { buildingNumber: '771', street: 'Hiddenmeadow Lane', city: 'Springfield', state: 'IL', postalCode: '62704', country: 'US' };
const HMAC_SECRET = 'log-privacy-hmac-secret';
const NUMBERS = ['+12175550121', '+12175550122'];

describe('log privacy', () => {
  const lines: string[] = [];
  let service: TestService;
  const secrets: string[] = [HMAC_SECRET, PERSON.firstName, PERSON.lastName, PERSON.email, ADDRESS.street];

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        lines.push(...chunk.toString('utf8').split('\n').filter((line) => line !== ''));
        callback();
      },
    });
    const logger = createLogger(loadConfig({ LOG_LEVEL: 'debug', NODE_ENV: 'production' }), sink);
    service = await startTestService(newSqliteUrl(), { NUMBERHOST_ELIGIBILITY_DELAY_MS: '0', NUMBERHOST_VOICE_CALL_INTERVAL_S: '0' }, { logger });
    secrets.push(service.keySecret);
  });

  afterAll(async () => {
    await service?.close();
  });

  it('logs no secret or personal data through a whole text-enable order', async () => {
    expect((await service.api('/callbackConfiguration', { method: 'PATCH', body: JSON.stringify({ hmacSecret: HMAC_SECRET }) })).status).toBe(200);
    expect((await service.api('/qualifiedNumbers:addNumbers', { method: 'POST', body: JSON.stringify({ phoneNumbers: NUMBERS }) })).status).toBe(200);
    for (const phoneNumber of NUMBERS) {
      await waitUntil(
        async () => ((await (await service.api(`/qualifiedNumbers/${encodeURIComponent(phoneNumber)}`)).json()) as { globalProcessState: string }).globalProcessState,
        (state) => state === 'GLOBAL_PROCESS_STATE_ELIGIBLE',
      );
    }
    const first = encodeURIComponent(NUMBERS[0] as string);
    expect((await service.api(`/qualifiedNumbers/${first}:sendVoiceChallenge`, { method: 'POST' })).status).toBe(200);
    const calls = await waitUntil(
      async () => ((await (await service.admin(`/projects/${service.projectId}/voiceCalls`)).json()) as { voiceCalls: Array<{ code: string; state: string }> }).voiceCalls,
      (list) => list[0]?.state === 'ANSWERED',
    );
    const code = calls[0]?.code as string;
    secrets.push(code);
    const verified = await service.api(`/qualifiedNumbers/${first}:verifyVoiceChallenge`, { method: 'POST', body: JSON.stringify({ code }) });
    expect(((await verified.json()) as { globalProcessState: string }).globalProcessState).toBe('GLOBAL_PROCESS_STATE_VERIFIED');
    const second = encodeURIComponent(NUMBERS[1] as string);
    expect((await service.admin(`/projects/${service.projectId}/qualifiedNumbers/${second}:approveOwnership`, { method: 'POST' })).status).toBe(200);

    const created = await service.api('/qualifiedNumbers:textEnableNumbers', {
      method: 'POST',
      body: JSON.stringify({
        numbers: NUMBERS,
        regionCode: 'US',
        servicePlanId: 'plan-log',
        directLoaInfo: { authorisedPerson: PERSON, address: ADDRESS, currentVoiceCarrier: 'Verizon' },
      }),
    });
    expect(created.status, await created.clone().text()).toBe(200);
    const { hostingOrderId } = (await created.json()) as { hostingOrderId: string };
    const emails = await waitUntil(
      async () => ((await (await service.admin(`/projects/${service.projectId}/emails?hostingOrderId=${hostingOrderId}`)).json()) as { emails: Array<{ links: string[] }> }).emails,
      (list) => list.length === 1,
    );
    const link = new URL(emails[0]?.links[0] as string);
    const token = link.pathname.split('/').at(-1) as string;
    secrets.push(token);

    const page = await fetch(`${service.baseUrl}${link.pathname}`);
    const html = await page.text();
    const csrfToken = /name="csrfToken" value="([^"]+)"/.exec(html)?.[1] as string;
    const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    secrets.push(csrfToken);
    const form = new URLSearchParams({ csrfToken, action: 'sign', fullName: `${PERSON.firstName} ${PERSON.lastName}`, consent: 'yes' });
    const signed = await fetch(`${service.baseUrl}${link.pathname}`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    });
    expect(signed.status).toBe(200);
    expect((await fetch(`${service.baseUrl}${link.pathname}/document.pdf`)).status).toBe(200);
    await waitUntil(
      async () => ((await (await service.api(`/hostingOrders/${hostingOrderId}`)).json()) as { state: string }).state,
      (state) => state === 'COMPLETED',
    );

    expect(lines.length).toBeGreaterThan(20);
    expect(lines.some((line) => line.includes('/loa/[token]'))).toBe(true);
    for (const secret of secrets) {
      expect(
        lines.filter((line) => line.includes(secret)),
        `log lines holding ${secret.slice(0, 4)}…`,
      ).toEqual([]);
    }
  });
});
