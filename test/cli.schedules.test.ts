/**
 * `ordo schedules …` as a user runs it, in-process through `main(args, io)` on a temp SQLite
 * file with the example tasks: every command, `--json` shapes, refusals that name the flag
 * (exit 2), unknown names (3), a name taken (5), `run` leaving the cadence, and
 * `enqueue --unique-for`.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createOrdo, loadTaskFolder, syncCodeSchedules } from '../src/client/ordo.js';
import { runMain, runMainOk } from './support/cli-run.js';
import { EXAMPLE_TASKS, TEST_TASKS, useTempDatabase, type CliResult } from './support/processes.js';

const temp = useTempDatabase();

function ordo(...args: string[]): Promise<CliResult> {
  return runMain(['--db', temp.db, '--tasks', EXAMPLE_TASKS, ...args]);
}

function ordoOk(...args: string[]): Promise<string> {
  return runMainOk(['--db', temp.db, '--tasks', EXAMPLE_TASKS, ...args]);
}

async function json<T = Record<string, unknown>>(...args: string[]): Promise<T> {
  return JSON.parse(await ordoOk(...args, '--json')) as T;
}

const EMAIL = '{"email":"a@b.com","message":"hi"}';

describe('ordo schedules', () => {
  it('add, list, show (next 5 fires in the zone and UTC), update, pause, resume, rm', async () => {
    const added = await ordoOk('schedules', 'add', 'morning', '--cron', '0 9 * * 1-5', '--tz', 'Europe/London', '--task', 'send_email', '--payload', EMAIL, '--overlap', 'skip');
    expect(added).toMatch(/^schedule morning added: cron 0 9 \* \* 1-5 \(Europe\/London\), task send_email; next run \d{4}-/);
    const unknownTask = await ordo('schedules', 'add', 'tick', '--every', '30s', '--task', 'hello', '--queue', 'low', '--misfire', 'all', '--misfire-limit', '5');
    expect([unknownTask.code, unknownTask.stderr]).toEqual([0, expect.stringMatching(/^ordo: note: no task named hello in .*payload not checked/)]);

    const list = await ordoOk('schedules', 'list');
    expect(list.split('\n')[0]).toMatch(/^NAME\s+TIMING\s+TASK\s+NEXTRUN\s+LASTFIRE\s+LASTOUTCOME\s+PAUSED\s+OVERDUE$/);
    expect(list).toMatch(/morning\s+cron 0 9 \* \* 1-5 \(Europe\/London\)\s+send_email/);
    expect(list).toMatch(/tick\s+every 30s\s+hello/);
    const rows = await json<Record<string, unknown>[]>('schedules', 'list');
    expect(rows.map((r) => r.name)).toEqual(['morning', 'tick']);
    expect(rows[1]).toMatchObject({ misfire: 'all', misfireLimit: 5, overlap: 'allow', paused: false, overdue: false, job: { task: 'hello', queue: 'low' } });

    const show = await ordoOk('schedules', 'show', 'morning');
    expect(show).toMatch(/^overlap\s+skip$/m);
    expect(show).toMatch(/^next fires \(Europe\/London \/ UTC\)$/m);
    const fires = show.split('\n').filter((line) => /^ {2}\d{4}-\d\d-\d\d 09:00:00 GMT(\+[01])?\s+\d{4}-\d\d-\d\dT0[89]:00:00Z$/.test(line));
    expect(fires).toHaveLength(5);
    const detail = await json('schedules', 'show', 'morning');
    expect(detail).toMatchObject({ name: 'morning', timing: { kind: 'cron', tz: 'Europe/London' }, job: { payload: { email: 'a@b.com', message: 'hi' } } });
    expect(detail.nextFires).toHaveLength(5);
    expect(detail.nextFires).toEqual(expect.arrayContaining([detail.nextRunAt]));

    expect(await ordoOk('schedules', 'update', 'tick', '--every', '1m')).toMatch(/^schedule tick updated: every 1m, task hello; next run/);
    expect(await json('schedules', 'show', 'tick')).toMatchObject({ timing: { kind: 'every', everyMs: 60_000 }, misfire: 'all', job: { queue: 'low' } });

    expect(await ordoOk('schedules', 'pause', 'tick')).toBe('schedule tick paused\n');
    expect(await ordoOk('schedules', 'list')).toMatch(/tick .* yes/);
    expect(await ordoOk('schedules', 'resume', 'tick')).toBe('schedule tick resumed\n');
    expect(await ordoOk('schedules', 'rm', 'tick')).toBe('schedule tick removed\n');
    expect((await json<unknown[]>('schedules', 'list')).length).toBe(1);
  });

  it('run prints the job id, leaves nextRunAt, and history lists the fire as manual', async () => {
    const added = await json('schedules', 'add', 'yearly', '--cron', '@yearly', '--task', 'send_email', '--payload', EMAIL);
    expect(added).toMatchObject({ name: 'yearly', timing: { kind: 'cron', cron: '@yearly', tz: 'UTC' }, paused: false, overdue: false, lastFireAt: null });
    expect(added.nextFires).toHaveLength(5);
    const before = await json('schedules', 'show', 'yearly');
    expect(before.nextRunAt).toBe(added.nextRunAt);
    const id = (await ordoOk('schedules', 'run', 'yearly')).trim();
    expect(id).toMatch(/^\d+$/);
    expect(await json('jobs', 'show', id)).toMatchObject({ task: 'send_email', state: 'pending', payload: { email: 'a@b.com' } });
    const after = await json('schedules', 'show', 'yearly');
    expect(after.nextRunAt).toBe(before.nextRunAt);
    expect(after.lastJobId).toBe(id);
    const history = await ordoOk('schedules', 'history', 'yearly');
    expect(history.split('\n')[0]).toMatch(/^FIRETIME\s+FIREDAT\s+JOB\s+STATE\s+NOTE$/);
    expect(history).toMatch(new RegExp(`\\s${id}\\s+pending\\s+manual`));
    const again = await json('schedules', 'run', 'yearly');
    expect(again).toMatchObject({ schedule: 'yearly', manual: true, skipped: null, jobId: expect.stringMatching(/^\d+$/) });
    expect((await json<unknown[]>('schedules', 'history', 'yearly', '--limit', '1')).length).toBe(1);
    const fires = (await json<Record<string, unknown>[]>('schedules', 'history', 'yearly')).slice(1);
    expect(fires).toEqual([expect.objectContaining({ schedule: 'yearly', jobId: id, manual: true, skipped: null, jobState: 'pending' })]);
  });

  it('refuses bad input with exit 2 naming the flag; unknown names exit 3; a taken name exits 5', async () => {
    const bad: [string[], RegExp][] = [
      [['--cron', '0 25 * * *'], /^ordo: --cron: .*(hour|range|25)/i],
      [['--cron', '0 9 * * *', '--tz', 'Mars/Olympus'], /^ordo: --tz: /],
      [['--cron', '0 9 * * *', '--every', '1m'], /^ordo: --cron: expected one of --cron, --every or --at, not several/],
      [[], /^ordo: --cron: expected when to fire/],
      [['--every', '30'], /^ordo: --every: expected a duration with a unit/],
      [['--every', '1m', '--misfire', 'sometimes'], /^ordo: --misfire: expected one of skip, once, all, received string "sometimes"/],
      [['--every', '1m', '--overlap', 'x'], /^ordo: --overlap: expected one of allow, skip, queue/],
      [['--every', '1m', '--payload', '[1]'], /^ordo: --payload: expected a JSON object/],
      [['--at', 'tomorrow'], /^ordo: --at: /],
      [['--at', '2020-01-01T00:00:00Z'], /^ordo: --at: expected a time in the future/],
    ];
    for (const [flags, message] of bad) {
      const result = await ordo('schedules', 'add', 's', '--task', 'hello', ...flags);
      expect(result.code, flags.join(' ')).toBe(2);
      expect(result.stderr, flags.join(' ')).toMatch(message);
    }
    const schema = await ordo('schedules', 'add', 's', '--task', 'send_email', '--every', '1m', '--payload', '{"email":"nope"}');
    expect([schema.code, schema.stderr]).toEqual([2, expect.stringMatching(/payload of task send_email/)]);
    expect((await ordo('schedules', 'add', 's', '--every', '1m')).code).toBe(2); // --task is required
    const badName = await ordo('schedules', 'add', 'two words', '--every', '1m', '--task', 'hello');
    expect([badName.code, badName.stderr]).toEqual([2, expect.stringMatching(/^ordo: NAME: expected a schedule name of letters, digits/)]);
    expect(await json<unknown[]>('schedules', 'list')).toEqual([]);

    for (const command of [['show', 'ghost'], ['rm', 'ghost'], ['pause', 'ghost'], ['resume', 'ghost'], ['run', 'ghost'], ['history', 'ghost'], ['update', 'ghost', '--every', '1m']]) {
      const result = await ordo('schedules', ...command);
      expect(result.code, command.join(' ')).toBe(3);
      expect(result.stderr).toMatch(/schedule "ghost" does not exist/);
    }
    await ordoOk('schedules', 'add', 'dup', '--every', '1m', '--task', 'hello');
    const dup = await ordo('schedules', 'add', 'dup', '--every', '5m', '--task', 'hello');
    expect(dup.code).toBe(5);
    expect(dup.stderr).toMatch(/dup/);
  });
});

describe('schedules declared in code', () => {
  it('show says so; an update is allowed but noted, since the next sync puts the code back', async () => {
    const folder = join(TEST_TASKS, 'scheduled');
    const tasks = await loadTaskFolder(folder, { required: true });
    const client = await createOrdo({ db: temp.db, tasks });
    try {
      expect((await syncCodeSchedules(client, tasks)).created).toEqual(['beat']);
    } finally {
      await client.close();
    }
    const inCode = (...args: string[]) => runMain(['--db', temp.db, '--tasks', folder, ...args]);
    expect((await inCode('schedules', 'show', 'beat')).stdout).toMatch(/^source\s+declared in code$/m);
    const updated = await inCode('schedules', 'update', 'beat', '--every', '5s');
    expect(updated.code).toBe(0);
    expect(updated.stderr).toMatch(/schedule beat is declared in code; a scheduler started with its task puts the code's definition back/);
    expect(JSON.parse((await inCode('schedules', 'show', 'beat', '--json')).stdout)).toMatchObject({ source: 'code', timing: { everyMs: 5_000 } });
  });
});

describe('ordo enqueue --unique-for', () => {
  it('prints the first job id for a key within the window, even after that job ended', async () => {
    const first = (await ordoOk('enqueue', 'hello', '--unique-key', 'k1', '--unique-for', '10m')).trim();
    await ordoOk('jobs', 'cancel', first);
    const again = await ordo('enqueue', 'hello', '--unique-key', 'k1', '--unique-for', '10m');
    expect(again.stdout.trim()).toBe(first);
    expect(again.stderr).toMatch(/or created in the last 10m/);
    const bare = await ordo('enqueue', 'hello', '--unique-for', '10m');
    expect([bare.code, bare.stderr]).toEqual([2, expect.stringMatching(/^ordo: --unique-for: expected --unique-for together with --unique-key/)]);
    expect((await ordo('enqueue', 'hello', '--unique-key', 'k2', '--unique-for', '10')).stderr).toMatch(/^ordo: --unique-for: expected a duration with a unit/);
  });
});
