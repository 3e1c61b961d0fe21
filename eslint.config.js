import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

/*
 * The layering, enforced: dependencies point down only.
 *   core/            imports nothing of ours outside core/ (and no database driver)
 *   config/          imports only core/
 *   store/<engine>/  the only place its driver (better-sqlite3, pg) is imported
 *   cli/, server/    entry points: go through client/ and config/, never store/ or tasks/
 *                    (the CLI may host worker/ and maintenance/)
 *   worker/          does not import client/ (the configured store opens in store/)
 * ESLint applies one set of options per rule and file, so each folder's entry repeats the
 * driver rules it shares with the rest; test/lint.test.ts checks every rule still fires.
 */
const drivers = {
  sqlite: { group: ['better-sqlite3', 'better-sqlite3/*'], message: 'Only src/store/sqlite/ imports better-sqlite3: go through the Store contract.' },
  postgres: { group: ['pg', 'pg/*', 'pg-*'], message: 'Only src/store/postgres/ imports pg: go through the Store contract.' },
};
const layers = {
  core: { regex: '^\\.\\./', message: 'src/core/ imports nothing of ours outside core: it is the leaf every layer builds on.' },
  config: { regex: '^\\.\\./(?!core/)', message: 'src/config/ imports only src/core/, so every entry point can use it without pulling in an engine.' },
  entry: { regex: '^(\\.\\./)+(store|tasks)/', message: 'Entry points (cli/, server/) go through the client or the config module, never store/ or tasks/.' },
  worker: { regex: '^(\\.\\./)+client/', message: 'src/worker/ does not import the client: it opens the configured store through store/.' },
};

function restrict(files, ...patterns) {
  return { files, rules: { 'no-restricted-imports': ['error', { patterns }] } };
}

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.ordo/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { files: ['dashboard/**'], languageOptions: { globals: globals.browser } },
  {
    languageOptions: { globals: globals.node },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  restrict(['src/**/*.ts'], drivers.sqlite, drivers.postgres),
  restrict(['src/store/sqlite/**/*.ts'], drivers.postgres),
  restrict(['src/store/postgres/**/*.ts'], drivers.sqlite),
  // Files directly in core/ or config/: `../` leaves the folder.
  restrict(['src/core/*.ts'], drivers.sqlite, drivers.postgres, layers.core),
  restrict(['src/config/*.ts'], drivers.sqlite, drivers.postgres, layers.config),
  restrict(['src/cli/**/*.ts', 'src/server/**/*.ts'], drivers.sqlite, drivers.postgres, layers.entry),
  restrict(['src/worker/**/*.ts'], drivers.sqlite, drivers.postgres, layers.worker),
);
