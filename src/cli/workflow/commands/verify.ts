import type { Command } from 'commander';
import { NumberhostApiError } from '../../../sdk/index.js';
import type { QualifiedNumber } from '../../../sdk/index.js';
import { CliError, EXIT, usageError } from '../exit-codes.js';
import { collectNumbers } from '../numbers-input.js';
import type { Output } from '../output.js';
import { workflowAction } from '../run.js';
import { printQualifiedNumbers } from './qualify.js';

/** Reads the one number argument of a verify command, checked like any number input. */
function singleNumber(value: string): string {
  return (collectNumbers([value], undefined)[0] as { e164: string }).e164;
}

function shortState(state: string | undefined): string {
  return (state ?? 'UNKNOWN').replace(/^GLOBAL_PROCESS_STATE_/, '');
}

function printNumber(output: Output, number: QualifiedNumber): void {
  output.result(number, () => printQualifiedNumbers(output, [number]));
}

export function registerVerifyCommands(program: Command): void {
  const verify = program
    .command('verify')
    .description('Prove ownership of an ELIGIBLE qualified number: a voice call reads out a 6-digit code, and you send the code back.');

  verify
    .command('call')
    .description(
      'Place the voice call (sendVoiceChallenge) to an ELIGIBLE, VERIFICATION_PENDING or VERIFICATION_FAILED number. The number becomes VERIFICATION_PENDING. A second call before the interval passes is refused with 429 and the wait in seconds.',
    )
    .argument('<number>', 'E.164 number, such as +12025550134')
    .addHelpText(
      'after',
      `
Example:
  numberhost verify call +12025550134

Exit codes:
  0  the call is placed
  2  the number is invalid; nothing was sent
  3  the API refused the call (429: called too recently, the message says when to retry) or could not be reached`,
    )
    .action(
      workflowAction(async ({ client, output }, value: string) => {
        const phoneNumber = singleNumber(value);
        let number: QualifiedNumber;
        try {
          number = await client.qualifiedNumbers.sendVoiceChallenge(phoneNumber);
        } catch (error) {
          if (error instanceof NumberhostApiError && error.httpStatus === 429) {
            const wait = error.retryAfterSeconds === undefined ? 'Call again later' : `Call again in ${error.retryAfterSeconds} s (Retry-After)`;
            throw new CliError(`429 ${error.status}: ${error.message}\n${wait}, or send the code of the last call with numberhost verify check.`, EXIT.API_ERROR);
          }
          throw error;
        }
        printNumber(output, number);
        output.note(`${phoneNumber} is ${shortState(number.globalProcessState)}. The call reads out a 6-digit code; send it with: numberhost verify check ${phoneNumber} <code>`);
      }),
    );

  verify
    .command('check')
    .description(
      'Send the code of the voice call (verifyVoiceChallenge). A right code makes the number VERIFIED. A wrong one makes it VERIFICATION_FAILED (retry with the same call\'s code), and too many wrong codes in a row VERIFICATION_BLOCKED.',
    )
    .argument('<number>', 'E.164 number, such as +12025550134')
    .argument('<code>', 'the code read out by the call, digits only')
    .addHelpText(
      'after',
      `
Example:
  numberhost verify check +12025550134 123456

Exit codes:
  0  the number is VERIFIED
  1  the code was refused: the number is VERIFICATION_FAILED or VERIFICATION_BLOCKED
  2  the number or the code is invalid; nothing was sent
  3  the API refused the request (an expired code, say) or could not be reached`,
    )
    .action(
      workflowAction(async ({ client, output }, value: string, code: string) => {
        const phoneNumber = singleNumber(value);
        if (!/^\d+$/.test(code)) {
          throw usageError(`The code ${JSON.stringify(code)} is invalid: use the digits read out by the call, such as 123456.`);
        }
        const number = await client.qualifiedNumbers.verifyVoiceChallenge(phoneNumber, code);
        printNumber(output, number);
        if (number.globalProcessState === 'GLOBAL_PROCESS_STATE_VERIFIED') {
          output.note(`${phoneNumber} is VERIFIED; it can be text-enabled now.`);
          return EXIT.OK;
        }
        const reason = number.ownershipVerification?.error ?? '';
        const next =
          number.globalProcessState === 'GLOBAL_PROCESS_STATE_VERIFICATION_BLOCKED'
            ? 'Ask the operator to unblock it.'
            : `Check the code and try again, or place a new call with numberhost verify call ${phoneNumber}.`;
        output.note(`${phoneNumber} is ${shortState(number.globalProcessState)}${reason === '' ? '.' : `: ${reason}`} ${next}`);
        return EXIT.FAILED;
      }),
    );
}
