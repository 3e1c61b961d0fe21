/**
 * The report: the results table (rows = workloads, columns = systems, then Ordo's ratio to
 * the best peer), the exactly-once verdicts, and the machine, versions and settings that
 * make the figures mean something. The same Markdown goes to the terminal and RESULTS.md.
 */
import { readFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { markdownTable } from 'markdown-table';
import type { BenchOptions } from './options.js';
import type { Results, Spread } from './results.js';
import type { Row } from './rows.js';
import { isOrdo, SYSTEMS } from './systems.js';
import { targetsTable } from './targets.js';

export interface Environment {
  /** Name → version, in the order shown. */
  versions: [string, string][];
  /** Settings and notes, one Markdown list item each. */
  settings: string[];
  notes: string[];
}

const number = (x: number, digits: number): string => x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function cell(s: Spread | null, row: Row, failed: boolean): string {
  if (!s) return failed ? 'failed' : '–';
  const text = s.n > 1 ? `${number(s.median, row.digits)} (${number(s.min, row.digits)}–${number(s.max, row.digits)})` : number(s.median, row.digits);
  return failed ? `${text} ✗` : text;
}

export function table(results: Results, options: BenchOptions): string {
  const ordo = SYSTEMS.filter(isOrdo);
  const header = ['workload (median of runs, min–max)', ...SYSTEMS.map((s) => s.label), ...ordo.map((s) => `${s.label} ÷ best peer`)];
  const body = results.rows().map((row) => [
    `${row.label(options)} ${row.better === 'higher' ? '↑' : '↓'}`,
    ...SYSTEMS.map((s) => cell(results.spread(row.id, s.name), row, results.checksOf(row.workload, s.name).some((c) => !c.ok))),
    ...ordo.map((s) => {
      const r = results.ratio(row, s.name);
      // Two significant digits however far behind: 0.0041×, not 0.00×.
      return r ? `${r.ratio >= 0.1 ? number(r.ratio, 2) : r.ratio.toPrecision(2)}× (${r.peer})` : '–';
    }),
  ]);
  return markdownTable([header, ...body], { align: ['l', ...header.slice(1).map(() => 'r' as const)] });
}

/** Per workload and system: how many measurements held exactly-once, and what went wrong where one did not. */
function verdicts(results: Results, options: BenchOptions): string {
  const header = ['exactly-once', ...SYSTEMS.map((s) => s.label)];
  const problems: string[] = [];
  const body = options.workloads.map((workload) => [
    workload,
    ...SYSTEMS.map((s) => {
      const checks = results.checksOf(workload, s.name);
      for (const c of checks.filter((c) => !c.ok)) problems.push(`- ${workload} on ${s.label}: ${c.detail}`);
      if (!checks.length) return '–';
      const ok = checks.filter((c) => c.ok).length;
      return ok === checks.length ? `✓ ${ok}/${checks.length}` : `✗ ${ok}/${checks.length}`;
    }),
  ]);
  return [markdownTable([header, ...body]), ...(problems.length ? ['', ...problems] : [])].join('\n');
}

export function machine(): string[] {
  const model = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model ?? 'unknown';
  const os = /PRETTY_NAME="([^"]+)"/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? 'Linux';
  return [`CPU: ${model}, ${cpus().length} cores`, `RAM: ${Math.round(totalmem() / 2 ** 30)} GiB`, `OS: ${os}, kernel ${release()}`];
}

function targetsSection(results: Results, options: BenchOptions): string[] {
  const targets = targetsTable(results, options);
  if (!targets) return [];
  return ['## Targets', '', 'What Ordo aims for on this machine, against the medians above.', '', targets, ''];
}

export function markdown(results: Results, options: BenchOptions, env: Environment, started: Date, minutes: number): string {
  const small = options.jobs < 20_000 || options.runs < 3;
  return [
    '# Ordo beside its peers',
    '',
    `Written by \`npm run bench\` on ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC, in ${minutes.toFixed(1)} minutes.`,
    ...(small ? ['', `**A smoke run (${options.jobs.toLocaleString('en-US')} jobs, ${options.runs} run(s)): not a result.**`] : []),
    '',
    `Every system runs its producer and its worker(s) in processes of their own; rounds interleave the systems (round 1: every system, round 2: every system, …), ${options.runs} round(s).`,
    'Each cell is the median with min–max over the rounds; ↑ higher is better, ↓ lower is better; a ratio above 1 means Ordo is better than the best peer of the row (named).',
    '',
    table(results, options),
    '',
    ...targetsSection(results, options),
    '## Exactly-once',
    '',
    'Every measurement checks that each job ran once (the workers record every run) and that the store agrees: none left waiting or running, none failed.',
    '',
    verdicts(results, options),
    ...(results.failures.length ? ['', '## Failures', '', ...results.failures.map((f) => `- ${f}`)] : []),
    '',
    '## Machine',
    '',
    ...machine().map((line) => `- ${line}`),
    '',
    '## Versions',
    '',
    ...env.versions.map(([name, version]) => `- ${name} ${version}`),
    '',
    '## Settings',
    '',
    ...env.settings.map((line) => `- ${line}`),
    ...(env.notes.length ? ['', '## Notes', '', ...env.notes.map((line) => `- ${line}`)] : []),
    '',
  ].join('\n');
}
