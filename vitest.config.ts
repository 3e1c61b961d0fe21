/**
 * The test suite as four vitest projects (defined in `vitest.projects.ts`): `unit` (pure
 * code, no database), `contract` (the store on both engines), `runtime` (client, worker and
 * services in the test process) and `e2e` (the CLI and real worker processes). Run one with
 * `npm run test:unit` (or `vitest run --project unit`); `npm test` runs them all.
 *
 * Only the projects that need PostgreSQL list the global setup that starts it; they share
 * one server. Loading this file checks that every test file belongs to exactly one project.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { PROJECTS, checkProjects } from './vitest.projects.js';
import { SpreadingSequencer } from './vitest.sequencer.js';

const ROOT = fileURLToPath(new URL('.', import.meta.url));
checkProjects(ROOT);

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Forks, not threads: tests read process.pid (schema names, worker names) and the native
    // SQLite driver and child processes are simplest to reason about one process per file.
    pool: 'forks',
    // Two cores: vitest's default (cores - 1) ran one file at a time. Most files wait on
    // timers, databases and child processes rather than compute, so three at once keep
    // both cores busy without starving the timing-sensitive ones.
    maxWorkers: 3,
    minWorkers: 1,
    // An unhandled rejection or uncaught exception in a test file fails the run (this is
    // vitest's default; spelled out so nobody turns it off by accident).
    dangerouslyIgnoreUnhandledErrors: false,
    sequence: { sequencer: SpreadingSequencer },
    projects: PROJECTS.map((project) => ({
      extends: true,
      test: {
        name: project.name,
        include: [...project.include],
        globalSetup: project.postgres ? ['test/support/global-setup.ts'] : [],
      },
    })),
  },
});
