import { SingleBar } from 'cli-progress';

export interface OutputOptions {
  isJson: boolean;
  stdout?: NodeJS.WriteStream | { write(text: string): boolean; isTTY?: boolean };
  stderr?: NodeJS.WriteStream | { write(text: string): boolean; isTTY?: boolean };
}

/**
 * Text from servers and senders as it is safe to print: control characters (which
 * could move the cursor, clear the screen or fake a line) become `\uXXXX`. Line breaks
 * and tabs stay when `isMultiline` is true.
 */
export function printable(text: string, isMultiline = false): string {
  const controls = isMultiline ? /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g : /[\u0000-\u001f\u007f-\u009f]/g;
  return text.replace(controls, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A progress display: a bar on a terminal, plain lines elsewhere, nothing with --json. */
export interface Progress {
  update(done: number, detail?: string): void;
  stop(): void;
}

/**
 * Prints results. With --json, each command prints one JSON document on stdout and
 * nothing else there; otherwise tables and lines for people. Messages and progress go
 * to stderr, so stdout stays clean for pipes.
 */
export class Output {
  readonly isJson: boolean;
  private readonly stdout: NonNullable<OutputOptions['stdout']>;
  private readonly stderr: NonNullable<OutputOptions['stderr']>;

  constructor(options: OutputOptions) {
    this.isJson = options.isJson;
    this.stdout = options.stdout ?? process.stdout;
    this.stderr = options.stderr ?? process.stderr;
  }

  /** Prints `value` as JSON with --json; otherwise calls `human` to print it for people. */
  result(value: unknown, human: () => void): void {
    if (this.isJson) {
      this.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    } else {
      human();
    }
  }

  line(text: string): void {
    this.stdout.write(`${text}\n`);
  }

  /** Writes a message for the person at the terminal to stderr, with --json too. */
  note(text: string): void {
    this.stderr.write(`${printable(text, true)}\n`);
  }

  /** Prints rows as an aligned table with a header row. */
  table(headers: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number | boolean | null | undefined>>): void {
    const cells = rows.map((row) => row.map((cell) => (cell === null || cell === undefined ? '' : printable(String(cell)))));
    const widths = headers.map((header, column) => Math.max(header.length, ...cells.map((row) => (row[column] ?? '').length)));
    const format = (row: readonly string[]) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd();
    this.line(format(headers));
    for (const row of cells) {
      this.line(format(row));
    }
  }

  /** Starts a progress display for `total` items of work. */
  progress(label: string, total: number): Progress {
    if (this.isJson) {
      return { update: () => undefined, stop: () => undefined };
    }
    if (this.stderr.isTTY === true) {
      const bar = new SingleBar({ format: `${label} [{bar}] {value}/{total} {detail}`, stream: this.stderr as NodeJS.WriteStream, hideCursor: true });
      bar.start(total, 0, { detail: '' });
      return {
        update: (done, detail) => bar.update(done, { detail: detail ?? '' }),
        stop: () => bar.stop(),
      };
    }
    let last = '';
    return {
      update: (done, detail) => {
        const text = `${label}: ${done}/${total}${detail === undefined ? '' : ` ${detail}`}`;
        if (text !== last) {
          last = text;
          this.stderr.write(`${text}\n`);
        }
      },
      stop: () => undefined,
    };
  }
}
