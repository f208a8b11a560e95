/**
 * Imports the phone numbers listed in a CSV file through hostingOrders:importNumbers,
 * then follows every order until it completes.
 *
 *   npx tsx examples/import-csv.ts [options] <file.csv>
 *
 * The file has one E.164 number per line, or a header line with a `phoneNumber`
 * column. Every line is validated before anything is sent: if one line is invalid,
 * the script reports each invalid line and creates no order.
 *
 * Environment: NUMBERHOST_URL (default http://localhost:8080), SINCH_PROJECT_ID,
 * SINCH_KEY_ID and SINCH_KEY_SECRET; SERVICE_PLAN_ID and CAMPAIGN_ID are the defaults
 * of --service-plan and --campaign. The script authenticates with the OAuth2
 * client-credentials grant at $NUMBERHOST_URL/oauth2/token.
 *
 * Exit codes: 0 when every number was imported, 1 when some failed (or did not finish
 * in time), 2 for a usage, configuration, validation or authentication error, in
 * which case nothing was imported.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { RegionCode } from '../src/domain/phone-number.js';
import { isFieldViolation, isRegionCode, parseNanpNumber } from '../src/domain/phone-number.js';

export const EXIT_ALL_IMPORTED = 0;
export const EXIT_SOME_FAILED = 1;
export const EXIT_USAGE = 2;

/** The default per-project limit of hostingOrders:importNumbers; an operator can raise it up to 500. */
export const MAX_NUMBERS_PER_ORDER = 5;
const MAX_RAISED_NUMBERS_PER_ORDER = 500;

const USAGE = `Usage: npx tsx examples/import-csv.ts [options] <file.csv>

Imports every number of the CSV file in hosting orders of --batch-size numbers each,
then prints each number's state changes until every order has completed.

Options:
  --service-plan <id>       service plan to provision the numbers to (default: $SERVICE_PLAN_ID)
  --campaign <id>           10DLC campaign to link the numbers to (default: $CAMPAIGN_ID, or none)
  --region <US|CA>          regionCode of the numbers (default: US)
  --display-name <name>     displayName of the orders and numbers
  --callback-url <url>      callbackUrl of the orders
  --batch-size <n>          numbers per order, 1 to ${MAX_RAISED_NUMBERS_PER_ORDER}; above ${MAX_NUMBERS_PER_ORDER} only when the
                            operator raised the project's import limit (default: ${MAX_NUMBERS_PER_ORDER})
  --poll-interval-ms <ms>   time between two polls of the orders (default: 1000)
  --timeout-seconds <s>     give up waiting after this many seconds (default: 600)
  -h, --help                show this help

Environment: NUMBERHOST_URL (default http://localhost:8080), SINCH_PROJECT_ID,
SINCH_KEY_ID, SINCH_KEY_SECRET.

Exit codes: 0 every number imported, 1 some numbers failed, 2 usage or validation error.`;

/** A number read from the file, with the line it came from (1-based). */
export interface CsvNumber {
  line: number;
  phoneNumber: string;
}

export interface CsvProblem {
  line: number;
  message: string;
}

export interface CsvReadResult {
  numbers: CsvNumber[];
  problems: CsvProblem[];
}

/** Splits one CSV line into cells, honouring double quotes (RFC 4180, without line breaks inside cells). */
export function splitCsvLine(text: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let isQuoted = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (isQuoted && char === '"' && text[index + 1] === '"') {
      cell += '"';
      index += 1;
    } else if (char === '"') {
      isQuoted = !isQuoted;
    } else if (char === ',' && !isQuoted) {
      cells.push(cell);
      cell = '';
    } else {
      cell += char;
    }
  }
  cells.push(cell);
  return cells.map((value) => value.trim());
}

/**
 * Reads the numbers of a CSV text and checks each one as strict E.164 in `regionCode`.
 * Blank lines are skipped and spaces around a cell are ignored. Any other line that is
 * not a valid, unique number becomes a problem that names the line.
 */
export function readNumbersCsv(text: string, regionCode: RegionCode): CsvReadResult {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const firstIndex = lines.findIndex((line) => line.trim() !== '');
  const header = firstIndex === -1 ? [] : splitCsvLine(lines[firstIndex] as string);
  const column = header.findIndex((cell) => cell.toLowerCase() === 'phonenumber');
  const numbers: CsvNumber[] = [];
  const problems: CsvProblem[] = [];
  const lineByNumber = new Map<string, number>();

  lines.forEach((text, index) => {
    const line = index + 1;
    if (text.trim() === '' || (column !== -1 && index === firstIndex)) {
      return;
    }
    const cells = splitCsvLine(text);
    if (column === -1 && cells.length > 1) {
      problems.push({ line, message: 'has several columns, but the file has no "phoneNumber" header line. Add one, or list one number per line.' });
      return;
    }
    const value = cells[column === -1 ? 0 : column] ?? '';
    const parsed = parseNanpNumber(value, 'phoneNumber', regionCode);
    if (isFieldViolation(parsed)) {
      problems.push({ line, message: parsed.description });
      return;
    }
    const firstLine = lineByNumber.get(parsed.e164);
    if (firstLine !== undefined) {
      problems.push({ line, message: `${parsed.e164} repeats line ${firstLine}. List each number once.` });
      return;
    }
    lineByNumber.set(parsed.e164, line);
    numbers.push({ line, phoneNumber: parsed.e164 });
  });
  return { numbers, problems };
}

/** Splits `items` into consecutive batches of at most `size`. */
export function toBatches<T>(items: T[], size: number): T[][] {
  const batches: T[][] = [];
  for (let start = 0; start < items.length; start += size) {
    batches.push(items.slice(start, start + size));
  }
  return batches;
}

class UsageError extends Error {}

/** Formats an error's message with its cause, because fetch reports "fetch failed" and keeps the reason in `cause`. */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) {
    return String(error);
  }
  return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
}

interface Options {
  file: string;
  servicePlanId: string;
  campaignId: string | undefined;
  regionCode: RegionCode;
  displayName: string | undefined;
  callbackUrl: string | undefined;
  batchSize: number;
  pollIntervalMs: number;
  timeoutMs: number;
  baseUrl: string;
  projectId: string;
  keyId: string;
  keySecret: string;
}

function readPositiveInteger(raw: string | undefined, flag: string, fallback: number, max: number): number {
  if (raw === undefined) {
    return fallback;
  }
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new UsageError(`${flag} ${JSON.stringify(raw)} is invalid: expected an integer from 1 to ${max}.`);
  }
  return value;
}

function requireEnv(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (value === undefined || value === '') {
    throw new UsageError(`${name} is not set. Set NUMBERHOST_URL, SINCH_PROJECT_ID, SINCH_KEY_ID and SINCH_KEY_SECRET (npm start prints them).`);
  }
  return value;
}

function parseOptions(argv: string[], env: NodeJS.ProcessEnv): Options | 'help' {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'service-plan': { type: 'string' },
      campaign: { type: 'string' },
      region: { type: 'string', default: 'US' },
      'display-name': { type: 'string' },
      'callback-url': { type: 'string' },
      'batch-size': { type: 'string' },
      'poll-interval-ms': { type: 'string' },
      'timeout-seconds': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) {
    return 'help';
  }
  if (positionals.length !== 1) {
    throw new UsageError(positionals.length === 0 ? 'The CSV file is missing.' : `Expected one CSV file, got ${positionals.length}.`);
  }
  const servicePlanId = values['service-plan'] ?? env.SERVICE_PLAN_ID;
  if (servicePlanId === undefined || servicePlanId === '') {
    throw new UsageError('The service plan is missing: pass --service-plan <id> or set SERVICE_PLAN_ID.');
  }
  if (!isRegionCode(values.region)) {
    throw new UsageError(`--region ${JSON.stringify(values.region)} is invalid: use US or CA.`);
  }
  const campaignId = values.campaign ?? env.CAMPAIGN_ID;
  return {
    file: positionals[0] as string,
    servicePlanId,
    campaignId: campaignId === '' ? undefined : campaignId,
    regionCode: values.region,
    displayName: values['display-name'],
    callbackUrl: values['callback-url'],
    batchSize: readPositiveInteger(values['batch-size'], '--batch-size', MAX_NUMBERS_PER_ORDER, MAX_RAISED_NUMBERS_PER_ORDER),
    pollIntervalMs: readPositiveInteger(values['poll-interval-ms'], '--poll-interval-ms', 1000, 60_000),
    timeoutMs: readPositiveInteger(values['timeout-seconds'], '--timeout-seconds', 600, 86_400) * 1000,
    baseUrl: (env.NUMBERHOST_URL ?? 'http://localhost:8080').replace(/\/+$/, ''),
    projectId: requireEnv(env, 'SINCH_PROJECT_ID'),
    keyId: requireEnv(env, 'SINCH_KEY_ID'),
    keySecret: requireEnv(env, 'SINCH_KEY_SECRET'),
  };
}

/** A non-2xx response of the API, with the error body's status and message when there is one. */
class ApiCallError extends Error {
  constructor(
    readonly httpStatus: number,
    message: string,
  ) {
    super(message);
  }
}

const MAX_RATE_LIMIT_RETRIES = 5;

/** A minimal client of the Numbers API: bearer token from the client-credentials grant, 429 retried after Retry-After. */
class NumbersClient {
  private token: { value: string; expiresAtMs: number } | undefined;

  constructor(private readonly options: Options) {}

  private async accessToken(): Promise<string> {
    if (this.token !== undefined && Date.now() < this.token.expiresAtMs) {
      return this.token.value;
    }
    const basic = Buffer.from(`${this.options.keyId}:${this.options.keySecret}`).toString('base64');
    const response = await fetch(`${this.options.baseUrl}/oauth2/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    const body = (await response.json().catch(() => ({}))) as { access_token?: string; expires_in?: number; error_description?: string };
    if (!response.ok || body.access_token === undefined) {
      throw new ApiCallError(response.status, `The token request failed with HTTP ${response.status}: ${body.error_description ?? 'no description'}`);
    }
    // Renew a minute early so that a token never expires between two requests.
    this.token = { value: body.access_token, expiresAtMs: Date.now() + ((body.expires_in ?? 3600) - 60) * 1000 };
    return this.token.value;
  }

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const url = `${this.options.baseUrl}/v1/projects/${encodeURIComponent(this.options.projectId)}${path}`;
    for (let attempt = 1; ; attempt += 1) {
      const response = await fetch(url, {
        method,
        headers: { authorization: `Bearer ${await this.accessToken()}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      if (response.status === 429 && attempt <= MAX_RATE_LIMIT_RETRIES) {
        await sleep(Number(response.headers.get('retry-after') ?? '1') * 1000);
        continue;
      }
      if (response.status === 401 && attempt === 1) {
        this.token = undefined;
        continue;
      }
      const json = (await response.json().catch(() => ({}))) as Record<string, unknown>;
      if (!response.ok) {
        const error = json as { status?: string; message?: string };
        throw new ApiCallError(response.status, `HTTP ${response.status} ${error.status ?? ''}: ${error.message ?? 'no message'}`);
      }
      return json as T;
    }
  }
}

interface OrderNumber {
  phoneNumber: string;
  platformProvisioning: { state: string };
  campaignProvisioning: { state: string };
}

interface ImportedNumberView {
  smsProvisioning: { state: string; errorCode: string; errorMessage: string };
  campaignProvisioning: { state: string; errorCode: string; errorMessage: string };
}

interface TrackedOrder {
  hostingOrderId: string;
  phoneNumbers: string[];
  isFinished: boolean;
}

function describeStates(number: OrderNumber): string {
  return `SMS platform ${number.platformProvisioning.state}, campaign ${number.campaignProvisioning.state}`;
}

function isImported(number: OrderNumber): boolean {
  const campaignState = number.campaignProvisioning.state;
  return number.platformProvisioning.state === 'DONE' && (campaignState === 'DONE' || campaignState === 'STATE_UNSPECIFIED');
}

/** Creates one order per batch; returns the orders created and the numbers of every batch the API rejected. */
async function createOrders(client: NumbersClient, options: Options, batches: CsvNumber[][]): Promise<{ orders: TrackedOrder[]; rejected: string[] }> {
  const orders: TrackedOrder[] = [];
  const rejected: string[] = [];
  for (const batch of batches) {
    const phoneNumbers = batch.map((entry) => entry.phoneNumber);
    const lines = `lines ${batch[0]?.line}-${batch.at(-1)?.line}`;
    try {
      const order = await client.call<{ hostingOrderId: string; state: string }>('POST', '/hostingOrders:importNumbers', {
        regionCode: options.regionCode,
        numbers: phoneNumbers,
        servicePlanId: options.servicePlanId,
        ...(options.campaignId === undefined ? {} : { campaignId: options.campaignId }),
        ...(options.displayName === undefined ? {} : { displayName: options.displayName }),
        ...(options.callbackUrl === undefined ? {} : { callbackUrl: options.callbackUrl }),
      });
      process.stdout.write(`Order ${order.hostingOrderId} ${order.state} for ${lines}: ${phoneNumbers.join(', ')}\n`);
      orders.push({ hostingOrderId: order.hostingOrderId, phoneNumbers, isFinished: false });
    } catch (error) {
      // A first request that cannot reach the API or is not authorised means a wrong configuration, so stop before anything is imported.
      const isConfigurationProblem = !(error instanceof ApiCallError) || error.httpStatus === 401 || error.httpStatus === 403;
      if (isConfigurationProblem && orders.length + rejected.length === 0) {
        throw error;
      }
      process.stdout.write(`Order for ${lines} failed (${describeError(error)}); its numbers count as failed.\n`);
      rejected.push(...phoneNumbers);
    }
  }
  return { orders, rejected };
}

/** Prints why a number failed, from the error fields of the imported number. */
async function reportFailure(client: NumbersClient, phoneNumber: string): Promise<void> {
  const view = await client.call<ImportedNumberView>('GET', `/importedNumbers/${encodeURIComponent(phoneNumber)}`);
  for (const [name, step] of [
    ['SMS platform', view.smsProvisioning],
    ['campaign', view.campaignProvisioning],
  ] as const) {
    if (step.state === 'FAILED') {
      process.stdout.write(`${phoneNumber}  failed: ${name} ${step.errorCode}: ${step.errorMessage}\n`);
    }
  }
}

/** Polls one order once, prints the state changes, and returns the numbers that failed once the order has ended. */
async function pollOrder(client: NumbersClient, order: TrackedOrder, lastStates: Map<string, string>): Promise<string[]> {
  const { state } = await client.call<{ state: string }>('GET', `/hostingOrders/${order.hostingOrderId}`);
  const { numbers } = await client.call<{ numbers: OrderNumber[] }>('GET', `/hostingOrders/${order.hostingOrderId}/numbers?pageSize=100`);
  for (const number of numbers) {
    const described = describeStates(number);
    if (lastStates.get(number.phoneNumber) !== described) {
      lastStates.set(number.phoneNumber, described);
      process.stdout.write(`${number.phoneNumber}  ${described}\n`);
    }
  }
  if (state !== 'COMPLETED' && state !== 'REJECTED') {
    return [];
  }
  order.isFinished = true;
  process.stdout.write(`Order ${order.hostingOrderId} ${state}\n`);
  const failed = state === 'REJECTED' ? order.phoneNumbers : numbers.filter((number) => !isImported(number)).map((number) => number.phoneNumber);
  for (const phoneNumber of state === 'REJECTED' ? [] : failed) {
    await reportFailure(client, phoneNumber);
  }
  return failed;
}

/** Polls every order until all have ended or the timeout passes; returns the failed numbers and the unfinished ones. */
async function followOrders(client: NumbersClient, options: Options, orders: TrackedOrder[]): Promise<{ failed: string[]; unfinished: string[] }> {
  const lastStates = new Map<string, string>();
  const failed: string[] = [];
  const deadlineMs = Date.now() + options.timeoutMs;
  while (orders.some((order) => !order.isFinished) && Date.now() < deadlineMs) {
    for (const order of orders.filter((candidate) => !candidate.isFinished)) {
      failed.push(...(await pollOrder(client, order, lastStates)));
    }
    if (orders.some((order) => !order.isFinished)) {
      await sleep(options.pollIntervalMs);
    }
  }
  const unfinished = orders.filter((order) => !order.isFinished).flatMap((order) => order.phoneNumbers);
  return { failed, unfinished };
}

/** Runs the import and returns the exit code. */
export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  let options: Options | 'help';
  let numbers: CsvNumber[];
  try {
    options = parseOptions(argv, env);
    if (options === 'help') {
      process.stdout.write(`${USAGE}\n`);
      return EXIT_ALL_IMPORTED;
    }
    let text: string;
    try {
      text = readFileSync(options.file, 'utf8');
    } catch (error) {
      throw new UsageError(`Cannot read ${options.file}: ${(error as Error).message}`);
    }
    const result = readNumbersCsv(text, options.regionCode);
    for (const problem of result.problems) {
      process.stderr.write(`${options.file}:${problem.line}: ${problem.message}\n`);
    }
    if (result.problems.length > 0) {
      throw new UsageError(`${result.problems.length} invalid line(s) in ${options.file}, so nothing was sent. Fix them and run again.`);
    }
    if (result.numbers.length === 0) {
      throw new UsageError(`${options.file} lists no phone numbers.`);
    }
    numbers = result.numbers;
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') === true) {
      process.stderr.write(`import-csv: ${(error as Error).message}\nRun with --help for usage.\n`);
      return EXIT_USAGE;
    }
    throw error;
  }

  process.stdout.write(`Read ${numbers.length} valid numbers from ${options.file}.\n`);
  const client = new NumbersClient(options);
  let created: { orders: TrackedOrder[]; rejected: string[] };
  try {
    created = await createOrders(client, options, toBatches(numbers, options.batchSize));
  } catch (error) {
    const reason = describeError(error);
    const hint = /ECONNREFUSED|ENOTFOUND|fetch failed/.test(reason) ? ` Is the server running at ${options.baseUrl}? Check NUMBERHOST_URL.` : '';
    process.stderr.write(`import-csv: nothing was imported: ${reason}.${hint}\n`);
    return EXIT_USAGE;
  }
  const { failed, unfinished } = await followOrders(client, options, created.orders);
  if (unfinished.length > 0) {
    process.stdout.write(`Timed out after ${options.timeoutMs / 1000} s; still in progress: ${unfinished.join(', ')}\n`);
  }
  const failedCount = created.rejected.length + failed.length + unfinished.length;
  process.stdout.write(`Imported ${numbers.length - failedCount} of ${numbers.length} numbers. Failed or unfinished: ${failedCount}.\n`);
  return failedCount === 0 ? EXIT_ALL_IMPORTED : EXIT_SOME_FAILED;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2), process.env).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`import-csv: ${describeError(error)}\n`);
      process.exitCode = EXIT_SOME_FAILED;
    },
  );
}
