import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { NumberhostApiError } from '../../../sdk/index.js';
import type { ImportedNumber, ImportedNumberResponse, ListImportedNumbersQuery, NumberhostClient, UpdateImportedNumberRequest } from '../../../sdk/index.js';
import { CliError, EXIT, usageError } from '../exit-codes.js';
import { collectNumbers } from '../numbers-input.js';
import type { InputNumber } from '../numbers-input.js';
import type { Output } from '../output.js';
import { workflowAction } from '../run.js';

/** Above this many numbers, a command shows its progress. */
const PROGRESS_MIN_NUMBERS = 10;

/** Pause between two reads of the numbers whose steps still run, with --wait. */
const STEP_POLL_INTERVAL_MS = 1000;

/** Step states in which the server is still working on a link or unlink. */
const RUNNING_STEP_STATES: ReadonlySet<string> = new Set(['WAITING', 'IN_PROGRESS']);

/**
 * HTTP statuses of API errors that concern one number (invalid request, not found,
 * conflict). A command working through several numbers reports these and goes on;
 * any other error (authentication, rate limit, server error, network) stops it.
 */
const PER_NUMBER_HTTP_STATUSES: ReadonlySet<number> = new Set([400, 404, 409]);

const EXIT_CODES_HELP = [
  '',
  'Exit codes:',
  '  0  done',
  '  2  bad flags or an invalid number in the input; nothing was sent',
  '  3  the API rejected the request for at least one number, or could not be reached',
].join('\n');

const EXIT_CODES_WAIT_HELP = [
  '',
  'Exit codes:',
  '  0  done; with --wait, no step ended FAILED',
  '  1  with --wait, a step ended FAILED',
  '  2  bad flags or an invalid number in the input; nothing was sent',
  '  3  the API rejected the request for at least one number, or could not be reached',
  '  4  --timeout passed or Ctrl-C was pressed; the steps go on on the server',
].join('\n');

type ProvisioningStep = NonNullable<ImportedNumberResponse['smsProvisioning']> | NonNullable<ImportedNumberResponse['campaignProvisioning']>;

/** A number that a command could not handle, as printed and put under `errors` with --json. */
interface NumberFailure {
  phoneNumber: string;
  source: string;
  httpStatus: number;
  status: string;
  message: string;
}

function parseTimeoutSeconds(value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new InvalidArgumentError('expected a positive number of seconds.');
  }
  return seconds;
}

/** A step's state or a carrier entry, in the words the tables use. */
interface StepView {
  state?: string;
  /** PROVISIONING or DEPROVISIONING: `type` of a step, `operation` of a carrier entry. */
  operation?: string;
  errorCode?: string;
}

/** "DONE", "unlink DONE", "FAILED (CAMPAIGN_EXPIRED)", or "-" for a step that never ran. */
function describeStep(step: StepView | undefined): string {
  if (step?.state === undefined || step.state === 'STATE_UNSPECIFIED') {
    return '-';
  }
  const action = step.operation === 'DEPROVISIONING' ? 'unlink ' : '';
  const error = step.errorCode ? ` (${step.errorCode})` : '';
  return `${action}${step.state}${error}`;
}

function stepView(step: ProvisioningStep | undefined): StepView | undefined {
  return step === undefined ? undefined : { state: step.state, operation: step.type, errorCode: step.errorCode };
}

function hasRunningStep(number: ImportedNumberResponse): boolean {
  return RUNNING_STEP_STATES.has(number.smsProvisioning?.state ?? '') || RUNNING_STEP_STATES.has(number.campaignProvisioning?.state ?? '');
}

/** The fields a link or unlink changes, which decide the steps its outcome depends on. */
interface SmsChange {
  isUnlink: boolean;
  touchesServicePlan: boolean;
  touchesCampaign: boolean;
}

/**
 * Returns whether a step that the link or unlink started ended FAILED. Only steps of the
 * matching kind count, so an older failed link does not fail a later unlink.
 */
function hasFailedStep(number: ImportedNumberResponse, change: SmsChange): boolean {
  const kind = change.isUnlink ? 'DEPROVISIONING' : 'PROVISIONING';
  const steps = [change.touchesServicePlan ? number.smsProvisioning : undefined, change.touchesCampaign ? number.campaignProvisioning : undefined];
  return steps.some((step) => step?.type === kind && step.state === 'FAILED');
}

function printNumbersWithSteps(output: Output, numbers: readonly ImportedNumberResponse[]): void {
  output.table(
    ['NUMBER', 'SERVICE PLAN', 'CAMPAIGN', 'SMS STATE', 'CAMPAIGN STATE'],
    numbers.map((number) => [
      number.phoneNumber,
      number.smsConfiguration?.servicePlanId,
      number.smsConfiguration?.campaignId,
      describeStep(stepView(number.smsProvisioning)),
      describeStep(stepView(number.campaignProvisioning)),
    ]),
  );
}

/** For PATCH results, which carry the configuration but not the step states. */
function printConfigurations(output: Output, numbers: readonly ImportedNumber[]): void {
  output.table(
    ['NUMBER', 'NAME', 'SERVICE PLAN', 'CAMPAIGN', 'CALLBACK URL'],
    numbers.map((number) => [number.phoneNumber, number.displayName, number.smsConfiguration?.servicePlanId, number.smsConfiguration?.campaignId, number.callbackUrl]),
  );
}

function printNumberDetail(output: Output, number: ImportedNumberResponse): void {
  const carriers = Object.entries(number.mnoConfiguration ?? {}).map(([carrier, entry]) => `${carrier} ${describeStep(entry as StepView)}`);
  const rows: Array<[string, string | undefined]> = [
    ['name', number.displayName],
    ['region', number.regionCode],
    ['service plan', number.smsConfiguration?.servicePlanId],
    ['SMS platform step', describeStep(stepView(number.smsProvisioning))],
    ['campaign', number.smsConfiguration?.campaignId],
    ['campaign step', describeStep(stepView(number.campaignProvisioning))],
    ['carriers', carriers.join(', ')],
    ['callback URL', number.callbackUrl],
  ];
  output.line(number.phoneNumber ?? '');
  for (const [label, value] of rows) {
    output.line(`  ${label.padEnd(19)}${value === undefined || value === '' ? '-' : value}`);
  }
}

/**
 * Runs `action` for each number in turn. An API error that concerns one number is
 * printed and collected, and the loop goes on. With a single number, and for any other
 * error, the error is thrown, so the command ends with it.
 */
async function forEachNumber<Result>(
  input: readonly InputNumber[],
  output: Output,
  label: string,
  action: (phoneNumber: string) => Promise<Result>,
): Promise<{ results: Result[]; failures: NumberFailure[] }> {
  const results: Result[] = [];
  const failures: NumberFailure[] = [];
  const progress = input.length > PROGRESS_MIN_NUMBERS ? output.progress(label, input.length) : undefined;
  try {
    for (const [index, number] of input.entries()) {
      try {
        results.push(await action(number.e164));
      } catch (error) {
        if (input.length === 1 || !(error instanceof NumberhostApiError) || !PER_NUMBER_HTTP_STATUSES.has(error.httpStatus)) {
          throw error;
        }
        failures.push({ phoneNumber: number.e164, source: number.source, httpStatus: error.httpStatus, status: error.status, message: error.message });
        output.note(`numberhost: ${number.e164} (${number.source}): ${error.httpStatus} ${error.status}: ${error.message}`);
      }
      progress?.update(index + 1);
    }
  } finally {
    progress?.stop();
  }
  if (failures.length > 0) {
    output.note(`numberhost: ${failures.length} of ${input.length} numbers failed; see the messages above.`);
  }
  return { results, failures };
}

function describeStillRunning(pending: readonly string[], timeoutMs: number): string {
  const listed = pending.slice(0, 10).join(', ') + (pending.length > 10 ? ', ...' : '');
  const count = `${pending.length} number${pending.length === 1 ? '' : 's'}`;
  return `${count} still had steps running after ${timeoutMs / 1000} s: ${listed}. The steps go on on the server; follow them with \`numberhost numbers get\`.`;
}

/**
 * Reads the numbers again and again until no step of theirs is WAITING or IN_PROGRESS,
 * and returns the last read of each. Throws a CliError with exit code 4 after
 * `timeoutMs`, or at once on Ctrl-C (SIGINT).
 */
async function waitForSteps(client: NumberhostClient, output: Output, phoneNumbers: readonly string[], timeoutMs: number): Promise<ImportedNumberResponse[]> {
  const latest = new Map<string, ImportedNumberResponse>();
  const deadline = Date.now() + timeoutMs;
  const progress = output.progress('Waiting for the steps', phoneNumbers.length);
  const controller = new AbortController();
  const onInterrupt = () => controller.abort(new CliError('Interrupted; the steps go on on the server. Follow them with `numberhost numbers get`.', EXIT.TIMEOUT));
  process.once('SIGINT', onInterrupt);
  let pending = [...phoneNumbers];
  try {
    for (;;) {
      for (const phoneNumber of pending) {
        latest.set(phoneNumber, await client.importedNumbers.get(phoneNumber, { signal: controller.signal }));
      }
      pending = pending.filter((phoneNumber) => hasRunningStep(latest.get(phoneNumber) as ImportedNumberResponse));
      progress.update(phoneNumbers.length - pending.length);
      if (pending.length === 0) {
        return phoneNumbers.map((phoneNumber) => latest.get(phoneNumber) as ImportedNumberResponse);
      }
      if (Date.now() + STEP_POLL_INTERVAL_MS > deadline) {
        throw new CliError(describeStillRunning(pending, timeoutMs), EXIT.TIMEOUT);
      }
      await sleep(STEP_POLL_INTERVAL_MS, undefined, { signal: controller.signal });
    }
  } catch (error) {
    // An aborted sleep rejects with a generic AbortError, so throw the abort reason instead.
    throw controller.signal.aborted ? controller.signal.reason : error;
  } finally {
    process.off('SIGINT', onInterrupt);
    progress.stop();
  }
}

interface ChangeOptions {
  file?: string;
  wait?: boolean;
  timeout: number;
  servicePlan?: string;
  campaign?: string;
}

/**
 * Sends one PATCH per number, then, with --wait, waits for the steps it started. The
 * exit code is 3 when a request failed, else 1 when a step ended FAILED, else 0.
 */
async function changeSmsConfiguration(client: NumberhostClient, output: Output, numbers: string[], options: ChangeOptions, change: SmsChange) {
  const smsConfiguration = {
    ...(change.touchesServicePlan ? { servicePlanId: change.isUnlink ? '' : options.servicePlan } : {}),
    ...(change.touchesCampaign ? { campaignId: change.isUnlink ? '' : options.campaign } : {}),
  };
  const body: UpdateImportedNumberRequest = { smsConfiguration };
  const label = change.isUnlink ? 'Unlinking' : 'Linking';
  const input = collectNumbers(numbers, options.file);
  const { results, failures } = await forEachNumber(input, output, label, (phoneNumber) => client.importedNumbers.update(phoneNumber, body));
  const exitOnFailures = failures.length > 0 ? EXIT.API_ERROR : EXIT.OK;
  if (options.wait !== true) {
    output.result({ importedNumbers: results, errors: failures }, () => {
      printConfigurations(output, results);
      output.note('The steps run on the server; add --wait, or follow them with `numberhost numbers get`.');
    });
    return exitOnFailures;
  }
  const settled = await waitForSteps(
    client,
    output,
    results.map((number) => number.phoneNumber as string),
    options.timeout * 1000,
  );
  output.result({ importedNumbers: settled, errors: failures }, () => printNumbersWithSteps(output, settled));
  if (exitOnFailures !== EXIT.OK) {
    return exitOnFailures;
  }
  return settled.some((number) => hasFailedStep(number, change)) ? EXIT.FAILED : EXIT.OK;
}

function listQuery(options: { servicePlan?: string; campaign?: string; region?: string; pattern?: string; search?: string }): ListImportedNumbersQuery {
  if (options.search !== undefined && options.pattern === undefined) {
    throw usageError('--search needs --pattern: give the digits to look for, such as --pattern 555 --search contain.');
  }
  // The spec marks servicePlanId and campaignId required, so both are always sent, "" for any (numberhost reads "" as no filter).
  const query: ListImportedNumbersQuery = { servicePlanId: options.servicePlan ?? '', campaignId: options.campaign ?? '' };
  if (options.region !== undefined) {
    query.regionCode = options.region;
  }
  if (options.pattern !== undefined) {
    query['numberPattern.pattern'] = options.pattern;
    query['numberPattern.searchPattern'] = (options.search ?? 'start').toUpperCase() as 'START' | 'CONTAIN' | 'END';
  }
  return query;
}

function registerListCommand(numbers: Command): void {
  numbers
    .command('list')
    .description('List imported numbers, every page.')
    .option('--service-plan <id>', 'only numbers linked to this service plan')
    .option('--campaign <id>', 'only numbers linked to this campaign')
    .option('--region <code>', 'only numbers of this region, US or CA')
    .option('--pattern <digits>', 'only numbers that match these digits (at the start unless --search says otherwise)')
    .addOption(new Option('--search <position>', 'where in the number --pattern must match (default: start)').choices(['start', 'contain', 'end']))
    .addHelpText('after', '\nExamples:\n  numberhost numbers list --service-plan my-plan\n  numberhost numbers list --pattern 0134 --search end --json')
    .action(
      workflowAction(async ({ client, output }, options: { servicePlan?: string; campaign?: string; region?: string; pattern?: string; search?: string }) => {
        const query = listQuery(options);
        const found: ImportedNumberResponse[] = [];
        for await (const number of client.importedNumbers.iterate(query)) {
          found.push(number);
        }
        output.result({ importedNumbers: found }, () => {
          printNumbersWithSteps(output, found);
          output.note(`${found.length} imported number${found.length === 1 ? '' : 's'}.`);
        });
      }),
    );
}

function registerGetCommand(numbers: Command): void {
  numbers
    .command('get')
    .description('Show imported numbers with their service plan, campaign, step and carrier states.')
    .argument('[numbers...]', 'E.164 numbers, such as +12025550134')
    .option('--file <path>', 'numbers from a file: one per line, or a CSV with a phoneNumber column')
    .addHelpText('after', `\nExample:\n  numberhost numbers get +12025550134 --json\n${EXIT_CODES_HELP}`)
    .action(
      workflowAction(async ({ client, output }, phoneNumbers: string[], options: { file?: string }) => {
        const input = collectNumbers(phoneNumbers, options.file);
        const { results, failures } = await forEachNumber(input, output, 'Reading', (phoneNumber) => client.importedNumbers.get(phoneNumber));
        const json = input.length === 1 ? results[0] : { importedNumbers: results, errors: failures };
        output.result(json, () => results.forEach((number) => printNumberDetail(output, number)));
        return failures.length > 0 ? EXIT.API_ERROR : EXIT.OK;
      }),
    );
}

function registerUpdateCommand(numbers: Command): void {
  numbers
    .command('update')
    .description('Change the display name or callback URL of imported numbers.')
    .argument('[numbers...]', 'E.164 numbers')
    .option('--file <path>', 'numbers from a file: one per line, or a CSV with a phoneNumber column')
    .option('--name <displayName>', 'display name; "" clears it')
    .option('--callback-url <url>', 'URL that receives the callbacks of these numbers; "" clears it')
    .addHelpText('after', `\nExample:\n  numberhost numbers update +12025550134 --name "Support line" --callback-url https://example.com/callbacks\n${EXIT_CODES_HELP}`)
    .action(
      workflowAction(async ({ client, output }, phoneNumbers: string[], options: { file?: string; name?: string; callbackUrl?: string }) => {
        if (options.name === undefined && options.callbackUrl === undefined) {
          throw usageError('Nothing to change: give --name, --callback-url or both.');
        }
        const input = collectNumbers(phoneNumbers, options.file);
        const body: UpdateImportedNumberRequest = {
          ...(options.name === undefined ? {} : { displayName: options.name }),
          ...(options.callbackUrl === undefined ? {} : { callbackUrl: options.callbackUrl }),
        };
        const { results, failures } = await forEachNumber(input, output, 'Updating', (phoneNumber) => client.importedNumbers.update(phoneNumber, body));
        output.result({ importedNumbers: results, errors: failures }, () => printConfigurations(output, results));
        return failures.length > 0 ? EXIT.API_ERROR : EXIT.OK;
      }),
    );
}

function registerLinkCommands(numbers: Command): void {
  numbers
    .command('link')
    .description('Link imported numbers to a service plan and, optionally, a 10DLC campaign.')
    .argument('[numbers...]', 'E.164 numbers')
    .option('--file <path>', 'numbers from a file: one per line, or a CSV with a phoneNumber column')
    .requiredOption('--service-plan <id>', 'service plan to link')
    .option('--campaign <id>', '10DLC campaign to link')
    .option('--wait', 'wait until the SMS platform and campaign steps end; exit 1 if one FAILED')
    .option('--timeout <seconds>', 'with --wait, stop waiting after this many seconds', parseTimeoutSeconds, 600)
    .addHelpText('after', `\nExample:\n  numberhost numbers link +12025550134 --service-plan my-plan --campaign CAMP123 --wait\n${EXIT_CODES_WAIT_HELP}`)
    .action(
      workflowAction(async ({ client, output }, phoneNumbers: string[], options: ChangeOptions) => {
        const change = { isUnlink: false, touchesServicePlan: true, touchesCampaign: options.campaign !== undefined };
        return changeSmsConfiguration(client, output, phoneNumbers, options, change);
      }),
    );

  numbers
    .command('unlink')
    .description('Unlink imported numbers from their service plan and campaign, or from the campaign only.')
    .argument('[numbers...]', 'E.164 numbers')
    .option('--file <path>', 'numbers from a file: one per line, or a CSV with a phoneNumber column')
    .option('--campaign-only', 'unlink the campaign and keep the service plan')
    .option('--wait', 'wait until the unlink steps end; exit 1 if one FAILED')
    .option('--timeout <seconds>', 'with --wait, stop waiting after this many seconds', parseTimeoutSeconds, 600)
    .addHelpText('after', `\nExamples:\n  numberhost numbers unlink +12025550134 --wait\n  numberhost numbers unlink --file numbers.csv --campaign-only\n${EXIT_CODES_WAIT_HELP}`)
    .action(
      workflowAction(async ({ client, output }, phoneNumbers: string[], options: ChangeOptions & { campaignOnly?: boolean }) => {
        const change = { isUnlink: true, touchesServicePlan: options.campaignOnly !== true, touchesCampaign: true };
        return changeSmsConfiguration(client, output, phoneNumbers, options, change);
      }),
    );
}

function registerDeleteCommand(numbers: Command): void {
  numbers
    .command('delete')
    .description('Delete imported numbers from the project.')
    .argument('[numbers...]', 'E.164 numbers')
    .option('--file <path>', 'numbers from a file: one per line, or a CSV with a phoneNumber column')
    .addHelpText('after', `\nExample:\n  numberhost numbers delete +12025550134\n${EXIT_CODES_HELP}`)
    .action(
      workflowAction(async ({ client, output }, phoneNumbers: string[], options: { file?: string }) => {
        const input = collectNumbers(phoneNumbers, options.file);
        const { results, failures } = await forEachNumber(input, output, 'Deleting', async (phoneNumber) => {
          await client.importedNumbers.delete(phoneNumber);
          return phoneNumber;
        });
        output.result({ deleted: results, errors: failures }, () => output.line(`Deleted ${results.length} imported number${results.length === 1 ? '' : 's'}.`));
        return failures.length > 0 ? EXIT.API_ERROR : EXIT.OK;
      }),
    );
}

/** `numberhost numbers list|get|update|link|unlink|delete`: the imported numbers of the project. */
export function registerNumbersCommands(program: Command): void {
  const numbers = program.command('numbers').description('Imported numbers: list, show, rename, link, unlink and delete them.');
  registerListCommand(numbers);
  registerGetCommand(numbers);
  registerUpdateCommand(numbers);
  registerLinkCommands(numbers);
  registerDeleteCommand(numbers);
}
