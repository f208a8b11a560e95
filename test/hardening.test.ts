import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, newDatabaseUrl } from './helpers/databases.js';
import type { TestService } from './helpers/service.js';
import { startTestService, waitUntil } from './helpers/service.js';

type ErrorBody = { code: string; status: string; details?: Array<{ fieldViolations: Array<{ field: string; description: string }> }> };

function fields(body: ErrorBody): string[] {
  return body.details?.[0]?.fieldViolations.map((violation) => violation.field) ?? [];
}

function token(body: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

describe.each(DIALECTS)('hostile input on %s', (dialect) => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService(await newDatabaseUrl(dialect));
  });

  afterAll(async () => {
    await service.close();
  });

  it.each([
    ['query', '/importedNumbers?servicePlanId=%00', 'servicePlanId'],
    ['path', '/hostingOrders/%00', 'hostingOrderId'],
  ])('NUL in the %s is a 400', async (_where, path, field) => {
    const response = await service.api(path);
    expect(response.status).toBe(400);
    expect(fields((await response.json()) as ErrorBody)).toContain(field);
  });

  it('NUL in a body string is a 400', async () => {
    const response = await service.api('/callbackConfiguration', { method: 'PATCH', body: JSON.stringify({ hmacSecret: 'a\u0000b' }) });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: number } }).error.code).toBe(400);
  });

  it('NUL in Basic credentials is a 401', async () => {
    const header = `Basic ${Buffer.from(`${service.keyId}:${service.keySecret}\u0000`).toString('base64')}`;
    const response = await fetch(`${service.baseUrl}/v1/projects/${service.projectId}/importedNumbers`, { headers: { authorization: header } });
    expect(response.status).toBe(401);
  });

  it('deeply nested values are a 400', async () => {
    const nested = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    const response = await service.api('/importedNumbers', {
      method: 'POST',
      body: `{"phoneNumber":${nested},"regionCode":"US","smsConfiguration":{"servicePlanId":"p"}}`,
    });
    expect(response.status).toBe(400);
    expect(fields((await response.json()) as ErrorBody)).toContain('phoneNumber');
  });

  it('a huge bad array lists at most 101 violations', async () => {
    const numbers = new Array(50_000).fill(0);
    const response = await service.api('/hostingOrders:importNumbers', {
      method: 'POST',
      body: JSON.stringify({ regionCode: 'US', servicePlanId: 'p', numbers }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as ErrorBody;
    expect(fields(body).length).toBeLessThanOrEqual(101);
  });

  it.each([
    ['fractional time', { v: 1, o: 'createdTime', f: 'x', t: 1.5, i: '+1' }],
    ['huge time', { v: 1, o: 'createdTime', f: 'x', t: 1e300, i: '+1' }],
    ['huge total', { v: 1, o: 'createdTime', f: 'x', t: 1, i: '+1', n: 1e300 }],
    ['odd id', { v: 1, o: 'createdTime', f: 'x', t: 1, i: 'a b' }],
  ])('forged page token with %s is a 400', async (_case, body) => {
    const response = await service.api(`/importedNumbers?pageToken=${token(body)}`);
    expect(response.status).toBe(400);
    expect(fields((await response.json()) as ErrorBody)).toContain('pageToken');
  });

  it('repeated admin query parameter is a 400', async () => {
    const response = await service.admin(`/projects/${service.projectId}/callbackDeliveries?resourceId=a&resourceId=b`);
    expect(response.status).toBe(400);
  });

  it('unknown delivery state filter is a 400', async () => {
    const response = await service.admin(`/projects/${service.projectId}/callbackDeliveries?deliveryState=BOGUS`);
    expect(response.status).toBe(400);
  });

  it.each(['http://169.254.169.254/latest', 'http://10.0.0.5/cb', 'http://[fd00::1]/cb', 'http:///x', 'http://127.0.0.1:0/cb', 'http://127.0.0.1/a b'])(
    'callbackUrl %s is refused at once',
    async (callbackUrl) => {
      const response = await service.api('/importedNumbers', {
        method: 'POST',
        body: JSON.stringify({ phoneNumber: '+12025550177', regionCode: 'US', smsConfiguration: { servicePlanId: 'p' }, callbackUrl }),
      });
      expect(response.status).toBe(400);
      expect(fields((await response.json()) as ErrorBody)).toContain('callbackUrl');
    },
  );

  it.each(['+19115550177', '+12029110177'])('N11 code in %s is a 400', async (phoneNumber) => {
    const response = await service.api('/importedNumbers', {
      method: 'POST',
      body: JSON.stringify({ phoneNumber, regionCode: 'US', smsConfiguration: { servicePlanId: 'p' } }),
    });
    expect(response.status).toBe(400);
    expect(fields((await response.json()) as ErrorBody)).toContain('phoneNumber');
  });

  it.each([
    ['/importedNumbers/%2B12025550199', 'PATCH', { smsconfiguration: { campaignId: '' } }, 'smsconfiguration', 'smsConfiguration'],
    ['/importedNumbers/%2B12025550199', 'PATCH', { smsConfiguration: { campaignID: '' } }, 'smsConfiguration.campaignID', 'campaignId'],
    ['/hostingOrders:importNumbers', 'POST', { regionCode: 'US', numbers: ['+12025550198'], servicePlanId: 'p', callbackURL: 'x' }, 'callbackURL', 'callbackUrl'],
  ])('unknown field in %s %s is a 400', async (path, method, body, field, suggestion) => {
    const response = await service.api(path, { method, body: JSON.stringify(body) });
    expect(response.status).toBe(400);
    const error = (await response.json()) as ErrorBody;
    expect(fields(error)).toContain(field);
    expect(JSON.stringify(error)).toContain(`Did you mean \\"${suggestion}\\"?`);
  });

  it('__proto__ key gets a clear 400', async () => {
    const response = await service.api('/importedNumbers', { method: 'POST', body: '{"__proto__":{"x":1},"phoneNumber":"+12025550178"}' });
    expect(response.status).toBe(400);
    expect(((await response.json()) as ErrorBody & { message: string }).message).toContain('__proto__');
  });

  it('wrong secrets are throttled per key', async () => {
    const header = (secret: string) => ({ authorization: `Basic ${Buffer.from(`${service.keyId}:${secret}`).toString('base64')}` });
    const statuses: number[] = [];
    for (let i = 0; i < 30; i += 1) {
      const response = await fetch(`${service.baseUrl}/v1/projects/${service.projectId}/importedNumbers`, { headers: header(`wrong-secret-${i}`) });
      statuses.push(response.status);
    }
    expect(statuses.slice(0, 20).every((status) => status === 401)).toBe(true);
    expect(statuses.slice(20).every((status) => status === 429)).toBe(true);
    // The good secret was verified before, so it keeps working while guesses are blocked.
    expect((await service.api('/importedNumbers')).status).toBe(200);
  });

  it('concurrent unlink and retry keep the link state true', async () => {
    const phoneNumber = '+16785550150';
    await service.admin(`/projects/${service.projectId}/campaigns/CRACE`, { method: 'PUT', body: JSON.stringify({ state: 'CAMPAIGN_EXPIRED' }) });
    await service.api('/importedNumbers', {
      method: 'POST',
      body: JSON.stringify({ phoneNumber, regionCode: 'US', smsConfiguration: { servicePlanId: 'prace', campaignId: 'CRACE' } }),
    });
    const read = async () => (await (await service.api(`/importedNumbers/${encodeURIComponent(phoneNumber)}`)).json()) as Record<string, any>;
    await waitUntil(read, (body) => body.campaignProvisioning.state === 'FAILED');
    await service.admin(`/projects/${service.projectId}/campaigns/CRACE`, { method: 'PUT', body: JSON.stringify({ state: 'ACTIVE' }) });

    await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        service.api(`/importedNumbers/${encodeURIComponent(phoneNumber)}`, {
          method: 'PATCH',
          body: JSON.stringify({ smsConfiguration: { campaignId: index % 2 === 0 ? '' : 'CRACE' } }),
        }),
      ),
    );
    const settled = await waitUntil(read, (body) => !['WAITING', 'IN_PROGRESS'].includes(body.campaignProvisioning.state));
    const { campaignProvisioning, smsConfiguration } = settled;
    const isLinked = campaignProvisioning.type === 'PROVISIONING' && campaignProvisioning.state === 'DONE';
    expect({ campaignId: smsConfiguration.campaignId, isLinked, campaignProvisioning }).toEqual({ campaignId: isLinked ? 'CRACE' : '', isLinked, campaignProvisioning });
  });
});
