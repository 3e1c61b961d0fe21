/**
 * The order test files are handed to the pool: vitest's own (files that failed last time
 * first, then the longest), except that files which keep both cores busy with child
 * processes (worker processes claiming thousands of jobs) are spread evenly through the run
 * instead of starting side by side. On a 2-core machine two of them at once take as long as
 * one after the other, and they starve the timing-sensitive files running beside them; one
 * of them beside files that mostly wait on databases and timers costs those little.
 */
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { globToRegExp } from './vitest.projects.js';

/** Files whose tests run several busy `ordo worker` processes at once. */
export const CPU_BOUND: readonly string[] = ['test/processes*.test.ts', 'test/postgres.processes*.test.ts', 'test/cli.process*.test.ts'];

/**
 * `items` in the same order, except that those `heavy` picks are moved to evenly spaced
 * positions: the first stays first, the others follow at every `length / count` places.
 */
export function spread<T>(items: readonly T[], heavy: (item: T) => boolean): T[] {
  const heavies = items.filter(heavy);
  const rest = items.filter((item) => !heavy(item));
  const slots = new Map(heavies.map((item, i) => [Math.floor((i * items.length) / heavies.length), item]));
  return items.map((_, index) => slots.get(index) ?? rest.shift()!);
}

export class SpreadingSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const patterns = CPU_BOUND.map(globToRegExp);
    const root = this.ctx.config.root.replace(/\/?$/, '/');
    const relativePath = (spec: TestSpecification) => spec.moduleId.replace(root, '');
    return spread(await super.sort(files), (spec) => patterns.some((re) => re.test(relativePath(spec))));
  }
}
