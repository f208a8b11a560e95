import { InvalidArgumentError, Option } from 'commander';
import type { Command } from 'commander';
import { FINAL_HOSTING_ORDER_STATES } from '../../../sdk/index.js';
import type { HostingOrder, HostingOrderNumber, HostingOrderReport, HostingOrderState, HostingOrderType, ListHostingOrderNumbersQuery, StepState } from '../../../sdk/index.js';
import type { CliContext } from '../context.js';
import type { ExitCode } from '../exit-codes.js';
import { CliError, EXIT } from '../exit-codes.js';
import type { Output, Progress } from '../output.js';
import { workflowAction } from '../run.js';

const ORDER_STATES = ['DRAFT', 'SUBMITTED', 'WAITING_FOR_LOA_SIGNATURE', 'IN_PROGRESS', 'COMPLETED', 'REJECTED'] as const;
const STEP_STATES = ['WAITING', 'IN_PROGRESS', 'DONE', 'FAILED'] as const;
/** Page size for reading the numbers of an order (numberhost allows up to 1000). */
const NUMBERS_PAGE_SIZE = 1000;
/** Default pause between two reads of a watched order or number. */
export const DEFAULT_INTERVAL_S = 5;

/** Maximum delay of a timer (2^31 - 1 ms), in whole seconds. */
export const MAX_DURATION_S = 2_147_483;

/** Parses a duration flag in seconds (fractions allowed) into milliseconds. */
export function parseSeconds(value: string): number {
  const seconds = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value.trim()) || !Number.isFinite(seconds) || seconds < 0) {
    throw new InvalidArgumentError(`expected a number of seconds, 0 or more; got ${JSON.stringify(value)}.`);
  }
  if (seconds > MAX_DURATION_S) {
    throw new InvalidArgumentError(`expected at most ${MAX_DURATION_S} seconds (24 days); leave --timeout out to wait without a limit.`);
  }
  return Math.round(seconds * 1000);
}

/** Parses --timeout: like parseSeconds, but 0 is not a useful limit. */
export function parseTimeout(value: string): number {
  const timeoutMs = parseSeconds(value);
  if (timeoutMs === 0) {
    throw new InvalidArgumentError('expected more than 0 seconds; leave --timeout out to wait without a limit.');
  }
  return timeoutMs;
}

function parseOrderType(value: string): HostingOrderType {
  const upper = value.toUpperCase();
  if (upper === 'IMPORT') {
    return 'IMPORT';
  }
  if (upper === 'TEXT_ENABLE' || upper === 'TYPE_TEXT_ENABLE') {
    return 'TYPE_TEXT_ENABLE';
  }
  throw new InvalidArgumentError(`expected IMPORT or TEXT_ENABLE; got ${JSON.stringify(value)}.`);
}

/** Adds --timeout and --interval, the flags of every command that waits for orders. */
export function addWaitOptions(command: Command, remainingWork: string): Command {
  return command
    .option('--timeout <seconds>', `stop waiting after this many seconds (exit code 4; ${remainingWork} goes on on the server); default: no limit`, parseTimeout)
    .option('--interval <seconds>', `seconds between two reads of each order (default: ${DEFAULT_INTERVAL_S})`, parseSeconds);
}

export interface WaitFlags {
  timeout?: number;
  interval?: number;
}

/** True when a step of the number ended FAILED: its OSR update, SMS platform provisioning or campaign link. */
export function isFailedNumber(number: HostingOrderNumber): boolean {
  return number.osrUpdate?.state === 'FAILED' || number.platformProvisioning?.state === 'FAILED' || number.campaignProvisioning?.state === 'FAILED';
}

function isFinalState(state: HostingOrderState | undefined): boolean {
  return state !== undefined && FINAL_HOSTING_ORDER_STATES.includes(state);
}

/**
 * Counts the numbers of an order whose work has ended, from its report: all of them
 * once the order is COMPLETED or REJECTED, otherwise those past the order's last step
 * (the campaign link, or the SMS platform without a campaign). A failed number counts
 * only when the order ends, because the report has no failure counter.
 */
function settledCount(order: HostingOrder, report: HostingOrderReport): number {
  const total = report.total ?? 0;
  if (isFinalState(order.state)) {
    return total;
  }
  return (order.campaignId ?? '') === '' ? (report.smsProvisioned ?? 0) : (report.addedToCampaign ?? 0);
}

/** An abort signal for a wait that ends on --timeout or on Ctrl-C, both with exit code 4. */
export interface WaitSignal {
  signal: AbortSignal;
  dispose(): void;
}

/**
 * Starts the signal of a wait. On timeout or SIGINT it aborts with a CliError whose
 * message ends with `describePending()`, so the message can name what is still running.
 * Call `dispose` when the wait ends.
 */
export function startWaitSignal(timeoutMs: number | undefined, describePending: () => string): WaitSignal {
  const controller = new AbortController();
  const onInterrupt = (): void => {
    controller.abort(new CliError(`Interrupted. ${describePending()}`, EXIT.TIMEOUT));
  };
  process.once('SIGINT', onInterrupt);
  const timer =
    timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          controller.abort(new CliError(`Timed out after ${timeoutMs / 1000} s. ${describePending()}`, EXIT.TIMEOUT));
        }, timeoutMs);
  return {
    signal: controller.signal,
    dispose: () => {
      clearTimeout(timer);
      process.removeListener('SIGINT', onInterrupt);
    },
  };
}

/** The last read of a watched order. */
export interface WatchedOrder {
  hostingOrder: HostingOrder;
  report: HostingOrderReport;
}

export interface WatchOptions {
  timeoutMs?: number;
  intervalMs: number;
  /** Called with the first read of each order and after each change of its state; `notify` prints a line without breaking the progress bar. */
  onState?: (order: HostingOrder, notify: (text: string) => void) => void;
}

/**
 * A progress display that a message can interrupt: on a terminal the bar is stopped,
 * the message printed, and a new bar started at the same count.
 */
class InterruptibleProgress {
  private progress: Progress;
  private done = 0;
  private detail: string | undefined;

  constructor(
    private readonly output: Output,
    private readonly label: string,
    private readonly total: number,
  ) {
    this.progress = output.progress(label, total);
  }

  update(done: number, detail?: string): void {
    this.done = done;
    this.detail = detail;
    this.progress.update(done, detail);
  }

  notify(text: string): void {
    if (process.stderr.isTTY !== true || this.output.isJson) {
      this.output.note(text);
      return;
    }
    this.progress.stop();
    this.output.note(text);
    this.progress = this.output.progress(this.label, this.total);
    this.progress.update(this.done, this.detail);
  }

  stop(): void {
    this.progress.stop();
  }
}

function summariseStates(orders: Iterable<WatchedOrder>): string {
  const counts = new Map<string, number>();
  for (const { hostingOrder } of orders) {
    const state = hostingOrder.state ?? 'UNKNOWN';
    counts.set(state, (counts.get(state) ?? 0) + 1);
  }
  return [...counts].map(([state, count]) => `${count} ${state}`).join(', ');
}

/** The state of a watch: the last read of each order, and its display. */
class OrderWatch {
  private readonly watched = new Map<string, WatchedOrder>();
  private progress: InterruptibleProgress | undefined;
  private readonly isTerminal = process.stderr.isTTY === true;

  constructor(
    private readonly output: Output,
    private readonly hostingOrderIds: readonly string[],
    private readonly onState: WatchOptions['onState'],
  ) {}

  /** Starts the display with the first read of every order. */
  start(first: readonly WatchedOrder[]): void {
    const total = first.reduce((sum, { report }) => sum + (report.total ?? 0), 0);
    const count = this.hostingOrderIds.length;
    this.progress = new InterruptibleProgress(this.output, `Watching ${count} order${count === 1 ? '' : 's'}`, total);
    this.hostingOrderIds.forEach((id, index) => this.record(id, first[index] as WatchedOrder));
  }

  /** Stores a read, announces a change of state, and updates the display. */
  record(id: string, latest: WatchedOrder): void {
    const previous = this.watched.get(id)?.hostingOrder.state;
    this.watched.set(id, latest);
    if (previous !== latest.hostingOrder.state) {
      const notify = (text: string): void => this.progress?.notify(text);
      if (!this.isTerminal) {
        const from = previous === undefined ? '' : `${previous} -> `;
        const count = latest.report.total ?? 0;
        notify(`Order ${id}: ${from}${latest.hostingOrder.state ?? 'UNKNOWN'} (${count} number${count === 1 ? '' : 's'})`);
      }
      this.onState?.(latest.hostingOrder, notify);
    }
    const done = [...this.watched.values()].reduce((sum, order) => sum + settledCount(order.hostingOrder, order.report), 0);
    this.progress?.update(done, summariseStates(this.watched.values()));
  }

  describePending(): string {
    const pending = this.hostingOrderIds.filter((id) => !isFinalState(this.watched.get(id)?.hostingOrder.state));
    const list = pending.map((id) => `${id} (${this.watched.get(id)?.hostingOrder.state ?? 'not read yet'})`).join(', ');
    return `Not finished yet: ${list}. The orders go on on the server; follow them with numberhost orders watch ${pending.join(' ')}.`;
  }

  stop(): void {
    this.progress?.stop();
  }

  results(): WatchedOrder[] {
    return this.hostingOrderIds.map((id) => this.watched.get(id) as WatchedOrder);
  }
}

/**
 * Waits until every given order is COMPLETED or REJECTED, with a progress bar over their
 * numbers. Prints each state change as a line when stderr is not a terminal. Throws a
 * CliError with exit code 4 on --timeout or Ctrl-C, naming the orders not yet done.
 */
export async function watchHostingOrders({ client, output }: CliContext, hostingOrderIds: readonly string[], options: WatchOptions): Promise<WatchedOrder[]> {
  const watch = new OrderWatch(output, hostingOrderIds, options.onState);
  // Started before the first request, so Ctrl-C and --timeout cover the whole command.
  const wait = startWaitSignal(options.timeoutMs, () => watch.describePending());
  const { signal } = wait;
  try {
    const first = await Promise.all(
      hostingOrderIds.map(async (id) => {
        const [hostingOrder, report] = await Promise.all([client.hostingOrders.get(id, { signal }), client.hostingOrders.report(id, { signal })]);
        return { hostingOrder, report };
      }),
    );
    watch.start(first);
    await Promise.all(
      hostingOrderIds.map((id) =>
        client.waitForHostingOrder(id, {
          intervalMs: options.intervalMs,
          signal,
          onProgress: ({ hostingOrder, report }) => watch.record(id, { hostingOrder, report }),
        }),
      ),
    );
  } catch (error) {
    throw signal.aborted ? signal.reason : error;
  } finally {
    wait.dispose();
    watch.stop();
  }
  return watch.results();
}

/** Reads every number of an order, page after page. */
export async function readOrderNumbers({ client }: CliContext, hostingOrderId: string, query: Omit<ListHostingOrderNumbersQuery, 'pageToken'> = {}): Promise<HostingOrderNumber[]> {
  const numbers: HostingOrderNumber[] = [];
  for await (const number of client.hostingOrders.iterateNumbers(hostingOrderId, { pageSize: NUMBERS_PAGE_SIZE, ...query })) {
    numbers.push(number);
  }
  return numbers;
}

export function printOrderNumbers(output: Output, numbers: readonly HostingOrderNumber[]): void {
  output.table(
    ['NUMBER', 'OSR', 'PLATFORM', 'CAMPAIGN'],
    numbers.map((number) => [number.phoneNumber, number.osrUpdate?.state, number.platformProvisioning?.state, number.campaignProvisioning?.state]),
  );
}

export function printOrders(output: Output, orders: readonly HostingOrder[]): void {
  output.table(
    ['ID', 'TYPE', 'STATE', 'SERVICE PLAN', 'CAMPAIGN', 'CREATED', 'NAME'],
    orders.map((order) => [order.hostingOrderId, order.type, order.state, order.servicePlanId, order.campaignId, order.createdTime, order.displayName]),
  );
}

function printFields(output: Output, fields: ReadonlyArray<readonly [string, unknown]>): void {
  const present = fields.filter(([, value]) => value !== undefined && value !== '');
  const width = Math.max(...present.map(([name]) => name.length));
  for (const [name, value] of present) {
    output.line(`${name.padEnd(width)}  ${typeof value === 'string' ? value : JSON.stringify(value)}`);
  }
}

function printOrder(output: Output, order: HostingOrder): void {
  const info = order.textEnableInfo;
  printFields(output, [
    ['hostingOrderId', order.hostingOrderId],
    ['type', order.type],
    ['state', order.state],
    ['displayName', order.displayName],
    ['regionCode', order.regionCode],
    ['servicePlanId', order.servicePlanId],
    ['campaignId', order.campaignId],
    ['callbackUrl', order.callbackUrl],
    ['scheduledOsrUpdateTime', order.scheduledOsrUpdateTime],
    ['createdTime', order.createdTime],
    ['updatedTime', order.updatedTime],
    ['loaType', info?.loaType],
    ['businessName', info?.businessName],
    ['authorisedPerson', info?.authorisedPerson === undefined ? undefined : `${info.authorisedPerson.firstName} ${info.authorisedPerson.lastName} <${info.authorisedPerson.email}>`],
    ['currentVoiceCarrier', info?.currentVoiceCarrier],
    ['nnid', info?.nnid],
  ]);
}

function printReport(output: Output, report: HostingOrderReport): void {
  printFields(output, [
    ['total', String(report.total ?? 0)],
    ['osrUpdated', String(report.osrUpdated ?? 0)],
    ['smsProvisioned', String(report.smsProvisioned ?? 0)],
    ['addedToCampaign', String(report.addedToCampaign ?? 0)],
    ['ongoingManualAction', String(report.ongoingManualAction ?? 0)],
  ]);
}

/** The outcome of watched orders: each with its failed numbers. */
export interface WatchOutcome {
  hostingOrder: HostingOrder;
  report: HostingOrderReport;
  failedNumbers: HostingOrderNumber[];
}

/** Exit code of a finished watch: 1 when an order was REJECTED or a number failed, else 0. */
export function watchExitCode(outcomes: readonly WatchOutcome[]): ExitCode {
  const isAllGood = outcomes.every((outcome) => outcome.hostingOrder.state === 'COMPLETED' && outcome.failedNumbers.length === 0);
  return isAllGood ? EXIT.OK : EXIT.FAILED;
}

/** Reads the failed numbers of each finished order and prints the outcome. */
export async function reportWatchOutcome(context: CliContext, watched: readonly WatchedOrder[]): Promise<ExitCode> {
  const { output } = context;
  const outcomes: WatchOutcome[] = [];
  for (const { hostingOrder, report } of watched) {
    const numbers = await readOrderNumbers(context, hostingOrder.hostingOrderId as string);
    outcomes.push({ hostingOrder, report, failedNumbers: numbers.filter(isFailedNumber) });
  }
  output.result({ orders: outcomes }, () => {
    output.table(
      ['ORDER', 'TYPE', 'STATE', 'NUMBERS', 'FAILED'],
      outcomes.map(({ hostingOrder, report, failedNumbers }) => [hostingOrder.hostingOrderId, hostingOrder.type, hostingOrder.state, report.total ?? 0, failedNumbers.length]),
    );
    const failed = outcomes.flatMap((outcome) => outcome.failedNumbers);
    if (failed.length > 0) {
      output.line('');
      output.line('Failed numbers:');
      printOrderNumbers(output, failed);
    }
  });
  return watchExitCode(outcomes);
}

const WATCH_EXIT_CODES = `
Exit codes:
  0  every order COMPLETED and no number failed
  1  an order was REJECTED or a number failed
  2  bad flags
  3  the API returned an error (an unknown order id, say) or could not be reached
  4  --timeout passed or Ctrl-C was pressed; the orders go on on the server`;

export function registerOrdersCommands(program: Command): void {
  const orders = program.command('orders').description('List hosting orders, show their numbers and counters, and wait for them to finish.');

  orders
    .command('list')
    .description('List hosting orders, every page.')
    .addOption(new Option('--state <state>', 'only orders in this state').choices(ORDER_STATES))
    .option('--type <type>', 'only IMPORT or TEXT_ENABLE orders', parseOrderType)
    .option('--service-plan <id>', 'only orders of this service plan')
    .option('--campaign <id>', 'only orders of this campaign')
    .addOption(new Option('--region <code>', 'only orders of this region').choices(['US', 'CA']))
    .addHelpText('after', '\nExample:\n  numberhost orders list --state IN_PROGRESS --type TEXT_ENABLE')
    .action(
      workflowAction(async ({ client, output }, options: { state?: HostingOrderState; type?: HostingOrderType; servicePlan?: string; campaign?: string; region?: string }) => {
        const found: HostingOrder[] = [];
        // The API requires all four filters; the UNSPECIFIED values and '' mean any.
        const query = {
          states: options.state ?? 'HOSTING_ORDER_STATE_UNSPECIFIED',
          type: options.type ?? 'HOSTING_ORDER_TYPE_UNSPECIFIED',
          servicePlanId: options.servicePlan ?? '',
          campaignId: options.campaign ?? '',
          pageSize: 100,
          ...(options.region === undefined ? {} : { regionCode: options.region }),
        } as const;
        for await (const order of client.hostingOrders.iterate(query)) {
          found.push(order);
        }
        output.result({ hostingOrders: found }, () => printOrders(output, found));
      }),
    );

  orders
    .command('get')
    .description('Show one hosting order.')
    .argument('<id>', 'hosting order id')
    .addHelpText('after', '\nExample:\n  numberhost orders get 01jbz3r0h7k5q2m8w6x4y9t1va --json')
    .action(
      workflowAction(async ({ client, output }, id: string) => {
        const order = await client.hostingOrders.get(id);
        output.result(order, () => printOrder(output, order));
      }),
    );

  orders
    .command('numbers')
    .description('List the numbers of a hosting order with the state of each step: OSR update, SMS platform provisioning, campaign link.')
    .argument('<id>', 'hosting order id')
    .addOption(new Option('--osr-state <state>', 'only numbers whose OSR update is in this state').choices(STEP_STATES))
    .addOption(new Option('--platform-state <state>', 'only numbers whose SMS platform provisioning is in this state').choices(STEP_STATES))
    .addOption(new Option('--campaign-state <state>', 'only numbers whose campaign link is in this state').choices(STEP_STATES))
    .addHelpText('after', '\nExample:\n  numberhost orders numbers 01jbz3r0h7k5q2m8w6x4y9t1va --platform-state FAILED')
    .action(
      workflowAction(async (context, id: string, options: { osrState?: StepState; platformState?: StepState; campaignState?: StepState }) => {
        const numbers = await readOrderNumbers(context, id, {
          ...(options.osrState === undefined ? {} : { osrUpdateState: options.osrState }),
          ...(options.platformState === undefined ? {} : { platformProvisioningState: options.platformState }),
          ...(options.campaignState === undefined ? {} : { campaignProvisioningState: options.campaignState }),
        });
        context.output.result({ numbers }, () => printOrderNumbers(context.output, numbers));
      }),
    );

  orders
    .command('report')
    .description('Show the counters of a hosting order: numbers in total, OSR updated, provisioned to SMS, added to the campaign, waiting for manual work.')
    .argument('<id>', 'hosting order id')
    .addHelpText('after', '\nExample:\n  numberhost orders report 01jbz3r0h7k5q2m8w6x4y9t1va')
    .action(
      workflowAction(async ({ client, output }, id: string) => {
        const report = await client.hostingOrders.report(id);
        output.result(report, () => printReport(output, report));
      }),
    );

  addWaitOptions(
    orders
      .command('watch')
      .description(
        'Wait until every given order is COMPLETED or REJECTED, with a progress bar over their numbers (plain lines with each state change when stderr is not a terminal), then list the failed numbers.',
      )
      .argument('<ids...>', 'hosting order ids'),
    'the work',
  )
    .addHelpText('after', `\nExample:\n  numberhost orders watch 01jbz3r0h7k5q2m8w6x4y9t1va 01jbz3r2a1b2c3d4e5f6g7h8j9 --timeout 3600\n${WATCH_EXIT_CODES}`)
    .action(
      workflowAction(async (context, ids: string[], options: WaitFlags) => {
        const unique = [...new Set(ids)];
        const watched = await watchHostingOrders(context, unique, { timeoutMs: options.timeout, intervalMs: options.interval ?? DEFAULT_INTERVAL_S * 1000 });
        return reportWatchOutcome(context, watched);
      }),
    );
}
