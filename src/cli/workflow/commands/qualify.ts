import type { Command } from 'commander';
import type { QualifiedNumber } from '../../../sdk/index.js';
import { EXIT } from '../exit-codes.js';
import { chunk, collectNumbers } from '../numbers-input.js';
import type { Output } from '../output.js';
import { workflowAction } from '../run.js';
import { parseTimeout } from './orders.js';

/** Numbers per addNumbers request, the API's limit. */
const ADD_CHUNK_SIZE = 500;

function shortState(state: string | undefined): string {
  return (state ?? '').replace(/^GLOBAL_PROCESS_STATE_/, '');
}

export function printQualifiedNumbers(output: Output, numbers: readonly QualifiedNumber[]): void {
  output.table(
    ['NUMBER', 'STATE', 'ELIGIBILITY', 'OWNERSHIP', 'ERROR'],
    numbers.map((number) => [
      number.phoneNumber,
      shortState(number.globalProcessState),
      number.osrEligibility?.status,
      number.ownershipVerification?.status,
      number.osrEligibility?.error || number.ownershipVerification?.error || number.hostedNumber?.error,
    ]),
  );
}

export function registerQualifyCommands(program: Command): void {
  const qualify = program.command('qualify').description('Qualify numbers owned elsewhere: add them, check eligibility, list and delete them.');

  qualify
    .command('add')
    .description('Add numbers to qualify; the eligibility check runs on the server.')
    .argument('[numbers...]', 'E.164 numbers, such as +12025550134')
    .option('--file <path>', 'numbers from a file: one per line, or a CSV with a phoneNumber column')
    .option('--wait', 'wait until each number leaves ELIGIBLE_CHECK_PENDING')
    .option('--timeout <seconds>', 'with --wait, stop waiting after this many seconds (default: 600)', parseTimeout, 600_000)
    .addHelpText('after', '\nExample:\n  numberhost qualify add +12025550134 +12025550135 --wait')
    .action(
      workflowAction(async ({ client, output }, numbers: string[], options: { file?: string; wait?: boolean; timeout: number }) => {
        const input = collectNumbers(numbers, options.file);
        const progress = output.progress('Adding', input.length);
        let added: QualifiedNumber[] = [];
        for (const part of chunk(input, ADD_CHUNK_SIZE)) {
          const response = await client.qualifiedNumbers.add(part.map((number) => number.e164));
          added = added.concat(response.qualifiedNumbers ?? []);
          progress.update(added.length);
        }
        progress.stop();
        if (options.wait === true) {
          const timeoutMs = options.timeout;
          const checked = output.progress('Checking eligibility', added.length);
          let done = 0;
          added = await Promise.all(
            added.map(async (number) => {
              const settled = await client.waitForQualifiedNumber(number.phoneNumber as string, {
                until: ['GLOBAL_PROCESS_STATE_ELIGIBLE', 'GLOBAL_PROCESS_STATE_NOT_ELIGIBLE'],
                timeoutMs,
                intervalMs: 1000,
              });
              done += 1;
              checked.update(done);
              return settled;
            }),
          );
          checked.stop();
        }
        output.result({ qualifiedNumbers: added }, () => printQualifiedNumbers(output, added));
        return added.some((number) => number.globalProcessState === 'GLOBAL_PROCESS_STATE_NOT_ELIGIBLE') ? EXIT.FAILED : EXIT.OK;
      }),
    );

  qualify
    .command('get')
    .description('Show qualified numbers.')
    .argument('[numbers...]', 'E.164 numbers')
    .option('--file <path>', 'numbers from a file')
    .addHelpText('after', '\nExample:\n  numberhost qualify get +12025550134 --json')
    .action(
      workflowAction(async ({ client, output }, numbers: string[], options: { file?: string }) => {
        const input = collectNumbers(numbers, options.file);
        const found: QualifiedNumber[] = [];
        for (const number of input) {
          found.push(await client.qualifiedNumbers.get(number.e164));
        }
        output.result(input.length === 1 ? found[0] : { qualifiedNumbers: found }, () => printQualifiedNumbers(output, found));
      }),
    );

  qualify
    .command('list')
    .description('List qualified numbers, every page.')
    .option('--state <state>', 'only this globalProcessState, such as VERIFIED or GLOBAL_PROCESS_STATE_VERIFIED', 'GLOBAL_PROCESS_STATE_UNSPECIFIED')
    .option('--region <code>', 'only US or CA')
    .addHelpText('after', '\nExample:\n  numberhost qualify list --state ELIGIBLE')
    .action(
      workflowAction(async ({ client, output }, options: { state: string; region?: string }) => {
        const state = options.state.startsWith('GLOBAL_PROCESS_STATE_') ? options.state : `GLOBAL_PROCESS_STATE_${options.state}`;
        const numbers: QualifiedNumber[] = [];
        for await (const number of client.qualifiedNumbers.iterate({ states: state as never, ...(options.region === undefined ? {} : { regionCode: options.region }) })) {
          numbers.push(number);
        }
        output.result({ qualifiedNumbers: numbers }, () => printQualifiedNumbers(output, numbers));
      }),
    );

  qualify
    .command('delete')
    .description('Delete qualified numbers (refused for a number in an unfinished order).')
    .argument('[numbers...]', 'E.164 numbers')
    .option('--file <path>', 'numbers from a file')
    .addHelpText('after', '\nExample:\n  numberhost qualify delete +12025550134')
    .action(
      workflowAction(async ({ client, output }, numbers: string[], options: { file?: string }) => {
        const input = collectNumbers(numbers, options.file);
        for (const number of input) {
          await client.qualifiedNumbers.delete(number.e164);
        }
        output.result({ deleted: input.map((number) => number.e164) }, () => output.line(`Deleted ${input.length} qualified number${input.length === 1 ? '' : 's'}.`));
      }),
    );
}
