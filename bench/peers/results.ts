/**
 * What the rounds measured: every figure of every row and system, every exactly-once verdict,
 * every failure; summed up as medians with their range, and Ordo's ratio to the best peer.
 */
import type { WorkloadName } from './options.js';
import { ROWS, type Row, type RowId } from './rows.js';
import type { Check } from './session.js';
import { isOrdo, SYSTEMS, type SystemName } from './systems.js';
import type { Measured } from './workloads.js';

export interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function spread(xs: readonly number[]): Spread {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted.at(-1)!, n: sorted.length };
}

type Key = `${string}|${SystemName}`;

export class Results {
  private readonly values = new Map<Key, number[]>();
  private readonly checks = new Map<Key, Check[]>();
  readonly failures: string[] = [];

  add(workload: WorkloadName, system: SystemName, measured: Measured): void {
    for (const [row, value] of Object.entries(measured.values)) {
      if (Number.isFinite(value)) this.list(this.values, `${row}|${system}`).push(value);
    }
    this.list(this.checks, `${workload}|${system}`).push(...measured.checks);
  }

  fail(workload: WorkloadName, system: SystemName, round: number, err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    this.failures.push(`round ${round}, ${workload} on ${system}: ${message.split('\n').slice(0, 12).join('\n    ')}`);
    this.list(this.checks, `${workload}|${system}`).push({ ok: false, detail: `failed: ${message.split('\n')[0]}` });
  }

  spread(row: RowId | Row['id'], system: SystemName): Spread | null {
    const xs = this.values.get(`${row}|${system}`);
    return xs?.length ? spread(xs) : null;
  }

  /** Whether every measurement held exactly-once and none failed. */
  allHeld(): boolean {
    return this.failures.length === 0 && [...this.checks.values()].every((checks) => checks.every((c) => c.ok));
  }

  checksOf(workload: WorkloadName, system: SystemName): readonly Check[] {
    return this.checks.get(`${workload}|${system}`) ?? [];
  }

  /**
   * Ordo's median against the best peer's in the row, turned so that above 1 means Ordo is
   * better: its figure over the peer's where higher is better, the peer's over Ordo's where
   * lower is. Null without an Ordo figure or a peer's.
   */
  ratio(row: Row, ordo: SystemName): { ratio: number; peer: SystemName } | null {
    const mine = this.spread(row.id, ordo)?.median;
    if (mine === undefined) return null;
    let best: { value: number; peer: SystemName } | null = null;
    for (const peer of SYSTEMS.filter((s) => !isOrdo(s))) {
      const value = this.spread(row.id, peer.name)?.median;
      if (value === undefined) continue;
      if (!best || (row.better === 'higher' ? value > best.value : value < best.value)) best = { value, peer: peer.name };
    }
    if (!best) return null;
    const [over, under] = row.better === 'higher' ? [mine, best.value] : [best.value, mine];
    // Both at zero (an idle worker below the clock's resolution) are even.
    return { ratio: over === under ? 1 : over / under, peer: best.peer };
  }

  /** Rows with at least one figure. */
  rows(): Row[] {
    return ROWS.filter((row) => SYSTEMS.some((s) => this.values.has(`${row.id}|${s.name}`)));
  }

  private list<T>(map: Map<Key, T[]>, key: Key): T[] {
    let list = map.get(key);
    if (!list) map.set(key, (list = []));
    return list;
  }
}
