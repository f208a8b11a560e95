import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Authenticator } from '../src/app/auth/authenticator.js';
import { DIALECTS, newDatabaseUrl } from './helpers/databases.js';
import { expectFlatError } from './helpers/error-bodies.js';
import type { TestService } from './helpers/service.js';
import { startTestService } from './helpers/service.js';

const HOUR_MS = 3600 * 1000;
const MINUTE_MS = 60 * 1000;
/** Imported in project B; the cross-project checks probe it and a number B does not have. */
const NUMBER_IN_B = '+12025550140';
const NUMBER_NOT_IN_B = '+12025550141';

interface AccessKey {
  projectId: string;
  keyId: string;
  keySecret: string;
}

interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in: number;
  scope: string;
}

function basic(keyId: string, keySecret: string): string {
  return `Basic ${Buffer.from(`${keyId}:${keySecret}`).toString('base64')}`;
}

function keyHeader(key: AccessKey): string {
  return basic(key.keyId, key.keySecret);
}

/** GET on a project path with the given Authorization header (none when undefined). */
function getAs(service: TestService, projectId: string, path: string, authorization: string | undefined): Promise<Response> {
  return fetch(`${service.baseUrl}/v1/projects/${projectId}${path}`, {
    headers: authorization === undefined ? {} : { authorization },
  });
}

function requestToken(service: TestService, authorization: string | undefined, form = 'grant_type=client_credentials'): Promise<Response> {
  return fetch(`${service.baseUrl}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(authorization === undefined ? {} : { authorization }) },
    body: form,
  });
}

async function createProject(service: TestService): Promise<string> {
  const response = await service.admin('/projects', { method: 'POST', body: JSON.stringify({ displayName: 'auth test project' }) });
  expect(response.status).toBe(200);
  return ((await response.json()) as { projectId: string }).projectId;
}

async function createKey(service: TestService, projectId: string): Promise<AccessKey> {
  const response = await service.admin(`/projects/${projectId}/accessKeys`, { method: 'POST' });
  expect(response.status).toBe(200);
  return (await response.json()) as AccessKey;
}

async function mintToken(service: TestService, key: AccessKey): Promise<string> {
  const response = await requestToken(service, keyHeader(key));
  expect(response.status).toBe(200);
  return ((await response.json()) as TokenResponse).access_token;
}

/** Issues a token signed with the service's key by an Authenticator whose wall clock is `offsetMs` from now. */
async function tokenIssuedAt(service: TestService, key: AccessKey, offsetMs: number): Promise<string> {
  const authenticator = new Authenticator(service.service.ctx.storage.db, () => Date.now() + offsetMs);
  await authenticator.init();
  return authenticator.issueToken({ projectId: key.projectId, keyId: key.keyId, method: 'bearer' });
}

async function expectUnauthenticated(response: Response, challenge: RegExp): Promise<void> {
  const header = response.headers.get('www-authenticate');
  await expectFlatError(response, 401, 'UNAUTHENTICATED');
  expect(header).toMatch(challenge);
}

describe.each(DIALECTS)('auth on %s', (dialect) => {
  let service: TestService;
  let keyA: AccessKey;
  let revokedKey: AccessKey;
  let revokedKeyToken: string;
  let projectB: string;
  let keyB: AccessKey;

  beforeAll(async () => {
    service = await startTestService(await newDatabaseUrl(dialect));
    keyA = { projectId: service.projectId, keyId: service.keyId, keySecret: service.keySecret };

    revokedKey = await createKey(service, service.projectId);
    revokedKeyToken = await mintToken(service, revokedKey);
    expect((await getAs(service, service.projectId, '/importedNumbers', keyHeader(revokedKey))).status).toBe(200);
    const revoked = await service.admin(`/projects/${service.projectId}/accessKeys/${revokedKey.keyId}:revoke`, { method: 'POST' });
    expect(revoked.status).toBe(200);

    projectB = await createProject(service);
    keyB = await createKey(service, projectB);
    const imported = await fetch(`${service.baseUrl}/v1/projects/${projectB}/importedNumbers`, {
      method: 'POST',
      headers: { authorization: keyHeader(keyB), 'content-type': 'application/json' },
      body: JSON.stringify({ phoneNumber: NUMBER_IN_B, regionCode: 'US', smsConfiguration: { servicePlanId: 'plan-b' } }),
    });
    expect(imported.status).toBe(200);
  });

  afterAll(async () => {
    await service.close();
  });

  describe('HTTP Basic', () => {
    it('accepts a good key', async () => {
      const response = await getAs(service, service.projectId, '/importedNumbers', keyHeader(keyA));

      expect(response.status).toBe(200);
    });

    const rejected: Array<{ name: string; authorization: () => string | undefined }> = [
      { name: 'missing credentials', authorization: () => undefined },
      { name: 'wrong secret', authorization: () => basic(keyA.keyId, `${keyA.keySecret}x`) },
      { name: 'empty secret', authorization: () => basic(keyA.keyId, '') },
      { name: 'unknown key', authorization: () => basic('00000000-0000-4000-8000-000000000000', keyA.keySecret) },
      { name: 'revoked key', authorization: () => keyHeader(revokedKey) },
      { name: 'secret of another key', authorization: () => basic(keyA.keyId, keyB.keySecret) },
      { name: 'non-base64 Basic value', authorization: () => 'Basic !!!not-base64!!!' },
      { name: 'Basic value without colon', authorization: () => `Basic ${Buffer.from('no-colon-here').toString('base64')}` },
      { name: 'bare scheme', authorization: () => 'Basic' },
      { name: 'unknown scheme', authorization: () => `Digest username="${keyA.keyId}"` },
      { name: 'credentials without scheme', authorization: () => Buffer.from(`${keyA.keyId}:${keyA.keySecret}`).toString('base64') },
    ];

    it.each(rejected)('$name gets 401 with a challenge', async ({ authorization }) => {
      const response = await getAs(service, service.projectId, '/importedNumbers', authorization());

      await expectUnauthenticated(response, /^(Basic|Bearer) realm=/);
    });
  });

  describe('OAuth2 client credentials', () => {
    it('issues a one-hour bearer token', async () => {
      const response = await requestToken(service, keyHeader(keyA));
      const body = (await response.json()) as TokenResponse;

      expect(response.status).toBe(200);
      expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'scope', 'token_type']);
      expect(body.token_type).toBe('Bearer');
      expect(body.expires_in).toBe(3600);
      expect(body.scope).toBe('');
      expect(body.access_token.length).toBeGreaterThan(20);
      expect(response.headers.get('cache-control')).toBe('no-store');
    });

    it('token works as Bearer', async () => {
      const token = await mintToken(service, keyA);
      const response = await getAs(service, service.projectId, '/importedNumbers', `Bearer ${token}`);

      expect(response.status).toBe(200);
    });

    it('wrong grant type gets 400', async () => {
      const response = await requestToken(service, keyHeader(keyA), 'grant_type=password&username=a&password=b');
      const body = (await response.json()) as { error: string };

      expect(response.status).toBe(400);
      expect(body.error).toBe('unsupported_grant_type');
    });

    it('missing grant type gets 400', async () => {
      const response = await requestToken(service, keyHeader(keyA), 'scope=');

      expect(response.status).toBe(400);
    });

    it.each([
      { name: 'wrong secret', authorization: (): string | undefined => basic(keyA.keyId, 'wrong-secret-0123456789') },
      { name: 'unknown key', authorization: (): string | undefined => basic('unknown-key', keyA.keySecret) },
      { name: 'revoked key', authorization: (): string | undefined => keyHeader(revokedKey) },
      { name: 'no client credentials', authorization: (): string | undefined => undefined },
    ])('bad client ($name) gets 401', async ({ authorization }) => {
      const response = await requestToken(service, authorization());
      const body = (await response.json()) as { error: string };

      expect(response.status).toBe(401);
      expect(body.error).toBe('invalid_client');
      expect(response.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    });

    it('expired token gets 401', async () => {
      const expired = await tokenIssuedAt(service, keyA, -(HOUR_MS + MINUTE_MS));
      const response = await getAs(service, service.projectId, '/importedNumbers', `Bearer ${expired}`);

      await expectUnauthenticated(response, /^Bearer .*error="invalid_token"/);
    });

    it('token one minute from expiry still works', async () => {
      const token = await tokenIssuedAt(service, keyA, -(HOUR_MS - MINUTE_MS));
      const response = await getAs(service, service.projectId, '/importedNumbers', `Bearer ${token}`);

      expect(response.status).toBe(200);
    });

    it('token signed with another key gets 401', async () => {
      const nowSeconds = Math.floor(Date.now() / 1000);
      const forged = await new SignJWT({ projectId: keyA.projectId })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(keyA.keyId)
        .setIssuer('numberhost')
        .setIssuedAt(nowSeconds)
        .setExpirationTime(nowSeconds + 3600)
        .sign(randomBytes(32));
      const response = await getAs(service, service.projectId, '/importedNumbers', `Bearer ${forged}`);

      await expectUnauthenticated(response, /^Bearer /);
    });

    it('token of a revoked key gets 401', async () => {
      const response = await getAs(service, service.projectId, '/importedNumbers', `Bearer ${revokedKeyToken}`);

      await expectUnauthenticated(response, /^Bearer /);
    });

    it('malformed bearer token gets 401', async () => {
      const response = await getAs(service, service.projectId, '/importedNumbers', 'Bearer not.a.jwt');

      await expectUnauthenticated(response, /^Bearer /);
    });
  });

  describe('key revocation', () => {
    it('revoke route ignores other verbs', async () => {
      const key = await createKey(service, service.projectId);
      const response = await service.admin(`/projects/${service.projectId}/accessKeys/${key.keyId}:disable`, { method: 'POST' });

      await expectFlatError(response, 404, 'NOT_FOUND');
      expect((await getAs(service, service.projectId, '/importedNumbers', keyHeader(key))).status).toBe(200);
    });

    it('revokes with the colon encoded', async () => {
      const key = await createKey(service, service.projectId);
      const response = await service.admin(`/projects/${service.projectId}/accessKeys/${key.keyId}%3Arevoke`, { method: 'POST' });

      expect(response.status).toBe(200);
      await expectUnauthenticated(await getAs(service, service.projectId, '/importedNumbers', keyHeader(key)), /^Basic realm=/);
    });
  });

  describe('project scope', () => {
    it("B's key reads B's number", async () => {
      const response = await getAs(service, projectB, `/importedNumbers/${encodeURIComponent(NUMBER_IN_B)}`, keyHeader(keyB));

      expect(response.status).toBe(200);
    });

    it("A's key on B's path gets 403", async () => {
      const response = await getAs(service, projectB, `/importedNumbers/${encodeURIComponent(NUMBER_IN_B)}`, keyHeader(keyA));

      await expectFlatError(response, 403, 'PERMISSION_DENIED');
    });

    it("A's bearer token on B's path gets 403", async () => {
      const token = await mintToken(service, keyA);
      const response = await getAs(service, projectB, '/importedNumbers', `Bearer ${token}`);

      await expectFlatError(response, 403, 'PERMISSION_DENIED');
    });

    it('403 hides whether the number exists', async () => {
      const existing = await getAs(service, projectB, `/importedNumbers/${encodeURIComponent(NUMBER_IN_B)}`, keyHeader(keyA));
      const missing = await getAs(service, projectB, `/importedNumbers/${encodeURIComponent(NUMBER_NOT_IN_B)}`, keyHeader(keyA));
      const existingBody = await existing.text();
      const missingBody = await missing.text();

      expect(existing.status).toBe(403);
      expect(missing.status).toBe(403);
      expect(missingBody).toBe(existingBody);
      expect(existingBody).not.toContain(NUMBER_IN_B);
    });

    it('403 hides whether a PATCH target exists', async () => {
      const patch = (phoneNumber: string): Promise<Response> =>
        fetch(`${service.baseUrl}/v1/projects/${projectB}/importedNumbers/${encodeURIComponent(phoneNumber)}`, {
          method: 'PATCH',
          headers: { authorization: keyHeader(keyA), 'content-type': 'application/json' },
          body: JSON.stringify({ displayName: 'taken over' }),
        });
      const existing = await patch(NUMBER_IN_B);
      const missing = await patch(NUMBER_NOT_IN_B);

      expect(existing.status).toBe(403);
      expect(await missing.text()).toBe(await existing.text());
    });

    it('refused PATCH changes nothing in B', async () => {
      const response = await getAs(service, projectB, `/importedNumbers/${encodeURIComponent(NUMBER_IN_B)}`, keyHeader(keyB));
      const body = (await response.json()) as { displayName: string };

      expect(body.displayName).toBe('');
    });

    it('project key on the admin API gets 401', async () => {
      const response = await fetch(`${service.baseUrl}/admin/v1/projects`, { headers: { authorization: keyHeader(keyA) } });

      await expectUnauthenticated(response, /^Bearer realm="numberhost-admin"/);
    });
  });
});

describe.each(DIALECTS)('Basic rate limit on %s', (dialect) => {
  const REQUESTS_PER_MINUTE = 5;
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService(await newDatabaseUrl(dialect), { NUMBERHOST_BASIC_AUTH_RPM: String(REQUESTS_PER_MINUTE) });
  });

  afterAll(async () => {
    await service.close();
  });

  it(`allows ${REQUESTS_PER_MINUTE} requests, then 429`, async () => {
    const statuses: number[] = [];
    for (let index = 0; index < REQUESTS_PER_MINUTE; index += 1) {
      statuses.push((await service.api('/importedNumbers')).status);
    }
    const limited = await service.api('/importedNumbers');
    const retryAfter = limited.headers.get('retry-after');

    expect(statuses).toEqual(Array(REQUESTS_PER_MINUTE).fill(200));
    await expectFlatError(limited, 429, 'RESOURCE_EXHAUSTED');
    expect(retryAfter).toMatch(/^[1-9]\d*$/);
  });

  it('does not limit Bearer requests', async () => {
    const key = { projectId: service.projectId, keyId: service.keyId, keySecret: service.keySecret };
    const token = await mintToken(service, key);
    const statuses: number[] = [];
    for (let index = 0; index < 4 * REQUESTS_PER_MINUTE; index += 1) {
      statuses.push((await getAs(service, service.projectId, '/importedNumbers', `Bearer ${token}`)).status);
    }

    expect(statuses).toEqual(Array(4 * REQUESTS_PER_MINUTE).fill(200));
  });

  it('limits each key on its own', async () => {
    const otherKey = await createKey(service, service.projectId);
    const response = await getAs(service, service.projectId, '/importedNumbers', keyHeader(otherKey));

    expect(response.status).toBe(200);
  });

  it('still limits the exhausted key', async () => {
    const response = await service.api('/importedNumbers');

    await expectFlatError(response, 429, 'RESOURCE_EXHAUSTED');
  });
});
