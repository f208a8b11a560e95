import { setTimeout as sleep } from 'node:timers/promises';
import { InvalidArgumentError, Option } from 'commander';
import type { Command } from 'commander';
import { NumberhostApiError } from '../../../sdk/index.js';
import type { HostingOrderNumber, ImportedNumber, ImportedNumberResponse, ImportHostingOrder } from '../../../sdk/index.js';
import type { CliContext } from '../context.js';
import type { ExitCode } from '../exit-codes.js';
import { EXIT } from '../exit-codes.js';
import type { InputNumber } from '../numbers-input.js';
import { chunk, collectNumbers } from '../numbers-input.js';
import type { Output } from '../output.js';
import { workflowAction } from '../run.js';
import type { WaitFlags } from './orders.js';
import { addWaitOptions, DEFAULT_INTERVAL_S, isFailedNumber, readOrderNumbers, startWaitSignal, watchHostingOrders } from './orders.js';

/** The API's default limit of numbers per import order; an operator can raise it for a project. */
const DEFAULT_ORDER_SIZE = 5;
/** The largest limit an operator can set for a project. */
const MAX_ORDER_SIZE = 500;
/** Concurrent reads while waiting for numbers imported with --single. */
const SINGLE_READ_CONCURRENCY = 8;

interface ImportFlags extends WaitFlags {
  file?: string;
  servicePlan: string;
  campaign?: string;
  region: string;
  callbackUrl?: string;
  name?: string;
  orderSize: number;
  single?: boolean;
  wait?: boolean;
}

/** The outcome of one imported number, as the HOSTING_PROCESS callback would report it. */
interface NumberResult {
  phoneNumber: string;
  hostingOrderId?: string;
  platformState: string;
  campaignState: string;
  result: 'SUCCEEDED' | 'FAILED';
  errorCode?: string;
}

function parseOrderSize(value: string): number {
  const size = Number(value);
  if (!Number.isInteger(size) || size < 1 || size > MAX_ORDER_SIZE) {
    throw new InvalidArgumentError(`expected an integer from 1 to ${MAX_ORDER_SIZE}; got ${JSON.stringify(value)}.`);
  }
  return size;
}

function copyApiError(error: NumberhostApiError, changes: { message?: string; fieldViolations?: NumberhostApiError['fieldViolations'] }): NumberhostApiError {
  return new NumberhostApiError({
    httpStatus: error.httpStatus,
    status: error.status,
    message: changes.message ?? error.message,
    fieldViolations: [...(changes.fieldViolations ?? error.fieldViolations)],
    retryAfterSeconds: error.retryAfterSeconds,
    method: error.method,
    url: error.url,
    body: error.body,
  });
}

/**
 * Names the input line of each `numbers[i]` field violation of a rejected order, so
 * "numbers[3]" reads "numbers[3] (big.csv:5)". Returns other errors as they are.
 */
export function withNumberSources(error: unknown, part: readonly InputNumber[]): unknown {
  if (!(error instanceof NumberhostApiError) || error.fieldViolations.length === 0) {
    return error;
  }
  const fieldViolations = error.fieldViolations.map((violation) => {
    const index = /^numbers\[(\d+)\]$/.exec(violation.field)?.[1];
    const number = index === undefined ? undefined : part[Number(index)];
    return number === undefined ? violation : { field: `${violation.field} (${number.source})`, description: violation.description };
  });
  return copyApiError(error, { fieldViolations });
}

/** Tells the user which orders exist although a later request failed, so none is created twice. */
export function noteCreatedBefore(output: Output, description: string, ids: readonly string[]): void {
  if (ids.length > 0) {
    output.note(`${ids.length} ${description} created before the error, and the work on them goes on: ${ids.join(' ')}`);
  }
}

function resultOf(platformState: string | undefined, campaignState: string | undefined): NumberResult['result'] {
  return platformState === 'FAILED' || campaignState === 'FAILED' ? 'FAILED' : 'SUCCEEDED';
}

function errorCodeOf(number: ImportedNumberResponse): string | undefined {
  const sms = number.smsProvisioning;
  const campaign = number.campaignProvisioning;
  if (sms?.state === 'FAILED') {
    return sms.errorCode || sms.errorMessage || undefined;
  }
  if (campaign?.state === 'FAILED') {
    return campaign.errorCode || campaign.errorMessage || undefined;
  }
  return undefined;
}

/** Reads the error code of a failed number from its imported number, or undefined when the number was deleted. */
async function readErrorCode({ client }: CliContext, phoneNumber: string): Promise<string | undefined> {
  try {
    return errorCodeOf(await client.importedNumbers.get(phoneNumber));
  } catch (error) {
    if (error instanceof NumberhostApiError && error.httpStatus === 404) {
      return undefined;
    }
    throw error;
  }
}

function printResults(output: Output, results: readonly NumberResult[], hasOrders: boolean): void {
  const headers = hasOrders ? ['NUMBER', 'ORDER', 'PLATFORM', 'CAMPAIGN', 'RESULT', 'ERROR'] : ['NUMBER', 'PLATFORM', 'CAMPAIGN', 'RESULT', 'ERROR'];
  output.table(
    headers,
    results.map((result) => {
      const states = [result.platformState, result.campaignState, result.result, result.errorCode];
      return hasOrders ? [result.phoneNumber, result.hostingOrderId, ...states] : [result.phoneNumber, ...states];
    }),
  );
}

function exitCodeOf(results: readonly NumberResult[]): ExitCode {
  return results.some((result) => result.result === 'FAILED') ? EXIT.FAILED : EXIT.OK;
}

async function createOrders(context: CliContext, input: readonly InputNumber[], flags: ImportFlags): Promise<ImportHostingOrder[]> {
  const { client, output } = context;
  const parts = chunk(input, flags.orderSize);
  const created: ImportHostingOrder[] = [];
  const progress = output.progress('Creating import orders', parts.length);
  try {
    for (const part of parts) {
      try {
        created.push(
          await client.hostingOrders.importNumbers({
            regionCode: flags.region,
            numbers: part.map((number) => number.e164),
            servicePlanId: flags.servicePlan,
            ...(flags.campaign === undefined ? {} : { campaignId: flags.campaign }),
            ...(flags.callbackUrl === undefined ? {} : { callbackUrl: flags.callbackUrl }),
            ...(flags.name === undefined ? {} : { displayName: flags.name }),
          }),
        );
      } catch (error) {
        progress.stop();
        noteCreatedBefore(
          output,
          'import orders were',
          created.map((order) => order.hostingOrderId as string),
        );
        throw withNumberSources(error, part);
      }
      progress.update(created.length);
    }
  } finally {
    progress.stop();
  }
  return created;
}

async function importInOrders(context: CliContext, input: readonly InputNumber[], flags: ImportFlags): Promise<ExitCode> {
  const { output } = context;
  const created = await createOrders(context, input, flags);
  const ids = created.map((order) => order.hostingOrderId as string);
  if (flags.wait !== true) {
    const sizes = chunk(input, flags.orderSize).map((part) => part.length);
    output.result({ hostingOrders: created }, () => {
      output.table(
        ['ORDER', 'STATE', 'NUMBERS'],
        created.map((order, index) => [order.hostingOrderId, order.state, sizes[index]]),
      );
      output.note(`Follow the orders with: numberhost orders watch ${ids.join(' ')}`);
    });
    return EXIT.OK;
  }

  const watched = await watchHostingOrders(context, ids, { timeoutMs: flags.timeout, intervalMs: flags.interval ?? DEFAULT_INTERVAL_S * 1000 });
  const results = await readOrderResults(context, ids);
  output.result({ hostingOrders: watched.map((order) => order.hostingOrder), numbers: results }, () => printResults(output, results, true));
  return exitCodeOf(results);
}

/** Reads the result of every number of the finished orders, with the error code of each failed one. */
async function readOrderResults(context: CliContext, hostingOrderIds: readonly string[]): Promise<NumberResult[]> {
  const results: NumberResult[] = [];
  for (const hostingOrderId of hostingOrderIds) {
    const numbers: HostingOrderNumber[] = await readOrderNumbers(context, hostingOrderId);
    for (const number of numbers) {
      const phoneNumber = number.phoneNumber as string;
      const result: NumberResult = {
        phoneNumber,
        hostingOrderId,
        platformState: number.platformProvisioning?.state ?? '',
        campaignState: number.campaignProvisioning?.state ?? '',
        result: isFailedNumber(number) ? 'FAILED' : 'SUCCEEDED',
      };
      if (result.result === 'FAILED') {
        result.errorCode = await readErrorCode(context, phoneNumber);
      }
      results.push(result);
    }
  }
  return results;
}

function isSettled(number: ImportedNumberResponse, hasCampaign: boolean): boolean {
  const isFinal = (state: string | undefined) => state === 'DONE' || state === 'FAILED';
  const platform = number.smsProvisioning?.state;
  if (!isFinal(platform)) {
    return false;
  }
  // Without SMS provisioning the campaign link is never tried, so a FAILED platform step ends the number.
  return !hasCampaign || platform === 'FAILED' || isFinal(number.campaignProvisioning?.state);
}

async function mapConcurrently<T, R>(items: readonly T[], limit: number, map: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await map(items[index] as T);
    }
  });
  await Promise.all(workers);
  return results;
}

/** Reads the numbers imported with --single until each one's SMS platform and campaign steps end. */
async function waitForSingleImports({ client, output }: CliContext, phoneNumbers: readonly string[], flags: ImportFlags): Promise<NumberResult[]> {
  const hasCampaign = (flags.campaign ?? '') !== '';
  const settled = new Map<string, ImportedNumberResponse>();
  const progress = output.progress('Importing', phoneNumbers.length);
  const intervalMs = flags.interval ?? DEFAULT_INTERVAL_S * 1000;
  const describePending = (): string => {
    const pending = phoneNumbers.filter((number) => !settled.has(number));
    return `Still provisioning: ${pending.join(', ')}. The work goes on on the server; check with numberhost numbers get.`;
  };
  const wait = startWaitSignal(flags.timeout, describePending);
  try {
    for (;;) {
      const pending = phoneNumbers.filter((number) => !settled.has(number));
      const reads = await mapConcurrently(pending, SINGLE_READ_CONCURRENCY, (phoneNumber) => client.importedNumbers.get(phoneNumber, { signal: wait.signal }));
      for (const number of reads) {
        if (isSettled(number, hasCampaign)) {
          settled.set(number.phoneNumber as string, number);
        }
      }
      progress.update(settled.size);
      if (settled.size === phoneNumbers.length) {
        break;
      }
      await sleep(intervalMs, undefined, { signal: wait.signal });
    }
  } catch (error) {
    // An abort rejects the read or the sleep with an AbortError, but the CliError in the signal's reason carries the exit code.
    throw wait.signal.aborted ? wait.signal.reason : error;
  } finally {
    wait.dispose();
    progress.stop();
  }
  return phoneNumbers.map((phoneNumber) => {
    const number = settled.get(phoneNumber) as ImportedNumberResponse;
    const platformState = number.smsProvisioning?.state ?? '';
    const campaignState = number.campaignProvisioning?.state ?? '';
    const result = resultOf(platformState, campaignState);
    return { phoneNumber, platformState, campaignState, result, ...(result === 'FAILED' ? { errorCode: errorCodeOf(number) } : {}) };
  });
}

async function createSingleImports({ client, output }: CliContext, input: readonly InputNumber[], flags: ImportFlags): Promise<ImportedNumber[]> {
  const created: ImportedNumber[] = [];
  const progress = output.progress('Importing', input.length);
  try {
    for (const number of input) {
      try {
        created.push(
          await client.importedNumbers.create({
            phoneNumber: number.e164,
            regionCode: flags.region,
            smsConfiguration: { servicePlanId: flags.servicePlan, ...(flags.campaign === undefined ? {} : { campaignId: flags.campaign }) },
            ...(flags.callbackUrl === undefined ? {} : { callbackUrl: flags.callbackUrl }),
            ...(flags.name === undefined ? {} : { displayName: flags.name }),
          }),
        );
      } catch (error) {
        progress.stop();
        noteCreatedBefore(
          output,
          'numbers were imported',
          created.map((imported) => imported.phoneNumber as string),
        );
        throw error instanceof NumberhostApiError ? copyApiError(error, { message: `${number.source}: ${error.message}` }) : error;
      }
      progress.update(created.length);
    }
  } finally {
    progress.stop();
  }
  return created;
}

async function importOneByOne(context: CliContext, input: readonly InputNumber[], flags: ImportFlags): Promise<ExitCode> {
  const { output } = context;
  const created = await createSingleImports(context, input, flags);
  if (flags.wait !== true) {
    output.result({ importedNumbers: created }, () =>
      output.table(
        ['NUMBER', 'SERVICE PLAN', 'CAMPAIGN'],
        created.map((number) => [number.phoneNumber, number.smsConfiguration?.servicePlanId, number.smsConfiguration?.campaignId]),
      ),
    );
    return EXIT.OK;
  }
  const results = await waitForSingleImports(
    context,
    created.map((number) => number.phoneNumber as string),
    flags,
  );
  output.result({ importedNumbers: created, numbers: results }, () => printResults(output, results, false));
  return exitCodeOf(results);
}

export function registerImportCommand(program: Command): void {
  const command = program
    .command('import')
    .description(
      'Import numbers that already point to the hosting NNID, and link them to a service plan and, optionally, a 10DLC campaign. ' +
        'Sends one hostingOrders:importNumbers order per 5 numbers, or one POST /importedNumbers per number with --single.',
    )
    .argument('[numbers...]', 'E.164 numbers, such as +12025550134')
    .option('--file <path>', 'numbers from a file: one per line, or a CSV with a phoneNumber column')
    .requiredOption('--service-plan <id>', 'service plan to provision the numbers to (required)')
    .option('--campaign <id>', '10DLC campaign to link the numbers to')
    .addOption(new Option('--region <code>', 'region of the numbers').choices(['US', 'CA']).default('US'))
    .option('--callback-url <url>', 'URL that receives the callbacks of the orders (or of each number with --single)')
    .option('--name <text>', 'display name of each order (or of each number with --single)')
    .addOption(
      new Option('--order-size <count>', `numbers per order, 1 to ${MAX_ORDER_SIZE}; above ${DEFAULT_ORDER_SIZE} only when the operator raised the project's limit`)
        .argParser(parseOrderSize)
        .default(DEFAULT_ORDER_SIZE)
        .conflicts('single'),
    )
    .option('--single', 'import each number on its own with POST /importedNumbers instead of in orders')
    .option('--wait', 'wait until every number is provisioned (or failed) and print the result of each');
  addWaitOptions(command, 'the import')
    .addHelpText(
      'after',
      `
Without --wait the command prints the ids of the orders it created (with --single, the
imported numbers) and exits 0.

Examples:
  numberhost import +12025550134 +12025550135 --service-plan my-plan --campaign CAMP123 --wait
  numberhost import --file numbers.csv --service-plan my-plan --order-size 50
  numberhost import +12025550134 --single --service-plan my-plan --json

Exit codes:
  0  done; with --wait, every number was provisioned
  1  with --wait, at least one number failed (its SMS platform or campaign step)
  2  bad flags or an invalid number in the input; nothing was sent
  3  the API rejected a request or could not be reached
  4  --timeout passed or Ctrl-C was pressed; the import goes on on the server`,
    )
    .action(
      workflowAction(async (context, numbers: string[], flags: ImportFlags) => {
        const input = collectNumbers(numbers, flags.file);
        return flags.single === true ? importOneByOne(context, input, flags) : importInOrders(context, input, flags);
      }),
    );
}
