import { readFileSync } from 'node:fs';
import { Option } from 'commander';
import type { Command } from 'commander';
import type { DirectLoaInfo, HostingOrder, ResellerLoaInfo } from '../../../sdk/index.js';
import type { CliContext } from '../context.js';
import type { ExitCode } from '../exit-codes.js';
import { isCalendarDate } from '../../../domain/loa-rules.js';
import { EXIT, usageError } from '../exit-codes.js';
import type { InputNumber } from '../numbers-input.js';
import { chunk, collectNumbers } from '../numbers-input.js';
import { workflowAction } from '../run.js';
import { noteCreatedBefore, withNumberSources } from './import.js';
import type { WaitFlags } from './orders.js';
import { addWaitOptions, DEFAULT_INTERVAL_S, reportWatchOutcome, watchHostingOrders } from './orders.js';

/** Numbers per text-enable order, the API's limit. */
const ORDER_SIZE = 500;
/** Area codes of toll-free numbers, for messages. */
const TOLL_FREE_AREA_CODES = '800, 833, 844, 855, 866, 877, 888';
/** RFC 3339 date-time: date, `T`, time with optional fraction, and `Z` or an offset. */
const RFC_3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const NNID = /^\d{1,10}$/;

type LoaKind = 'direct' | 'reseller' | 'blanket';

interface TextEnableFlags extends WaitFlags {
  file?: string;
  loa: LoaKind;
  loaFile?: string;
  tollFree?: boolean;
  osrAt?: string;
  nnid?: string;
  servicePlan: string;
  campaign?: string;
  region: string;
  callbackUrl?: string;
  name?: string;
  wait?: boolean;
}

const LOA_FIELDS = {
  authorisedPerson: ['firstName', 'lastName', 'email'],
  address: ['buildingNumber', 'street', 'city', 'state', 'postalCode', 'country'],
} as const;

const LOA_EXAMPLE = `{
  "businessName": "Acme, Inc.",
  "authorisedPerson": {"firstName": "Ada", "lastName": "Lovelace", "email": "ada@example.com"},
  "address": {"buildingNumber": "1", "street": "Main St", "city": "Denver", "state": "CO", "postalCode": "80202", "country": "US"},
  "currentVoiceCarrier": "TMO"
}`;

/** Checks one text field of the LOA: a non-empty string on a single line. */
function checkText(value: unknown, field: string, problems: string[]): void {
  if (value === undefined) {
    problems.push(`${field} is missing.`);
  } else if (typeof value !== 'string') {
    problems.push(`${field} must be a string; got ${JSON.stringify(value)}.`);
  } else if (value.trim() === '') {
    problems.push(`${field} is empty.`);
  } else if (/[\r\n\t\u0000-\u001f]/.test(value)) {
    problems.push(`${field} must be a single line of text.`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkObject(value: unknown, field: string, expected: readonly string[], problems: string[]): void {
  if (value === undefined) {
    problems.push(`${field} is missing; it needs ${expected.join(', ')}.`);
    return;
  }
  if (!isObject(value)) {
    problems.push(`${field} must be an object with ${expected.join(', ')}.`);
    return;
  }
  for (const name of expected) {
    checkText(value[name], `${field}.${name}`, problems);
  }
  for (const name of Object.keys(value).filter((key) => !expected.includes(key))) {
    problems.push(`${field}.${name} is not an LOA field; ${field} takes ${expected.join(', ')}.`);
  }
}

/**
 * Reads and checks the LOA file: the fields of a direct LOA (authorisedPerson, address,
 * currentVoiceCarrier) plus businessName for a reseller, each a non-empty single line.
 * Every problem is reported at once, with exit code 2.
 */
export function readLoaFile(path: string, kind: 'direct' | 'reseller', readFile: (path: string) => string = (file) => readFileSync(file, 'utf8')): DirectLoaInfo | ResellerLoaInfo {
  let text: string;
  try {
    text = readFile(path);
  } catch (error) {
    throw usageError(`Cannot read the LOA file ${path}: ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw usageError(`The LOA file ${path} is not valid JSON (${(error as Error).message}). It should look like this (businessName only for a reseller LOA):\n${LOA_EXAMPLE}`);
  }
  const problems: string[] = [];
  if (!isObject(value)) {
    problems.push('the file must contain one JSON object.');
  } else {
    const topLevel = kind === 'reseller' ? ['businessName', 'authorisedPerson', 'address', 'currentVoiceCarrier'] : ['authorisedPerson', 'address', 'currentVoiceCarrier'];
    if (kind === 'reseller') {
      checkText(value.businessName, 'businessName', problems);
    } else if (value.businessName !== undefined) {
      problems.push('businessName is only for a reseller LOA; remove it, or use --loa reseller.');
    }
    checkObject(value.authorisedPerson, 'authorisedPerson', LOA_FIELDS.authorisedPerson, problems);
    const email = isObject(value.authorisedPerson) ? value.authorisedPerson.email : undefined;
    if (typeof email === 'string' && email.trim() !== '' && !/^[^\s@]+@[^\s@]+$/.test(email)) {
      problems.push(`authorisedPerson.email ${JSON.stringify(email)} is not an e-mail address; the LOA is mailed there for signature.`);
    }
    checkObject(value.address, 'address', LOA_FIELDS.address, problems);
    checkText(value.currentVoiceCarrier, 'currentVoiceCarrier', problems);
    for (const name of Object.keys(value).filter((key) => !topLevel.includes(key) && key !== 'businessName')) {
      problems.push(`${name} is not an LOA field; a ${kind} LOA takes ${topLevel.join(', ')}.`);
    }
  }
  if (problems.length > 0) {
    throw usageError(`The LOA file ${path} is not a valid ${kind} LOA; nothing was sent:\n${problems.map((problem) => `  ${path}: ${problem}`).join('\n')}\nA ${kind} LOA looks like this${kind === 'direct' ? ', without businessName' : ''}:\n${LOA_EXAMPLE}`);
  }
  return value as unknown as DirectLoaInfo | ResellerLoaInfo;
}

/** Checks the flags that do not depend on the numbers, and reports every problem at once. */
function checkFlags(flags: TextEnableFlags): void {
  const problems: string[] = [];
  if (flags.loa === 'blanket' && flags.loaFile !== undefined) {
    problems.push('--loa-file is not used with --loa blanket: the project\'s blanket LOA covers the order.');
  }
  if (flags.loa !== 'blanket' && flags.loaFile === undefined) {
    problems.push(`--loa ${flags.loa} needs --loa-file with the LOA details (a JSON file).`);
  }
  if (flags.tollFree === true) {
    if (flags.loa === 'blanket') {
      problems.push('--toll-free takes --loa direct or reseller; a blanket LOA covers standard numbers only.');
    }
    if (flags.campaign !== undefined) {
      problems.push('--campaign is not used with --toll-free: toll-free numbers are not linked to 10DLC campaigns.');
    }
    if (flags.nnid !== undefined) {
      problems.push('--nnid is not used with --toll-free.');
    }
  }
  if (flags.nnid !== undefined && !NNID.test(flags.nnid)) {
    problems.push(`--nnid ${JSON.stringify(flags.nnid)} is invalid: use 1 to 10 digits.`);
  }
  if (flags.osrAt !== undefined && (!RFC_3339.test(flags.osrAt) || !isCalendarDate(flags.osrAt))) {
    problems.push(`--osr-at ${JSON.stringify(flags.osrAt)} is not an RFC 3339 time; use a form such as 2027-01-15T15:00:00Z.`);
  }
  if (problems.length > 0) {
    throw usageError(problems.join('\n'));
  }
}

/** Checks that the numbers are all toll-free with --toll-free, and none is without it. */
function checkTollFree(numbers: readonly InputNumber[], isTollFree: boolean): void {
  const wrong = numbers.filter((number) => number.isTollFree !== isTollFree);
  if (wrong.length === 0) {
    return;
  }
  const list = wrong.map((number) => `  ${number.source}: ${number.e164}`).join('\n');
  if (isTollFree) {
    throw usageError(`With --toll-free every number must be toll-free (area codes ${TOLL_FREE_AREA_CODES}); ${wrong.length} ${wrong.length === 1 ? 'is' : 'are'} not, and nothing was sent:\n${list}\nText-enable them in a separate run without --toll-free.`);
  }
  throw usageError(`${wrong.length} toll-free number${wrong.length === 1 ? '' : 's'} (area codes ${TOLL_FREE_AREA_CODES}) in the input; nothing was sent:\n${list}\nText-enable toll-free numbers in a separate run with --toll-free.`);
}

type LoaInfo = { directLoaInfo: DirectLoaInfo } | { resellerLoaInfo: ResellerLoaInfo } | { blanketLoaInfo: Record<string, never> };

function loaInfo(flags: TextEnableFlags): LoaInfo {
  if (flags.loa === 'blanket') {
    return { blanketLoaInfo: {} };
  }
  const loa = readLoaFile(flags.loaFile as string, flags.loa);
  return flags.loa === 'reseller' ? { resellerLoaInfo: loa as ResellerLoaInfo } : { directLoaInfo: loa as DirectLoaInfo };
}

async function createOrder({ client }: CliContext, numbers: string[], flags: TextEnableFlags, loa: LoaInfo): Promise<HostingOrder> {
  const common = {
    regionCode: flags.region,
    numbers,
    servicePlanId: flags.servicePlan,
    ...(flags.callbackUrl === undefined ? {} : { callbackUrl: flags.callbackUrl }),
    ...(flags.name === undefined ? {} : { displayName: flags.name }),
  };
  if (flags.tollFree === true) {
    const tollFreeLoa = 'resellerLoaInfo' in loa ? { resellerLoaInfo: loa.resellerLoaInfo } : { directLoaInfo: (loa as { directLoaInfo: DirectLoaInfo }).directLoaInfo };
    return client.hostingOrders.textEnableTollFreeNumbers({
      ...common,
      ...(flags.osrAt === undefined ? {} : { scheduledZipwhipProvisioningTime: flags.osrAt }),
      ...tollFreeLoa,
    });
  }
  return client.hostingOrders.textEnableNumbers({
    ...common,
    ...(flags.campaign === undefined ? {} : { campaignId: flags.campaign }),
    ...(flags.nnid === undefined ? {} : { nnid: flags.nnid }),
    ...(flags.osrAt === undefined ? {} : { scheduledOsrUpdateTime: flags.osrAt }),
    ...loa,
  });
}

async function createOrders(context: CliContext, input: readonly InputNumber[], flags: TextEnableFlags, loa: LoaInfo): Promise<HostingOrder[]> {
  const { output } = context;
  const parts = chunk(input, ORDER_SIZE);
  const created: HostingOrder[] = [];
  const progress = output.progress('Creating text-enable orders', parts.length);
  try {
    for (const part of parts) {
      try {
        created.push(
          await createOrder(
            context,
            part.map((number) => number.e164),
            flags,
            loa,
          ),
        );
      } catch (error) {
        progress.stop();
        noteCreatedBefore(
          output,
          'text-enable orders were',
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

function mailedTo(order: HostingOrder): string {
  return order.textEnableInfo?.authorisedPerson?.email ?? 'the authorised person';
}

async function textEnable(context: CliContext, numbers: string[], flags: TextEnableFlags): Promise<ExitCode> {
  checkFlags(flags);
  const input = collectNumbers(numbers, flags.file);
  checkTollFree(input, flags.tollFree === true);
  const loa = loaInfo(flags);
  const { output } = context;
  const created = await createOrders(context, input, flags, loa);
  const ids = created.map((order) => order.hostingOrderId as string);
  if (flags.wait !== true) {
    output.result({ hostingOrders: created }, () => {
      output.table(
        ['ORDER', 'STATE', 'NUMBERS'],
        created.map((order, index) => [order.hostingOrderId, order.state, chunk(input, ORDER_SIZE)[index]?.length]),
      );
    });
    if (flags.loa !== 'blanket') {
      output.note(`The LOA of each order is mailed to ${mailedTo(created[0] as HostingOrder)} for signature; the orders wait for it.`);
    }
    output.note(`Follow the orders with: numberhost orders watch ${ids.join(' ')}`);
    return EXIT.OK;
  }
  const watched = await watchHostingOrders(context, ids, {
    timeoutMs: flags.timeout,
    intervalMs: flags.interval ?? DEFAULT_INTERVAL_S * 1000,
    onState: (order, notify) => {
      if (order.state === 'WAITING_FOR_LOA_SIGNATURE') {
        notify(`Order ${order.hostingOrderId}: the LOA was mailed to ${mailedTo(order)}; sign it from the link in the mail.`);
      }
    },
  });
  return reportWatchOutcome(context, watched);
}

export function registerTextEnableCommand(program: Command): void {
  const command = program
    .command('text-enable')
    .description(
      'Text-enable VERIFIED qualified numbers: one text-enable order per 500 numbers (hostingOrders:textEnableNumbers, or ' +
        'hostingOrders:textEnableTollFreeNumbers with --toll-free). With a direct or reseller LOA, each order waits until the ' +
        'authorised person signs the LOA mailed to them; a blanket LOA starts the work at once.',
    )
    .argument('[numbers...]', 'E.164 numbers, such as +12025550134')
    .option('--file <path>', 'numbers from a file: one per line, or a CSV with a phoneNumber column')
    .addOption(new Option('--loa <kind>', 'the Letter of Authorization: direct, reseller, or blanket (the project\'s operator-approved LOA)').choices(['direct', 'reseller', 'blanket']).makeOptionMandatory())
    .option('--loa-file <path>', 'JSON file with the LOA details, for --loa direct and reseller (see below)')
    .option('--toll-free', 'the numbers are toll-free (all of them must be; without this flag none may be)')
    .option('--osr-at <time>', 'RFC 3339 time of the OSR update, such as 2027-01-15T15:00:00Z; with --toll-free the time of SMS provisioning (scheduledZipwhipProvisioningTime), moved to the next day when the LOA is signed later. Default: as soon as the LOA is signed')
    .option('--nnid <digits>', 'NNID to point the numbers to (1 to 10 digits); default: the provider\'s NNID. Not with --toll-free')
    .requiredOption('--service-plan <id>', 'service plan to provision the numbers to (required)')
    .option('--campaign <id>', '10DLC campaign to link the numbers to; not with --toll-free')
    .addOption(new Option('--region <code>', 'region of the numbers').choices(['US', 'CA']).default('US'))
    .option('--callback-url <url>', 'URL that receives the callbacks of the orders')
    .option('--name <text>', 'display name of each order')
    .option('--wait', 'wait until every order is COMPLETED or REJECTED, then list the failed numbers');
  addWaitOptions(command, 'the work')
    .addHelpText(
      'after',
      `
The LOA file (--loa-file) holds one JSON object; businessName is for --loa reseller only:
${LOA_EXAMPLE}

Every number must be a VERIFIED qualified number (see numberhost qualify and numberhost verify).
Without --wait the command prints the ids of the orders it created and exits 0.

Examples:
  numberhost text-enable --file verified.csv --loa direct --loa-file loa.json --service-plan my-plan --campaign CAMP123 --wait
  numberhost text-enable +18885550100 --toll-free --loa reseller --loa-file loa.json --service-plan my-plan --osr-at 2027-01-15T15:00:00Z
  numberhost text-enable --file verified.csv --loa blanket --service-plan my-plan --json

Exit codes:
  0  done; with --wait, every order COMPLETED and no number failed
  1  with --wait, an order was REJECTED (the LOA was declined, say) or a number failed
  2  bad flags, an invalid LOA file, or an invalid or wrong kind of number in the input; nothing was sent
  3  the API rejected a request (a number not VERIFIED, say) or could not be reached
  4  --timeout passed or Ctrl-C was pressed; the orders go on on the server`,
    )
    .action(workflowAction(async (context, numbers: string[], flags: TextEnableFlags) => textEnable(context, numbers, flags)));
}
