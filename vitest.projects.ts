/**
 * Which test file belongs to which vitest project, by glob patterns on file names, and the
 * check that every `test/**\/*.test.ts` belongs to exactly one of them. The check runs when
 * the config loads, so a new file whose name fits no project (or two) stops the run with a
 * message naming it, instead of silently never running or running twice.
 *
 * Patterns use a small glob subset (`*`, `**\/`, `{a,b}`) that `globToRegExp` below
 * understands exactly as vitest does, so the check and vitest can never disagree.
 */
import { readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** A project: its name, the files it runs, and whether it needs the test PostgreSQL. */
export interface ProjectSpec {
  readonly name: string;
  readonly include: readonly string[];
  readonly postgres: boolean;
}

/** Every file whose name starts with `prefix` (`store*` takes `store.sqlite` and `store-x`). */
function startingWith(...prefixes: string[]): string[] {
  return prefixes.flatMap((prefix) => [`test/${prefix}*.test.ts`, `test/${prefix}*/**/*.test.ts`]);
}

/**
 * `name`, `name.*`, `name-*` and the folder `name/`: for names that start other names
 * (`cli` must not take `client`).
 */
function family(...names: string[]): string[] {
  return names.flatMap((name) => [`test/${name}.test.ts`, `test/${name}{.,-}*.test.ts`, `test/${name}/**/*.test.ts`]);
}

export const PROJECTS: readonly ProjectSpec[] = [
  // Pure code of src/core, the configuration, lint rules and this split: no database at all.
  { name: 'unit', include: ['test/core/**/*.test.ts', ...startingWith('config', 'lint'), ...family('suite')], postgres: false },
  // The store contract on both engines, the state table walked on both, what one engine promises.
  {
    name: 'contract',
    include: [
      ...startingWith('store', 'state', 'open'),
      'test/postgres.{claim,jobs,leader,migrations,notify,transactions}*.test.ts',
    ],
    postgres: true,
  },
  // The runtime over a real store, inside the test process: client, worker, services.
  {
    name: 'runtime',
    include: [...family('client', 'worker', 'server', 'remote', 'tasks', 'browser'), ...startingWith('service', 'maintenance'), 'test/postgres.resilience*.test.ts'],
    postgres: true,
  },
  // Ordo as a user runs it: the CLI, and worker processes started, killed and stopped.
  { name: 'e2e', include: [...family('cli', 'dashboard'), ...startingWith('processes', 'postgres.processes')], postgres: true },
];

/**
 * Turns a pattern of the subset into an anchored RegExp on `/`-separated relative paths.
 * Anything else (`?`, `[`, `!`, nested braces) is refused, so no pattern means more to
 * vitest than to this check.
 */
const GLOB_PARTS: Record<string, string> = { '*': '[^/]*', '{': '(?:', '}': ')' };

export function globToRegExp(pattern: string): RegExp {
  if (/[?[\]!()+@]/.test(pattern) || /\{[^}]*\{/.test(pattern)) throw new Error(`test project pattern ${JSON.stringify(pattern)}: only *, **/ and {a,b} are supported`);
  let source = '';
  let braces = 0;
  for (let i = 0; i < pattern.length; i++) {
    if (pattern.startsWith('**/', i)) {
      source += '(?:[^/]+/)*';
      i += 2;
      continue;
    }
    const char = pattern[i]!;
    braces += char === '{' ? 1 : char === '}' ? -1 : 0;
    source += GLOB_PARTS[char] ?? (char === ',' && braces > 0 ? '|' : char.replace(/[.+^$|\\/]/g, '\\$&'));
  }
  return new RegExp(`^${source}$`);
}

/** Every `*.test.ts` under `root/test`, as `/`-separated paths relative to `root`. */
export function listTestFiles(root: string): string[] {
  const dir = join(root, 'test');
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.test.ts'))
    .map((name) => relative(root, join(dir, name)).split(sep).join('/'))
    .sort();
}

/** Names each file that belongs to no project or to more than one; empty when all is well. */
export function projectProblems(files: readonly string[], projects: readonly ProjectSpec[] = PROJECTS): string[] {
  const matchers = projects.map((project) => ({ name: project.name, patterns: project.include.map(globToRegExp) }));
  const problems: string[] = [];
  for (const file of files) {
    const owners = matchers.filter((m) => m.patterns.some((re) => re.test(file))).map((m) => m.name);
    if (owners.length === 0) problems.push(`${file} belongs to no test project`);
    if (owners.length > 1) problems.push(`${file} belongs to several test projects: ${owners.join(', ')}`);
  }
  return problems;
}

/** Throws, naming every misplaced file and where projects are defined, unless each file has one project. */
export function checkProjects(root: string): void {
  const problems = projectProblems(listTestFiles(root));
  if (problems.length > 0) {
    throw new Error(`${problems.join('\n')}\nEvery test/**/*.test.ts must match the patterns of exactly one project in vitest.projects.ts: rename the file or adjust a pattern.`);
  }
}
