/**
 * Where the CLI takes its settings from, in-process: flags > environment > ordo.config.json
 * > DEFAULTS (the same defaults `--help` shows), config files checked key by key, read
 * commands that refuse a database or schema that does not exist, `--version`, `migrate`.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { DEFAULTS } from '../src/core/defaults.js';
import { formatDuration } from '../src/core/duration.js';
import { runMain, runMainOk } from './support/cli-run.js';
import { dropCreatedSchemas, postgresFixture } from './support/engines.js';
import { EXAMPLE_TASKS, REPO_DIR, openDb, tempDir, useTempDatabase } from './support/processes.js';

const temp = useTempDatabase();
afterAll(dropCreatedSchemas);

const EMAIL = '{"email":"a@b.com","message":"hi"}';

describe('--help and --version', () => {
  it('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(join(REPO_DIR, 'package.json'), 'utf8')) as { version: string };
    expect(await runMain(['--version'])).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

  it('shows the defaults of DEFAULTS', async () => {
    const global = await runMainOk(['--help']);
    for (const text of [`default ${DEFAULTS.database}`, `default ${DEFAULTS.schema}`, `default ${DEFAULTS.tasksDir}`, 'ordo.config.json']) expect(global).toContain(text);
    const worker = (await runMainOk(['worker', '--help'])).replace(/\s+/g, ' ');
    for (const text of [
      `(default ${DEFAULTS.concurrency})`,
      `(default ${formatDuration(DEFAULTS.leaseMs)})`,
      `(default ${formatDuration(DEFAULTS.graceMs)})`,
      `(default ${formatDuration(DEFAULTS.pollMs)})`,
      `else ${DEFAULTS.queues.join(',')}; for dev ${DEFAULTS.devQueues.join(',')}`,
      '--no-maintenance',
    ]) expect(worker).toContain(text);
  });
});

describe('main(args, io)', () => {
  it('prints only through the injected streams: help, usage errors, results and errors', async () => {
    const stdout = vi.spyOn(process.stdout, 'write');
    const stderr = vi.spyOn(process.stderr, 'write');
    try {
      const results = [
        await runMain(['--help']),
        await runMain(['jobs', 'list', '--limit']),
        await runMain(['--db', temp.db, '--tasks', EXAMPLE_TASKS, 'enqueue', 'send_email', EMAIL]),
        await runMain(['--db', temp.db, 'jobs', 'show', '999']),
      ];
      expect(results.map((r) => r.code)).toEqual([0, 2, 0, 3]);
      expect(results[0]!.stdout).toContain('Usage: ordo');
      expect(results[1]!.stderr).toContain("option '-n, --limit <n>' argument missing");
      expect(results[3]!.stderr).toBe('ordo: job "999" does not exist\n');
      expect(stdout).not.toHaveBeenCalled();
      expect(stderr).not.toHaveBeenCalled();
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
    }
  });
});

describe('settings from the environment and ordo.config.json', () => {
  it('takes the database from ORDO_DATABASE_URL, and --db over it', async () => {
    const other = join(temp.dir, 'other.db');
    const id = (await runMainOk(['--tasks', EXAMPLE_TASKS, 'enqueue', 'send_email', EMAIL], { env: { ORDO_DATABASE_URL: temp.db } })).trim();
    expect((await (await openDb(temp.db)).job(id)).task).toBe('send_email');
    await runMainOk(['--db', other, '--tasks', EXAMPLE_TASKS, 'enqueue', 'send_email', EMAIL], { env: { ORDO_DATABASE_URL: temp.db } });
    expect((await (await openDb(other)).listJobs()).total).toBe(1);
    expect((await (await openDb(temp.db)).listJobs()).total).toBe(1);
  });

  it('reads db and tasks from ordo.config.json, relative to the file', async () => {
    const project = tempDir('ordo-project-');
    mkdirSync(join(project, 'data'));
    writeFileSync(join(project, 'ordo.config.json'), JSON.stringify({ db: './data/jobs.db', tasks: EXAMPLE_TASKS }));
    const id = (await runMainOk(['enqueue', 'generate_report', '{}'], { cwd: project })).trim();
    const job = await (await openDb(join(project, 'data', 'jobs.db'))).job(id);
    expect(job.queue).toBe('low'); // the task's own queue: the tasks folder of the file was loaded
  });

  it('refuses a wrongly typed value of ordo.config.json (exit 2), naming the key, the form and the value', async () => {
    const project = tempDir('ordo-project-');
    writeFileSync(join(project, 'ordo.config.json'), JSON.stringify({ concurrency: '20' }));
    const result = await runMain(['--db', temp.db, 'jobs', 'list'], { cwd: project });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`ordo: ${join(project, 'ordo.config.json')}: concurrency: expected a whole number from 1 to 10000, received string "20"\n`);
  });

  it('worker refuses a lease without a unit before starting anything', async () => {
    const result = await runMain(['--db', temp.db, '--tasks', EXAMPLE_TASKS, 'worker', '--lease', '30']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--lease: expected a duration with a unit such as 5s, 5m or 500ms, received string "30"');
  });
});

describe('ordo migrate', () => {
  it('creates the database and says so', async () => {
    const fresh = join(temp.dir, 'new', 'ordo.db');
    mkdirSync(join(temp.dir, 'new'));
    expect(await runMainOk(['--db', fresh, 'migrate'])).toBe('database schema is up to date (sqlite)\n');
    expect(existsSync(fresh)).toBe(true);
    expect(await runMainOk(['--db', fresh, 'jobs', 'list', '--json'])).toContain('"total": 0');
  });
});

describe('on PostgreSQL', () => {
  it('honours ORDO_SCHEMA, and read commands refuse a schema that does not exist without creating it', async () => {
    const { db, schema } = await postgresFixture.freshDatabase();
    const env = { ORDO_DATABASE_URL: db, ORDO_SCHEMA: schema! };
    const id = (await runMainOk(['--tasks', EXAMPLE_TASKS, 'enqueue', 'send_email', EMAIL], { env })).trim();
    expect((await (await openDb(db, { schema })).job(id)).task).toBe('send_email');
    const typo = `${schema}_typo`;
    const result = await runMain(['--schema', typo, 'jobs', 'list'], { env });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(typo);
    const client = new pg.Client({ connectionString: db });
    await client.connect();
    try {
      const { rowCount } = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [typo]);
      expect(rowCount).toBe(0);
    } finally {
      await client.end();
    }
  });
});
