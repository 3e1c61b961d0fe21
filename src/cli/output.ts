/**
 * How the CLI prints: `--json` for machines (stable JSON on stdout), aligned tables and
 * short lines for people. Errors go to stderr as one line, with the exit code of their
 * category from `ERROR_MAPPING`.
 */
import { errorMapping, OrdoError } from '../core/errors.js';
import type { CliIO } from './io.js';

export class Printer {
  constructor(
    private readonly io: CliIO,
    private readonly debug: boolean,
  ) {}

  /** A line (or lines) on stdout; a newline is added. */
  line(text: string): void {
    this.io.stdout.write(`${text}\n`);
  }

  /** A note for people on stderr, prefixed `ordo:`. */
  note(text: string): void {
    this.io.stderr.write(`ordo: ${text}\n`);
  }

  json(value: unknown): void {
    this.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** Prints rows as an aligned table with a header; `(none)` when empty. */
  table(rows: Record<string, unknown>[], columns: string[]): void {
    if (rows.length === 0) return this.line('(none)');
    const cells = rows.map((row) => columns.map((column) => cell(row[column])));
    const widths = columns.map((column, i) => Math.max(column.length, ...cells.map((r) => r[i]!.length)));
    const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
    this.line(`${line(columns.map((c) => c.toUpperCase()))}\n${cells.map(line).join('\n')}`);
  }

  /** A one-line status that rewrites itself on a terminal (progress), silent elsewhere. */
  status(text: string): void {
    if (this.io.stderr.isTTY) this.io.stderr.write(`\r\x1b[2K${text}`);
  }

  endStatus(): void {
    if (this.io.stderr.isTTY) this.io.stderr.write('\n');
  }

  /** Prints an error for people and returns the exit code for it. */
  error(err: unknown): number {
    const message = err instanceof OrdoError ? err.message : err instanceof Error ? (this.debug ? err.stack : err.message) : String(err);
    this.note(message ?? String(err));
    return errorMapping(err).exitCode;
  }
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (value instanceof Date) return value.toISOString().replace('T', ' ').slice(0, 19);
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
