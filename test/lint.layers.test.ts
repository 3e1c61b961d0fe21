/**
 * The layering rules of eslint.config.js, run through ESLint's Node API on snippets placed
 * (by `filePath`) in each folder: a violating import must be reported, an allowed one not,
 * so a rule that silently stops matching fails here.
 */
import { ESLint } from 'eslint';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: fileURLToPath(new URL('..', import.meta.url)) });

/** The messages of `no-restricted-imports` for `code` placed at `filePath`. */
async function restricted(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\nexport const used = x;\n`, { filePath });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('layering lint', () => {
  const cases: [string, string, RegExp][] = [
    ['src/core/anything.ts', "import { x } from '../store/open.js';", /src\/core\/ imports nothing of ours outside core/],
    ['src/core/anything.ts', "import { x } from '../client/ordo.js';", /src\/core\/ imports nothing of ours outside core/],
    ['src/config/anything.ts', "import { x } from '../store/open.js';", /src\/config\/ imports only src\/core/],
    ['src/client/anything.ts', "import x from 'better-sqlite3';", /Only src\/store\/sqlite\/ imports better-sqlite3/],
    ['src/store/postgres/anything.ts', "import x from 'better-sqlite3';", /Only src\/store\/sqlite\/ imports better-sqlite3/],
    ['src/store/sqlite/anything.ts', "import x from 'pg';", /Only src\/store\/postgres\/ imports pg/],
    ['src/worker/anything.ts', "import { x } from 'pg';", /Only src\/store\/postgres\/ imports pg/],
    ['src/cli/anything.ts', "import { x } from '../store/open.js';", /Entry points .* never store\/ or tasks\//],
    ['src/cli/anything.ts', "import type { x } from '../tasks/registry.js';", /Entry points .* never store\/ or tasks\//],
    ['src/server/routes/anything.ts', "import { x } from '../../store/open.js';", /Entry points .* never store\/ or tasks\//],
    ['src/cli/commands/anything.ts', "import { x } from '../../tasks/loader.js';", /Entry points .* never store\/ or tasks\//],
    ['src/worker/parts/anything.ts', "import { x } from '../../client/ordo.js';", /src\/worker\/ does not import the client/],
    ['src/worker/anything.ts', "import { x } from '../client/ordo.js';", /src\/worker\/ does not import the client/],
  ];

  it.each(cases)('%s: %s is an error', async (filePath, code, message) => {
    const messages = await restricted(filePath, code);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(message);
  });

  const allowed: [string, string][] = [
    ['src/core/anything.ts', "import { x } from './errors.js';"],
    ['src/config/anything.ts', "import { x } from '../core/defaults.js';"],
    ['src/store/sqlite/anything.ts', "import x from 'better-sqlite3';"],
    ['src/store/postgres/anything.ts', "import x from 'pg';"],
    ['src/cli/anything.ts', "import { x } from '../client/ordo.js';"],
    ['src/cli/anything.ts', "import { x } from '../worker/worker.js';"],
    ['src/cli/anything.ts', "import { x } from '../maintenance/maintenance.js';"],
    ['src/cli/anything.ts', "import { x } from '../config/resolve.js';"],
    ['src/worker/anything.ts', "import { x } from '../store/open.js';"],
  ];

  it.each(allowed)('%s: %s is allowed', async (filePath, code) => {
    expect(await restricted(filePath, code)).toEqual([]);
  });
});
