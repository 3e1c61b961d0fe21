/**
 * The targets Ordo holds itself to on this benchmark, each checked against the medians of the
 * run: a ratio to a named peer (or the best of a group of peers), or a bound on Ordo's own
 * figure. The report lists each with what was measured and whether it was met, so a miss is
 * as visible as a win.
 */
import { markdownTable } from 'markdown-table';
import type { BenchOptions } from './options.js';
import type { Results } from './results.js';
import type { RowId } from './rows.js';
import { ROWS } from './rows.js';
import type { SystemName } from './systems.js';

interface Target {
  row: RowId;
  ordo: SystemName;
  /** At least `times` the best of `peers` (the way the row counts as better), or… */
  peers?: readonly SystemName[];
  times?: number;
  /** …Ordo's own figure at most (`max`) or at least (`min`) this. */
  max?: number;
  min?: number;
}

const PG_PEERS = ['graphile-worker', 'pg-boss'] as const;
const BOTH = ['ordo-postgres', 'ordo-sqlite'] as const;

const TARGETS: readonly Target[] = [
  ...(['process-c10', 'process-c50'] as const).flatMap((row): Target[] => [
    { row, ordo: 'ordo-postgres', peers: ['graphile-worker'], times: 1.25 },
    { row, ordo: 'ordo-sqlite', peers: ['graphile-worker'], times: 2 },
    ...BOTH.map((ordo): Target => ({ row, ordo, peers: ['bullmq'], times: 1 })),
  ]),
  ...BOTH.map((ordo): Target => ({ row: 'cpu-total', ordo, peers: ['graphile-worker'], times: 1 })),
  { row: 'enqueue-seq', ordo: 'ordo-postgres', peers: PG_PEERS, times: 5 },
  { row: 'enqueue-50', ordo: 'ordo-postgres', peers: PG_PEERS, times: 5 },
  { row: 'enqueue-bulk', ordo: 'ordo-postgres', peers: PG_PEERS, times: 1.5 },
  ...BOTH.flatMap((ordo): Target[] => [
    { row: 'latency-p50', ordo, max: 2 },
    { row: 'latency-p99', ordo, max: 10 },
    { row: 'delayed-p99', ordo, max: 50 },
    { row: 'backlog-flat', ordo, min: 80 },
  ]),
  { row: 'idle-statements', ordo: 'ordo-postgres', max: 1 },
  { row: 'idle-cpu', ordo: 'ordo-sqlite', max: 1 },
];

const fmt = (x: number): string => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x >= 10 ? x.toFixed(1) : x.toPrecision(2));

/** One line per target with a figure in this run: the target, what was measured, met or not. */
export function targetsTable(results: Results, options: BenchOptions): string | null {
  const body: string[][] = [];
  for (const t of TARGETS) {
    const row = ROWS.find((r) => r.id === t.row)!;
    const mine = results.spread(t.row, t.ordo)?.median;
    if (mine === undefined) continue;
    const label = `${row.id}: ${row.label(options)} — ${t.ordo}`;
    if (t.peers) {
      const figures = t.peers.map((peer) => ({ peer, value: results.spread(t.row, peer)?.median })).filter((f): f is { peer: SystemName; value: number } => f.value !== undefined);
      if (figures.length === 0) continue;
      const best = figures.reduce((a, b) => ((row.better === 'higher' ? b.value > a.value : b.value < a.value) ? b : a));
      const ratio = row.better === 'higher' ? mine / best.value : best.value / mine;
      body.push([label, `≥ ${t.times}× ${t.peers.length > 1 ? `best of ${t.peers.join(', ')}` : t.peers[0]}`, `${ratio.toFixed(2)}× (${fmt(mine)} vs ${best.peer} ${fmt(best.value)})`, ratio >= t.times! ? '✓' : '✗']);
    } else if (t.max !== undefined) {
      body.push([label, `≤ ${t.max}`, fmt(mine), mine <= t.max ? '✓' : '✗']);
    } else {
      body.push([label, `≥ ${t.min}`, fmt(mine), mine >= t.min! ? '✓' : '✗']);
    }
  }
  if (body.length === 0) return null;
  return markdownTable([['row — Ordo engine', 'target', 'measured (medians)', 'met'], ...body], { align: ['l', 'l', 'r', 'c'] });
}
