/**
 * The workflows of the workflow benchmark (bench/workflows.ts), loaded by the `ordo worker`
 * processes it starts (`--tasks bench/tasks`). Every step is a no-op, so what the benchmark
 * measures is Ordo's own work per step: releasing it, claiming its job, reading its
 * parents, finishing it.
 *
 * - `bench-fan`: `source` returns `input.n` numbers, `each` runs one job per number, `fanin`
 *   receives the ordered array of their results and returns its length.
 * - `bench-chain`: `ORDO_BENCH_CHAIN` (default 100) steps `s0 → s1 → …`, each depending on
 *   the one before.
 */
import { workflow } from 'ordo';

const CHAIN_LENGTH = Number(process.env.ORDO_BENCH_CHAIN ?? 100);

export const fan = workflow('bench-fan')
  .step('source', async (input: unknown) => Array.from({ length: (input as { n: number }).n }, (_, i) => i))
  .map('each', async (element: unknown) => element, { over: 'source' })
  .step('fanin', async (_input: unknown, ctx) => (ctx.parents.each as unknown[]).length, { dependsOn: ['each'] });

/** A chain of no-op steps. Built in a loop, so its step names are not known to the types. */
function chain(length: number) {
  const noop = async (): Promise<null> => null;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- names made in a loop
  let built: any = workflow('bench-chain').step('s0', noop);
  for (let i = 1; i < length; i++) built = built.step(`s${i}`, noop, { dependsOn: [`s${i - 1}`] });
  return built as ReturnType<typeof workflow>;
}

export const straight = chain(CHAIN_LENGTH);

/** The plain job of the baseline: the same no-op, enqueued on its own. */
export async function noop(): Promise<null> {
  return null;
}
