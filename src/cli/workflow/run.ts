import type { Command } from 'commander';
import { NumberhostApiError, NumberhostWaitTimeoutError } from '../../sdk/index.js';
import type { CliContext } from './context.js';
import { createCliContext } from './context.js';
import type { ExitCode } from './exit-codes.js';
import { CliError, EXIT } from './exit-codes.js';
import { Output, printable } from './output.js';

/** The result of an action: its exit code, or nothing for success. */
export type ActionResult = ExitCode | void;

/** The server's words on one line each: a line break in them must not start a line of ours. */
function describeApiError(error: NumberhostApiError): string {
  const violations = error.fieldViolations.map((violation) => `\n  ${printable(violation.field)}: ${printable(violation.description)}`).join('');
  return `${error.httpStatus} ${printable(error.status)}: ${printable(error.message)}${violations}`;
}

function unreachableMessage(error: unknown, baseUrl: string | undefined): string | undefined {
  const cause = (error as { cause?: { code?: string } }).cause;
  if (error instanceof TypeError && cause?.code !== undefined) {
    return `Cannot reach ${baseUrl ?? 'the API'} (${cause.code}). Is the server running? Check --url or NUMBERHOST_URL.`;
  }
  return undefined;
}

/**
 * Wraps a workflow action: builds the context from the global options, runs the
 * action, and turns every failure into a message and a documented exit code. With
 * --json, a failure is printed as `{"error": {...}}` on stdout as well.
 */
export function workflowAction<Args extends unknown[]>(
  handler: (context: CliContext, ...args: Args) => Promise<ActionResult>,
): (...args: Args) => Promise<void> {
  return async (...args: Args) => {
    const command = args.at(-1) as Command;
    const isJson = command.optsWithGlobals<{ json?: boolean }>().json === true;
    let context: CliContext | undefined;
    try {
      context = createCliContext(command);
      const result = await handler(context, ...args);
      process.exitCode = result ?? EXIT.OK;
    } catch (error) {
      const output = context?.output ?? new Output({ isJson });
      const { message, exitCode, detail } = classify(error, context?.settings.baseUrl);
      output.note(`numberhost: ${message}`);
      if (isJson) {
        output.line(JSON.stringify({ error: { message, exitCode, ...detail } }, null, 2));
      }
      process.exitCode = exitCode;
    }
  };
}

function classify(error: unknown, baseUrl: string | undefined): { message: string; exitCode: ExitCode; detail: Record<string, unknown> } {
  if (error instanceof CliError) {
    return { message: error.message, exitCode: error.exitCode, detail: {} };
  }
  if (error instanceof NumberhostApiError) {
    return {
      message: describeApiError(error),
      exitCode: EXIT.API_ERROR,
      detail: { httpStatus: error.httpStatus, status: error.status, fieldViolations: error.fieldViolations },
    };
  }
  if (error instanceof NumberhostWaitTimeoutError) {
    return { message: `${error.message} The work goes on on the server; watch it again later.`, exitCode: EXIT.TIMEOUT, detail: {} };
  }
  const unreachable = unreachableMessage(error, baseUrl);
  if (unreachable !== undefined) {
    return { message: unreachable, exitCode: EXIT.API_ERROR, detail: {} };
  }
  return { message: error instanceof Error ? error.message : String(error), exitCode: EXIT.API_ERROR, detail: {} };
}
