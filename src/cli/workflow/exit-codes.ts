/**
 * Exit codes of the workflow commands, listed in docs/cli.md. Scripts branch on them,
 * so they never change meaning.
 */
export const EXIT = {
  /** Everything asked for was done. */
  OK: 0,
  /** The requests went through, but some numbers or orders ended FAILED or REJECTED. */
  FAILED: 1,
  /** Bad flags or input: nothing was sent. */
  USAGE: 2,
  /** The API refused a request (4xx) or failed (5xx), or could not be reached. */
  API_ERROR: 3,
  /** A wait ran out of time or was interrupted; the work goes on on the server. */
  TIMEOUT: 4,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error that ends the command with a message and an exit code, without a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export function usageError(message: string): CliError {
  return new CliError(message, EXIT.USAGE);
}
