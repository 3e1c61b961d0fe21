/**
 * How the CLI prints: `--json` for machines (stable JSON on stdout), aligned tables and
 * short lines for people. Errors go to stderr with an exit code per error category.
 */
import { OrdoError, type ErrorCode } from '../core/errors.js';

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Prints rows as an aligned table with a header; `(none)` when empty. */
export function printTable(rows: Record<string, unknown>[], columns: string[]): void {
  if (rows.length === 0) {
    process.stdout.write('(none)\n');
    return;
  }
  const cells = rows.map((row) => columns.map((column) => cell(row[column])));
  const widths = columns.map((column, i) => Math.max(column.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  process.stdout.write(`${line(columns.map((c) => c.toUpperCase()))}\n${cells.map(line).join('\n')}\n`);
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (value instanceof Date) return value.toISOString().replace('T', ' ').slice(0, 19);
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

const EXIT_CODES: Partial<Record<ErrorCode, number>> = {
  invalid_argument: 2,
  config: 2,
  not_found: 3,
  store_unavailable: 4,
  conflict: 5,
};

/** Prints an error for people and returns the process exit code for it. */
export function reportError(err: unknown): number {
  if (err instanceof OrdoError) {
    process.stderr.write(`ordo: ${err.message}\n`);
    return EXIT_CODES[err.code] ?? 1;
  }
  const message = err instanceof Error ? (process.env.ORDO_DEBUG ? err.stack : err.message) : String(err);
  process.stderr.write(`ordo: ${message}\n`);
  return 1;
}

/** A one-line status that rewrites itself on a terminal (progress), silent elsewhere. */
export function statusLine(text: string): void {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2K${text}`);
}

export function endStatusLine(): void {
  if (process.stderr.isTTY) process.stderr.write('\n');
}
