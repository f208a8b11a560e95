import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BareFixtures } from './bare-server.js';
import type { BenchSession, ScenarioResult } from './harness.js';
import { compareTargets, fetchBearerToken, findMeasurement, requestJson } from './harness.js';
import { startBareServer, startNumberhost } from './server-processes.js';
import type { UsNumberSource } from './us-number-source.js';

/** Request rate numberhost must reach, as a share of the bare route's. */
export const GET_NUMBER_TARGET_RATIO = 0.4;
const SETTLE_TIMEOUT_MS = 20_000;

interface NumberView {
  smsProvisioning: { state: string };
  campaignProvisioning: { state: string };
}

/**
 * Scenario 1: `GET /v1/projects/{p}/importedNumbers/%2B1...` for one imported number,
 * with a bearer token and with HTTP Basic, against a bare Fastify route returning the
 * same JSON. The number is imported with a campaign and read once both of its steps are
 * DONE, so every response has the same body.
 */
export async function runGetNumberScenario(session: BenchSession, numbers: UsNumberSource): Promise<ScenarioResult> {
  const server = await startNumberhost(session, 'get-number');
  try {
    const token = await fetchBearerToken(server.url, server.keyId, server.keySecret);
    const bearer = `Bearer ${token}`;
    const basic = `Basic ${Buffer.from(`${server.keyId}:${server.keySecret}`).toString('base64')}`;
    const phoneNumber = numbers.next();
    const collection = `${server.url}/v1/projects/${server.projectId}/importedNumbers`;
    await requestJson(collection, bearer, {
      method: 'POST',
      body: { phoneNumber, regionCode: 'US', displayName: 'bench number', smsConfiguration: { servicePlanId: 'bench-plan', campaignId: 'BENCHCAMPAIGN' } },
    });
    const path = `/v1/projects/${server.projectId}/importedNumbers/${encodeURIComponent(phoneNumber)}`;
    const settled = await waitForDone(`${server.url}${path}`, bearer);

    const fixturePath = join(session.tempDir, 'get-number-fixtures.json');
    const fixtures: BareFixtures = { importedNumber: settled };
    writeFileSync(fixturePath, JSON.stringify(fixtures));
    const bare = await startBareServer(session, 'get-number-bare', fixturePath);
    try {
      const measurements = await compareTargets(session, [
        { label: 'numberhost GET number (bearer)', options: { url: `${server.url}${path}`, headers: { authorization: bearer } } },
        { label: 'numberhost GET number (Basic)', options: { url: `${server.url}${path}`, headers: { authorization: basic } } },
        { label: 'bare Fastify GET', options: { url: `${bare.url}${path}` } },
      ]);
      const bareRate = findMeasurement(measurements, 'bare Fastify GET').median;
      const bearerRatio = findMeasurement(measurements, 'numberhost GET number (bearer)').median / bareRate;
      const basicRatio = findMeasurement(measurements, 'numberhost GET number (Basic)').median / bareRate;
      return {
        title: 'GET one imported number',
        measurements,
        ratios: [
          { label: 'numberhost (bearer) / bare', value: bearerRatio },
          { label: 'numberhost (Basic) / bare', value: basicRatio },
        ],
        targets: [
          {
            description: `numberhost GET (bearer) at least ${GET_NUMBER_TARGET_RATIO * 100}% of the bare route's requests/s`,
            isMet: bearerRatio >= GET_NUMBER_TARGET_RATIO,
            detail: `${(bearerRatio * 100).toFixed(1)}% of bare`,
          },
        ],
        notes: [
          `Response body: ${JSON.stringify(settled).length} bytes.`,
          server.describeWarnings(),
        ],
      };
    } finally {
      await bare.stop();
    }
  } finally {
    await server.stop();
  }
}

async function waitForDone(url: string, authorization: string): Promise<Record<string, unknown>> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  for (;;) {
    const view = await requestJson<NumberView & Record<string, unknown>>(url, authorization);
    if (view.smsProvisioning.state === 'DONE' && view.campaignProvisioning.state === 'DONE') {
      return view;
    }
    if (Date.now() > deadline) {
      throw new Error(`The benchmark number did not reach DONE within ${SETTLE_TIMEOUT_MS} ms: ${JSON.stringify(view)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
