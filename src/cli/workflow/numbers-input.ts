import { readFileSync, statSync } from 'node:fs';
import { isFieldViolation, parseNanpNumber } from '../../domain/phone-number.js';
import { usageError } from './exit-codes.js';

/** A number read from the command line or a file, with where it came from. */
export interface InputNumber {
  e164: string;
  isTollFree: boolean;
  /** "argument 2" or "numbers.csv:14", for messages. */
  source: string;
}

/** Splits one CSV line into fields; quoted fields may hold commas and doubled quotes. */
export function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let current = '';
  let isQuoted = false;
  for (let index = 0; index < line.length; index += 1) {
    const char = line[index] as string;
    if (isQuoted) {
      if (char === '"' && line[index + 1] === '"') {
        current += '"';
        index += 1;
      } else if (char === '"') {
        isQuoted = false;
      } else {
        current += char;
      }
    } else if (char === '"') {
      isQuoted = true;
    } else if (char === ',') {
      fields.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  fields.push(current);
  return fields.map((field) => field.trim());
}

interface RawNumber {
  value: string;
  source: string;
}

/**
 * Reads the raw values of a file: a CSV file whose header row has a `phoneNumber`
 * column, or one number per line. Blank lines and lines starting with `#` are skipped.
 */
export function readNumberFile(path: string, text: string): RawNumber[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const headerIndex = lines.findIndex((line) => line.trim() !== '' && !line.trim().startsWith('#'));
  if (headerIndex === -1) {
    return [];
  }
  const header = splitCsvLine(lines[headerIndex] as string);
  const column = header.indexOf('phoneNumber');
  const isCsv = column !== -1;
  if (!isCsv && header.length > 1) {
    throw usageError(`${path}:${headerIndex + 1}: a CSV file needs a phoneNumber column in its header row; found ${header.join(', ')}.`);
  }
  const values: RawNumber[] = [];
  lines.forEach((line, index) => {
    if ((isCsv && index <= headerIndex) || line.trim() === '' || line.trim().startsWith('#')) {
      return;
    }
    const value = isCsv ? (splitCsvLine(line)[column] ?? '') : line.trim();
    values.push({ value, source: `${path}:${index + 1}` });
  });
  return values;
}

/**
 * Collects the numbers of a command from its arguments and `--file`, and checks every
 * one before anything is sent: each invalid or repeated number is reported with where
 * it came from, and the command stops with exit code 2.
 */
/** Maximum size of a number file: 32 MB is room for over a million numbers. */
export const MAX_NUMBER_FILE_BYTES = 32 * 1024 * 1024;

/** Reads a number file, refusing anything but a regular file of at most MAX_NUMBER_FILE_BYTES. */
export function readNumberFileText(path: string): string {
  const stats = statSync(path);
  if (!stats.isFile()) {
    throw new Error('it is not a regular file');
  }
  if (stats.size > MAX_NUMBER_FILE_BYTES) {
    throw new Error(`it has ${stats.size} bytes; at most ${MAX_NUMBER_FILE_BYTES} are read. Split it into smaller files`);
  }
  return readFileSync(path, 'utf8');
}

export function collectNumbers(args: readonly string[], filePath: string | undefined, readFile: (path: string) => string = readNumberFileText): InputNumber[] {
  const raw: RawNumber[] = args.map((value, index) => ({ value, source: `argument ${index + 1}` }));
  if (filePath !== undefined) {
    let text: string;
    try {
      text = readFile(filePath);
    } catch (error) {
      throw usageError(`Cannot read ${filePath}: ${(error as Error).message}`);
    }
    raw.push(...readNumberFile(filePath, text));
  }
  if (raw.length === 0) {
    throw usageError('No numbers given: pass them as arguments or with --file.');
  }
  const problems: string[] = [];
  const seen = new Map<string, string>();
  const numbers: InputNumber[] = [];
  for (const item of raw) {
    const parsed = parseNanpNumber(item.value, 'number', undefined, false);
    if (isFieldViolation(parsed)) {
      problems.push(`${item.source}: ${parsed.description}`);
      continue;
    }
    const first = seen.get(parsed.e164);
    if (first !== undefined) {
      problems.push(`${item.source}: ${parsed.e164} is listed twice (also at ${first}).`);
      continue;
    }
    seen.set(parsed.e164, item.source);
    numbers.push({ e164: parsed.e164, isTollFree: parsed.isTollFree, source: item.source });
  }
  if (problems.length > 0) {
    const shown = problems.slice(0, 50);
    const more = problems.length > shown.length ? `\n... and ${problems.length - shown.length} more.` : '';
    throw usageError(`${problems.length} invalid number${problems.length === 1 ? '' : 's'}; nothing was sent:\n${shown.join('\n')}${more}`);
  }
  return numbers;
}

/** Splits `items` into chunks of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let index = 0; index < items.length; index += size) {
    chunks.push(items.slice(index, index + size));
  }
  return chunks;
}
