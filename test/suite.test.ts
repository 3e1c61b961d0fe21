/**
 * The split of the suite into projects: every test file of the repository belongs to
 * exactly one project, and the check that enforces it catches a file that fits none or
 * several, with patterns read exactly as vitest reads them.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PROJECTS, globToRegExp, listTestFiles, projectProblems } from '../vitest.projects.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The names of the projects whose patterns take `file`. */
function owners(file: string): string[] {
  return PROJECTS.filter((project) => project.include.some((pattern) => globToRegExp(pattern).test(file))).map((p) => p.name);
}

describe('test projects', () => {
  it('give every test file of the repository exactly one project', () => {
    const files = listTestFiles(ROOT);
    expect(files).toContain('test/suite.test.ts');
    expect(projectProblems(files)).toEqual([]);
  });

  it('put files where their names say, also files that do not exist yet', () => {
    expect(owners('test/core/duration.test.ts')).toEqual(['unit']);
    expect(owners('test/core/deep/er.test.ts')).toEqual(['unit']);
    expect(owners('test/store.sqlite.test.ts')).toEqual(['contract']);
    expect(owners('test/states.walk.test.ts')).toEqual(['contract']);
    expect(owners('test/postgres.claim.test.ts')).toEqual(['contract']);
    expect(owners('test/client.test.ts')).toEqual(['runtime']);
    expect(owners('test/worker.maintenance.test.ts')).toEqual(['runtime']);
    expect(owners('test/maintenance.test.ts')).toEqual(['runtime']);
    expect(owners('test/cli.test.ts')).toEqual(['e2e']);
    expect(owners('test/cli.process.test.ts')).toEqual(['e2e']);
    expect(owners('test/postgres.processes.test.ts')).toEqual(['e2e']);
  });

  it('report a file that fits no project, or several', () => {
    expect(projectProblems(['test/postgres.new.test.ts', 'test/workers.test.ts', 'test/clients.test.ts'])).toEqual([
      'test/postgres.new.test.ts belongs to no test project',
      'test/workers.test.ts belongs to no test project',
      'test/clients.test.ts belongs to no test project',
    ]);
    const overlapping = [{ name: 'a', include: ['test/x*.test.ts'], postgres: false }, { name: 'b', include: ['test/x.{y,z}.test.ts'], postgres: false }];
    expect(projectProblems(['test/x.y.test.ts', 'test/x.test.ts'], overlapping)).toEqual(['test/x.y.test.ts belongs to several test projects: a, b']);
  });

  it('read patterns as vitest does: * within one folder, **/ across folders, {a,b} as either', () => {
    expect(globToRegExp('test/*.test.ts').test('test/a/b.test.ts')).toBe(false);
    expect(globToRegExp('test/**/*.test.ts').test('test/b.test.ts')).toBe(true);
    expect(globToRegExp('test/**/*.test.ts').test('test/a/b/c.test.ts')).toBe(true);
    expect(globToRegExp('test/cli{.,-}*.test.ts').test('test/client.test.ts')).toBe(false);
    expect(globToRegExp('test/cli{.,-}*.test.ts').test('test/cli-x.test.ts')).toBe(true);
    expect(globToRegExp('test/a.b.test.ts').test('test/aXb.test.ts')).toBe(false);
    expect(() => globToRegExp('test/?.test.ts')).toThrow(/only \*, \*\*\/ and \{a,b\} are supported/);
  });
});
