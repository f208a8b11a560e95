import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ApiError, ERROR_CODES, invalidArgument } from '../src/domain/errors.js';
import type { ErrorCode } from '../src/domain/errors.js';
import { ERROR_HTTP_MAPPING, flatErrorBody, wrappedErrorBody } from '../src/http/error-mapping.js';

const ERRORS_DOC = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');

interface SummaryRow {
  code: string;
  httpStatus: number;
  status: string;
}

/** Reads the rows of the summary table, written as | `CODE` | 400 | `STATUS` |. */
function summaryRows(markdown: string): SummaryRow[] {
  const rows: SummaryRow[] = [];
  for (const line of markdown.split('\n')) {
    const match = /^\| `([A-Z_]+)` \| (\d{3}) \| `([A-Z_]+)` \|$/.exec(line.trim());
    if (match) {
      rows.push({ code: match[1] as string, httpStatus: Number(match[2]), status: match[3] as string });
    }
  }
  return rows;
}

/** Splits the part under `## Codes` into its `### CODE` sections, each with its text up to the next heading. */
function codeSections(markdown: string): Map<string, string> {
  const codesPart = markdown.split(/^## Codes$/m)[1] ?? '';
  const sections = new Map<string, string>();
  for (const chunk of codesPart.split(/^### /m).slice(1)) {
    const [heading = '', ...body] = chunk.split('\n');
    sections.set(heading.replace(/`/g, '').trim(), body.join('\n'));
  }
  return sections;
}

function jsonBlocks(text: string): unknown[] {
  return [...text.matchAll(/```json\n([\s\S]*?)```/g)].map((match) => JSON.parse(match[1] as string) as unknown);
}

describe('error catalogue', () => {
  it('maps every code to an HTTP status', () => {
    expect(Object.keys(ERROR_HTTP_MAPPING).sort()).toEqual([...ERROR_CODES].sort());
    for (const code of ERROR_CODES) {
      const { httpStatus, status } = ERROR_HTTP_MAPPING[code];
      expect(httpStatus, code).toBeGreaterThanOrEqual(400);
      expect(httpStatus, code).toBeLessThan(600);
      expect(status, code).toMatch(/^[A-Z_]+$/);
    }
  });

  it('lists every code in the docs summary table', () => {
    const rows = summaryRows(ERRORS_DOC);
    expect(rows.map((row) => row.code).sort()).toEqual([...ERROR_CODES].sort());
  });

  it.each(ERROR_CODES)('docs summary row of %s matches the mapping', (code) => {
    const row = summaryRows(ERRORS_DOC).find((candidate) => candidate.code === code);
    expect(row?.httpStatus).toBe(ERROR_HTTP_MAPPING[code].httpStatus);
    expect(row?.status).toBe(ERROR_HTTP_MAPPING[code].status);
  });

  it('documents every code in its own section and no other', () => {
    expect([...codeSections(ERRORS_DOC).keys()].sort()).toEqual([...ERROR_CODES].sort());
  });

  it.each(ERROR_CODES)('docs example body of %s matches the mapping', (code) => {
    const section = codeSections(ERRORS_DOC).get(code) ?? '';
    const { httpStatus, status } = ERROR_HTTP_MAPPING[code];
    expect(section).toContain(`HTTP ${httpStatus}`);
    const examples = jsonBlocks(section) as Array<Record<string, unknown>>;
    expect(examples.length, `${code} has no JSON example`).toBeGreaterThan(0);
    for (const example of examples) {
      expect(example.code).toBe(String(httpStatus));
      expect(example.status).toBe(status);
      expect(typeof example.message).toBe('string');
    }
  });

  it('docs shape examples match the serialisers', () => {
    const [flat, wrapped, withViolations] = jsonBlocks(ERRORS_DOC.split(/^## Summary$/m)[0] ?? '') as Array<Record<string, any>>;
    expect(Object.keys(flat ?? {})).toEqual(Object.keys(flatErrorBody(new ApiError('NOT_FOUND', 'x'))));
    expect(Object.keys(wrapped?.error ?? {})).toEqual(Object.keys(wrappedErrorBody(invalidArgument([{ field: 'f', description: 'd' }])).error as object));
    expect(typeof wrapped?.error.code).toBe('number');
    expect(withViolations?.details[0].type).toBe('BadRequest');
  });

  it.each(ERROR_CODES)('serialises %s in both shapes', (code: ErrorCode) => {
    const error = new ApiError(code, 'Something failed.', { fieldViolations: [{ field: 'numbers', description: 'is wrong.' }] });
    const { httpStatus, status } = ERROR_HTTP_MAPPING[code];

    const flat = flatErrorBody(error);
    expect(flat.code).toBe(String(httpStatus));
    expect(flat.status).toBe(status);
    expect(flat.message).toBe('Something failed.');
    expect(flat.details).toEqual([{ type: 'BadRequest', fieldViolations: [{ field: 'numbers', description: 'is wrong.' }] }]);

    const wrapped = wrappedErrorBody(error).error as Record<string, unknown>;
    expect(wrapped.code).toBe(httpStatus);
    expect(wrapped.status).toBe(status);
    expect(wrapped.details).toEqual(flat.details);
  });

  it('omits details without field violations', () => {
    expect(flatErrorBody(new ApiError('NOT_FOUND', 'Gone.'))).toEqual({ code: '404', message: 'Gone.', status: 'NOT_FOUND' });
    expect(wrappedErrorBody(new ApiError('NOT_FOUND', 'Gone.'))).toEqual({ error: { code: 404, message: 'Gone.', status: 'NOT_FOUND', details: [] } });
  });
});
