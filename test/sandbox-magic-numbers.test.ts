/**
 * Runs every implemented row of the tables in docs/sandbox.md through the HTTP API.
 * The expectations come from the document itself, so the page and the behaviour
 * cannot drift apart.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAMPAIGN_STATES } from '../src/app/catalog-admin.js';
import { FAILURE_CODES } from '../src/domain/events.js';
import { MAGIC_BEHAVIOURS } from '../src/domain/magic-numbers.js';
import { DIALECTS, newDatabaseUrl } from './helpers/databases.js';
import { CallbackReceiver } from './helpers/receiver.js';
import type { TestService } from './helpers/service.js';
import { startTestService, waitUntil } from './helpers/service.js';

const SANDBOX_DOC = readFileSync(new URL('../docs/sandbox.md', import.meta.url), 'utf8');

/** Reads the rows of the Markdown table whose header starts with `| firstHeader |`, keyed by header, backticks removed. */
function markdownTable(markdown: string, firstHeader: string): Array<Record<string, string>> {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => line.startsWith(`| ${firstHeader} |`));
  if (start === -1) {
    throw new Error(`docs/sandbox.md has no table starting with "| ${firstHeader} |"`);
  }
  const cells = (line: string) =>
    line
      .trim()
      .replace(/^\||\|$/g, '')
      .split('|')
      .map((cell) => cell.trim().replace(/`/g, ''));
  const headers = cells(lines[start] as string);
  const rows: Array<Record<string, string>> = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) {
      break;
    }
    const values = cells(line);
    rows.push(Object.fromEntries(headers.map((header, index) => [header, values[index] ?? ''])));
  }
  return rows;
}

interface StepExpectation {
  state: string;
  errorCode: string;
}

/** Parses "FAILED (PROVISIONING_FAILED)" or "DONE". */
function parseStep(cell: string): StepExpectation {
  const match = /^([A-Z_]+)(?: \(([A-Z0-9_]+)\))?$/.exec(cell);
  if (!match) {
    throw new Error(`Unreadable step cell in docs/sandbox.md: "${cell}"`);
  }
  return { state: match[1] as string, errorCode: match[2] ?? '' };
}

/** Parses "PROVISIONING_TO_SMS_PLATFORM SUCCEEDED, LINK_TO_10DLC_CAMPAIGN FAILED CODE" into sorted event strings. */
function parseEvents(cell: string): string[] {
  return cell === '—' ? [] : cell.split(', ').map((event) => event.trim()).sort();
}

interface MagicRow {
  line: string;
  behaviour: string;
  flow: string;
  sms: StepExpectation | undefined;
  campaign: StepExpectation | undefined;
  events: string[];
  orderEvent: string;
}

const MAGIC_ROWS: MagicRow[] = markdownTable(SANDBOX_DOC, 'Line').map((row) => ({
  line: row.Line as string,
  behaviour: row.Behaviour as string,
  flow: row.Flow as string,
  sms: row.smsProvisioning === '—' ? undefined : parseStep(row.smsProvisioning as string),
  campaign: row.campaignProvisioning === '—' ? undefined : parseStep(row.campaignProvisioning as string),
  events: parseEvents(row.Callbacks as string),
  orderEvent: row['In an import order'] as string,
}));
const IMPLEMENTED_ROWS = MAGIC_ROWS;
const QUALIFICATION_ROWS = markdownTable(SANDBOX_DOC, 'Qualification line').map((row) => ({
  line: row['Qualification line'] as string,
  behaviour: row.Behaviour as string,
  flow: row.Flow as string,
  state: row.globalProcessState as string,
  detail: row.Detail as string,
  events: parseEvents(row.Callbacks as string),
}));
const ORDER_ROWS = IMPLEMENTED_ROWS.filter((row) => row.orderEvent !== '—');
const CAMPAIGN_ROWS = markdownTable(SANDBOX_DOC, 'Campaign state').map((row) => ({
  state: row['Campaign state'] as string,
  result: row['Link result'] as string,
  failureCode: row.failureCode as string,
}));
const CAMPAIGN_FAILURE_ROWS = CAMPAIGN_ROWS.filter((row) => row.result === 'fails');

const FINAL_STATES = ['DONE', 'FAILED', 'STATE_UNSPECIFIED'];
const CARRIERS = ['smsAtt', 'smsTmo', 'mmsAtt', 'mmsTmo'] as const;

interface StepView {
  type: string;
  state: string;
  errorCode: string;
}

interface NumberView {
  smsProvisioning: StepView;
  campaignProvisioning: StepView;
  mnoConfiguration: Record<(typeof CARRIERS)[number], { state: string; errorCode: string }>;
}

interface DeliveryView {
  eventId: string;
  resourceType: string;
  eventType: string;
  status: string;
  failureCode: string;
}

interface QualifiedView {
  globalProcessState: string;
  osrEligibility: { status: string };
  ownershipVerification: { status: string };
  hostedNumber: { status: number };
}

function isFinal(view: NumberView): boolean {
  return FINAL_STATES.includes(view.smsProvisioning.state) && FINAL_STATES.includes(view.campaignProvisioning.state);
}

function eventLabel(delivery: DeliveryView): string {
  return [delivery.eventType, delivery.status, delivery.failureCode].filter((part) => part !== '').join(' ');
}

/** Returns true for the partner-outage lines. They retry with backoff, and the test skips those waits with the virtual clock. */
function needsClockAdvance(behaviour: string): boolean {
  return behaviour.endsWith('_OUTAGE_CLEARS');
}

describe('sandbox docs', () => {
  it('magic tables list every magic line', () => {
    const documented = [...MAGIC_ROWS, ...QUALIFICATION_ROWS].map((row) => [row.line, row.behaviour]).sort();
    expect(documented).toEqual(Object.entries(MAGIC_BEHAVIOURS).sort());
  });

  it('magic table rows are complete', () => {
    for (const row of MAGIC_ROWS) {
      expect(['import', 'unlink'], row.line).toContain(row.flow);
      expect(row.sms, row.line).toBeDefined();
      expect(row.campaign, row.line).toBeDefined();
      expect(row.events.length, row.line).toBeGreaterThan(0);
    }
    for (const row of QUALIFICATION_ROWS) {
      expect(['qualify', 'verify', 'text-enable'], row.line).toContain(row.flow);
      expect(row.state, row.line).toMatch(/^GLOBAL_PROCESS_STATE_/);
    }
  });

  it('campaign state table matches the admin API', () => {
    expect(CAMPAIGN_ROWS.map((row) => row.state)).toEqual([...CAMPAIGN_STATES]);
    for (const row of CAMPAIGN_FAILURE_ROWS) {
      expect(row.failureCode, row.state).toBe(row.state);
    }
  });

  it('failure code table lists every callback failureCode', () => {
    const documented = markdownTable(SANDBOX_DOC, 'failureCode').map((row) => row.failureCode);
    expect(documented).toEqual([...FAILURE_CODES]);
  });
});

describe.each(DIALECTS)('sandbox on %s', (dialect) => {
  let service: TestService;
  const receiver = new CallbackReceiver();
  let callbackUrl: string;

  beforeAll(async () => {
    service = await startTestService(await newDatabaseUrl(dialect), { NUMBERHOST_ELIGIBILITY_DELAY_MS: '0' });
    callbackUrl = await receiver.start();
    const approved = await service.admin(`/projects/${service.projectId}`, { method: 'PATCH', body: JSON.stringify({ isBlanketLoaApproved: true }) });
    expect(approved.status, await approved.clone().text()).toBe(200);
  });

  afterAll(async () => {
    await service?.close();
    await receiver.stop();
  });

  async function advanceClock(seconds: number): Promise<void> {
    const response = await service.admin('/clock:advance', { method: 'POST', body: JSON.stringify({ seconds }) });
    expect(response.status).toBe(200);
  }

  async function readNumber(phoneNumber: string): Promise<NumberView> {
    const response = await service.api(`/importedNumbers/${encodeURIComponent(phoneNumber)}`);
    expect(response.status).toBe(200);
    return (await response.json()) as NumberView;
  }

  async function waitForFinalNumber(phoneNumber: string, isAdvancingClock: boolean): Promise<NumberView> {
    return waitUntil(async () => {
      if (isAdvancingClock) {
        await advanceClock(10);
      }
      return readNumber(phoneNumber);
    }, isFinal);
  }

  async function importNumber(phoneNumber: string, smsConfiguration: Record<string, string>): Promise<void> {
    const response = await service.api('/importedNumbers', {
      method: 'POST',
      body: JSON.stringify({ phoneNumber, regionCode: 'US', smsConfiguration, callbackUrl }),
    });
    expect(response.status, await response.clone().text()).toBe(200);
  }

  async function putCatalogEntry(kind: 'campaigns' | 'servicePlans', id: string, state: string): Promise<void> {
    const response = await service.admin(`/projects/${service.projectId}/${kind}/${id}`, { method: 'PUT', body: JSON.stringify({ state }) });
    expect(response.status, await response.clone().text()).toBe(200);
  }

  /** Lists every event recorded for a number, after checking that the receiver got each one. */
  async function recordedEvents(phoneNumber: string): Promise<DeliveryView[]> {
    const response = await service.admin(`/projects/${service.projectId}/callbackDeliveries?resourceId=${encodeURIComponent(phoneNumber)}`);
    expect(response.status).toBe(200);
    const { callbackDeliveries } = (await response.json()) as { callbackDeliveries: DeliveryView[] };
    const eventIds = callbackDeliveries.map((delivery) => delivery.eventId);
    await receiver.waitFor((payloads) => eventIds.every((eventId) => payloads.some((payload) => payload.eventId === eventId)));
    return callbackDeliveries;
  }

  it.each(IMPLEMENTED_ROWS.map((row) => [row.line, row.behaviour, row] as const))('magic line %s (%s) on a single import', async (_line, _behaviour, row) => {
    const phoneNumber = `+1202555${row.line}`;
    const isAdvancingClock = needsClockAdvance(row.behaviour);
    await importNumber(phoneNumber, { servicePlanId: 'plan-a', campaignId: 'CAMPA' });
    let view = await waitForFinalNumber(phoneNumber, isAdvancingClock);
    let expectedType = 'PROVISIONING';

    if (row.flow === 'unlink') {
      expect(view.smsProvisioning.state).toBe('DONE');
      expect(view.campaignProvisioning.state).toBe('DONE');
      const unlink = await service.api(`/importedNumbers/${encodeURIComponent(phoneNumber)}`, {
        method: 'PATCH',
        body: JSON.stringify({ smsConfiguration: { servicePlanId: '', campaignId: '' } }),
      });
      expect(unlink.status, await unlink.clone().text()).toBe(200);
      view = await waitForFinalNumber(phoneNumber, isAdvancingClock);
      expectedType = 'DEPROVISIONING';
    }

    expect(view.smsProvisioning.type).toBe(expectedType);
    expect(view.smsProvisioning.state).toBe(row.sms?.state);
    expect(view.smsProvisioning.errorCode).toBe(row.sms?.errorCode);
    expect(view.campaignProvisioning.type).toBe(expectedType);
    expect(view.campaignProvisioning.state).toBe(row.campaign?.state);
    expect(view.campaignProvisioning.errorCode).toBe(row.campaign?.errorCode);

    const events = await recordedEvents(phoneNumber);
    expect(events.map(eventLabel).sort()).toEqual(row.events);
    expect(new Set(events.map((event) => event.resourceType))).toEqual(new Set(['IMPORTED_NUMBER']));
  });

  it.each(ORDER_ROWS.map((row) => [row.line, row.behaviour, row] as const))('magic line %s (%s) in an import order', async (_line, _behaviour, row) => {
    const phoneNumber = `+1303555${row.line}`;
    const created = await service.api('/hostingOrders:importNumbers', {
      method: 'POST',
      body: JSON.stringify({ numbers: [phoneNumber], regionCode: 'US', servicePlanId: 'plan-a', campaignId: 'CAMPA', callbackUrl }),
    });
    expect(created.status, await created.clone().text()).toBe(200);
    const { hostingOrderId } = (await created.json()) as { hostingOrderId: string };

    const order = await waitUntil(
      async () => {
        if (needsClockAdvance(row.behaviour)) {
          await advanceClock(10);
        }
        return (await (await service.api(`/hostingOrders/${hostingOrderId}`)).json()) as { state: string };
      },
      (body) => body.state === 'COMPLETED',
    );
    expect(order.state).toBe('COMPLETED');

    const numberResponse = await service.api(`/hostingOrders/${hostingOrderId}/numbers/${encodeURIComponent(phoneNumber)}`);
    const orderNumber = (await numberResponse.json()) as { platformProvisioning: { state: string }; campaignProvisioning: { state: string } };
    expect(orderNumber.platformProvisioning.state).toBe(row.sms?.state);
    expect(orderNumber.campaignProvisioning.state).toBe(row.campaign?.state);

    const events = await recordedEvents(phoneNumber);
    expect(events.map(eventLabel).sort()).toEqual([...row.events, row.orderEvent].sort());
    expect(new Set(events.map((event) => event.resourceType))).toEqual(new Set(['HOSTING_ORDER_NUMBER']));
  });

  it('magic line 0190 with migrateToSinchTmo succeeds', async () => {
    const phoneNumber = '+14045550190';
    const created = await service.api('/hostingOrders:importNumbers', {
      method: 'POST',
      body: JSON.stringify({ numbers: [phoneNumber], regionCode: 'US', servicePlanId: 'plan-a', campaignId: 'CAMPA', migrateToSinchTmo: true, callbackUrl }),
    });
    expect(created.status).toBe(200);

    const view = await waitForFinalNumber(phoneNumber, false);
    expect(view.smsProvisioning.state).toBe('DONE');
    expect(view.campaignProvisioning.state).toBe('DONE');
    expect(view.mnoConfiguration.smsTmo.state).toBe('DONE');

    await waitUntil(
      async () => (await recordedEvents(phoneNumber)).map(eventLabel),
      (labels) => labels.includes('HOSTING_PROCESS SUCCEEDED'),
    );
  });

  it.each(CAMPAIGN_FAILURE_ROWS.map((row, index) => [row.state, index, row] as const))('campaign state %s fails the link', async (_state, index, row) => {
    const phoneNumber = `+131255501${String(10 + index)}`;
    const campaignId = `C_${row.state}`;
    await putCatalogEntry('campaigns', campaignId, row.state);

    await importNumber(phoneNumber, { servicePlanId: 'plan-a', campaignId });
    const view = await waitForFinalNumber(phoneNumber, false);

    expect(view.smsProvisioning.state).toBe('DONE');
    expect(view.campaignProvisioning.state).toBe('FAILED');
    expect(view.campaignProvisioning.errorCode).toBe(row.failureCode);
    for (const carrier of CARRIERS) {
      expect(view.mnoConfiguration[carrier].state, carrier).toBe('FAILED');
      expect(view.mnoConfiguration[carrier].errorCode, carrier).toBe(row.failureCode);
    }
    const events = await recordedEvents(phoneNumber);
    expect(events.map(eventLabel).sort()).toEqual([`LINK_TO_10DLC_CAMPAIGN FAILED ${row.failureCode}`, 'PROVISIONING_TO_SMS_PLATFORM SUCCEEDED']);
  });

  async function readQualified(phoneNumber: string): Promise<QualifiedView> {
    const response = await service.api(`/qualifiedNumbers/${encodeURIComponent(phoneNumber)}`);
    expect(response.status).toBe(200);
    return (await response.json()) as QualifiedView;
  }

  async function qualify(phoneNumber: string): Promise<QualifiedView> {
    const added = await service.api('/qualifiedNumbers:addNumbers', { method: 'POST', body: JSON.stringify({ phoneNumbers: [phoneNumber] }) });
    expect(added.status, await added.clone().text()).toBe(200);
    return waitUntil(() => readQualified(phoneNumber), (view) => view.globalProcessState !== 'GLOBAL_PROCESS_STATE_ELIGIBLE_CHECK_PENDING');
  }

  it.each(QUALIFICATION_ROWS.map((row) => [row.line, row.behaviour, row] as const))('magic line %s (%s) in qualification', async (_line, _behaviour, row) => {
    const phoneNumber = `+1202555${row.line}`;
    let view = await qualify(phoneNumber);
    if (row.flow === 'verify') {
      expect(view.globalProcessState).toBe('GLOBAL_PROCESS_STATE_ELIGIBLE');
      const sent = await service.api(`/qualifiedNumbers/${encodeURIComponent(phoneNumber)}:sendVoiceChallenge`, { method: 'POST' });
      expect(sent.status, await sent.clone().text()).toBe(200);
      view = await waitUntil(() => readQualified(phoneNumber), (current) => current.globalProcessState !== 'GLOBAL_PROCESS_STATE_VERIFICATION_PENDING');
    }
    if (row.flow === 'text-enable') {
      const approved = await service.admin(`/projects/${service.projectId}/qualifiedNumbers/${encodeURIComponent(phoneNumber)}:approveOwnership`, { method: 'POST' });
      expect(approved.status, await approved.clone().text()).toBe(200);
      const created = await service.api('/hostingOrders:textEnableNumbers', {
        method: 'POST',
        body: JSON.stringify({ numbers: [phoneNumber], regionCode: 'US', servicePlanId: 'plan-a', blanketLoaInfo: {}, callbackUrl }),
      });
      expect(created.status, await created.clone().text()).toBe(200);
      const { hostingOrderId } = (await created.json()) as { hostingOrderId: string };
      await waitUntil(
        async () => {
          if (needsClockAdvance(row.behaviour)) {
            await advanceClock(10);
          }
          return (await (await service.api(`/hostingOrders/${hostingOrderId}`)).json()) as { state: string };
        },
        (order) => order.state === 'COMPLETED',
      );
      view = await readQualified(phoneNumber);
    }
    expect(view.globalProcessState).toBe(row.state);
    const [block, value] = row.detail.split(' ') as [string, string];
    if (block === 'hostedNumber') {
      expect(view.hostedNumber.status).toBe(Number(value));
    } else {
      expect(view[block as 'osrEligibility' | 'ownershipVerification'].status).toBe(value);
    }
    if (row.flow === 'text-enable') {
      const events = await recordedEvents(phoneNumber);
      expect(events.map(eventLabel).sort()).toEqual(row.events);
      expect(new Set(events.map((event) => event.resourceType))).toEqual(new Set(['HOSTING_ORDER_NUMBER']));
    }
  });

  it('a campaign on a toll-free number fails with TFN_NOT_ALLOWED', async () => {
    const phoneNumber = '+18885550160';
    await importNumber(phoneNumber, { servicePlanId: 'plan-a', campaignId: 'CAMPA' });
    const view = await waitForFinalNumber(phoneNumber, false);
    expect(view.smsProvisioning.state).toBe('DONE');
    expect(view.campaignProvisioning.state).toBe('FAILED');
    expect(view.campaignProvisioning.errorCode).toBe('TFN_NOT_ALLOWED');
    const events = await recordedEvents(phoneNumber);
    expect(events.map(eventLabel).sort()).toEqual(['LINK_TO_10DLC_CAMPAIGN FAILED TFN_NOT_ALLOWED', 'PROVISIONING_TO_SMS_PLATFORM SUCCEEDED']);
  });

  it('inactive service plan fails SMS provisioning', async () => {
    const phoneNumber = '+14155550150';
    await putCatalogEntry('servicePlans', 'plan-inactive', 'INACTIVE');

    await importNumber(phoneNumber, { servicePlanId: 'plan-inactive', campaignId: 'CAMPA' });
    const view = await waitForFinalNumber(phoneNumber, false);

    expect(view.smsProvisioning.state).toBe('FAILED');
    expect(view.smsProvisioning.errorCode).toBe('SERVICE_PLAN_NOT_ACTIVE');
    expect(view.campaignProvisioning.state).toBe('FAILED');
    expect(view.campaignProvisioning.errorCode).toBe('NUMBER_PROVISIONING_FAILED');
    const events = await recordedEvents(phoneNumber);
    expect(events.map(eventLabel)).toEqual(['PROVISIONING_TO_SMS_PLATFORM FAILED']);
  });
});
