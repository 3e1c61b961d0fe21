/**
 * The command line through an Ordo server (`--server`, `ORDO_SERVER`) against the same
 * command line on the database (`--db`): a real server over real HTTP, in this process, on a
 * temp SQLite file with the example tasks. The same output for the same reads, the same
 * messages for the same writes, the same exit codes for bad input (2), not found (3) and
 * conflicts (5); refused tokens exit 6, an unreachable server 4; commands that need the
 * database refuse `--server`; `ordo tokens` makes the tokens the server accepts.
 */
import { createServer } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOrdo, loadTaskFolder, type Ordo } from '../src/client/ordo.js';
import { startServer, type RunningServer } from '../src/server/app.js';
import { runMain, runMainOk } from './support/cli-run.js';
import { EXAMPLE_TASKS, useTempDatabase, type CliResult } from './support/processes.js';

const temp = useTempDatabase();
let server: RunningServer;
let serverOrdo: Ordo;
let admin: string;

beforeEach(async () => {
  serverOrdo = await createOrdo({ db: temp.db, tasks: await loadTaskFolder(EXAMPLE_TASKS, { required: true }) });
  server = await startServer({ ordo: serverOrdo, port: 0 });
  admin = (await serverOrdo.tokens.create({ scope: 'admin', name: 'test' })).token;
});

afterEach(async () => {
  await server.stop();
  await serverOrdo.close();
});

function onDb(...args: string[]): Promise<CliResult> {
  return runMain(['--db', temp.db, '--tasks', EXAMPLE_TASKS, ...args]);
}

function viaServer(...args: string[]): Promise<CliResult> {
  return runMain(['--server', server.url, '--token', admin, ...args]);
}

/** Runs the same command both ways and expects the same exit code and output (ages in ms aside: they grow between the two). */
async function same(...args: string[]): Promise<CliResult> {
  const ageless = (result: CliResult) => ({ ...result, stdout: result.stdout.replace(/("oldestDueAgeMs": )\d+/g, '$1<ms>') });
  const [local, remote] = [await onDb(...args), await viaServer(...args)];
  expect(ageless(remote), `ordo ${args.join(' ')}`).toEqual(ageless(local));
  return local;
}

const EMAIL = '{"email":"a@b.com","message":"hi"}';

describe('ordo --server', () => {
  it('enqueues: prints the id, the job is on the database, as with --db', async () => {
    const out = (await viaServer('enqueue', 'send_email', EMAIL, '--queue', 'mail', '--delay', '1h', '--max-attempts', '2')).stdout;
    expect(out).toMatch(/^\d+\n$/);
    const job = await serverOrdo.job(out.trim());
    expect(job).toMatchObject({ task: 'send_email', queue: 'mail', maxAttempts: 2, payload: { email: 'a@b.com', message: 'hi' } });
    const [local, remote] = [await onDb('enqueue', 'send_email', EMAIL, '--unique-key', 'u', '--json'), await viaServer('enqueue', 'send_email', EMAIL, '--unique-key', 'u', '--json')];
    expect(JSON.parse(remote.stdout)).toEqual({ ...JSON.parse(local.stdout), created: false });
    expect(remote.stderr).toBe('ordo: note: 1 job(s) with this unique key already pending or running; printed the existing id, nothing enqueued for them\n');
    // The environment works as the flags do.
    const env = await runMain(['enqueue', 'hello_world.send_hello_world', '{}'], { env: { ORDO_SERVER: server.url, ORDO_TOKEN: admin } });
    expect(env.code).toBe(0);
    expect((await serverOrdo.job(env.stdout.trim())).task).toBe('hello_world.send_hello_world');
  });

  it('reads jobs, queues, schedules and workers exactly as --db does', async () => {
    const ids = [];
    for (const n of [1, 2, 3]) ids.push((await runMainOk(['--db', temp.db, '--tasks', EXAMPLE_TASKS, 'enqueue', 'send_email', `{"email":"u${n}@b.com","message":"m${n}"}`])).trim());
    await runMainOk(['--db', temp.db, '--tasks', EXAMPLE_TASKS, 'enqueue', 'flaky_sync', '{}', '--queue', 'high', '--at', '2030-01-02T03:04:05Z']);
    await serverOrdo.cancel(ids[1]!);
    await onDb('schedules', 'add', 'morning', '--cron', '0 9 * * 1-5', '--tz', 'Europe/London', '--task', 'send_email', '--payload', EMAIL);
    await onDb('schedules', 'run', 'morning');

    for (const args of [
      ['jobs', 'list'],
      ['jobs', 'list', '--json'],
      ['jobs', 'list', '--state', 'pending,cancelled', '--queue', 'default', '--limit', '2', '--offset', '1'],
      ['jobs', 'list', '--task', 'flaky_sync', '--json'],
      ['jobs', 'list', '--search', 'U2@B', '--created-from', '2020-01-01T00:00:00Z', '--created-to', '4102444800'],
      ['jobs', 'list', '--limit', '2', '--before', ids[2]!],
      ['jobs', 'show', ids[0]!],
      ['jobs', 'show', ids[1]!, '--json'],
      ['queues', 'stats'],
      ['queues', 'stats', '--json'],
      ['schedules', 'list'],
      ['schedules', 'list', '--json'],
      ['schedules', 'show', 'morning'],
      ['schedules', 'show', 'morning', '--json'],
      ['schedules', 'history', 'morning'],
      ['schedules', 'history', 'morning', '--json', '--limit', '1'],
      ['workers'],
      ['workers', '--json'],
    ]) {
      expect((await same(...args)).code, args.join(' ')).toBe(0);
    }
  });

  it("tasks lists the server's tasks: the folder's, as --db lists them, and the built-in ones", async () => {
    const local = JSON.parse((await onDb('tasks', '--json')).stdout) as { name: string }[];
    const remote = JSON.parse((await viaServer('tasks', '--json')).stdout) as { name: string; source: string }[];
    expect(remote.filter((t) => t.source !== 'built-in')).toEqual(local);
    expect(remote.filter((t) => t.source === 'built-in').map((t) => t.name)).toEqual(['http', 'workflow.start']);
    expect(local.find((t) => t.name === 'send_email')).toMatchObject({ timeoutMs: 30_000, maxAttempts: 5, payloadSchema: { type: 'object' } });
    expect((await viaServer('tasks')).stdout).toMatch(/^send_email\s+default\s+yes\s+pretends to send an email/m);
  });

  it('writes with the same messages: cancel, retry, queues, schedules', async () => {
    const twin = async (args: (name: string) => string[], ids: [string, string]) => {
      const [local, remote] = [await onDb(...args(ids[0])), await viaServer(...args(ids[1]))];
      expect(remote.code).toBe(local.code);
      expect(remote.stdout.replaceAll(ids[1], '<>')).toBe(local.stdout.replaceAll(ids[0], '<>'));
      expect(remote.stderr.replaceAll(ids[1], '<>')).toBe(local.stderr.replaceAll(ids[0], '<>'));
      return remote;
    };
    const jobs = [(await serverOrdo.enqueue('send_email', { email: 'a@b.com', message: 'x' })).id, (await serverOrdo.enqueue('send_email', { email: 'a@b.com', message: 'x' })).id] as [string, string];
    expect((await twin((id) => ['jobs', 'cancel', id], jobs)).stdout).toBe(`job ${jobs[1]}: cancelled\n`);
    await twin((id) => ['jobs', 'cancel', id], jobs);
    expect((await twin((id) => ['jobs', 'retry', id], jobs)).stdout).toBe(`job ${jobs[1]}: pending again\n`);

    const queues: [string, string] = ['qa', 'qb'];
    for (const q of queues) await serverOrdo.enqueue('send_email', { email: 'a@b.com', message: 'x' }, { queue: q });
    for (const verb of ['pause', 'resume']) await twin((q) => ['queues', verb, q], queues);
    expect((await twin((q) => ['queues', 'clean', q, '--json'], queues)).stdout).toContain('"deleted": 1');

    const names: [string, string] = ['nightly-a', 'nightly-b'];
    const added = await twin((name) => ['schedules', 'add', name, '--every', '1h', '--task', 'send_email', '--payload', EMAIL], names);
    expect(added.stdout).toMatch(/^schedule nightly-b added: every 1h, task send_email; next run /);
    await twin((name) => ['schedules', 'update', name, '--every', '2h'], names);
    for (const verb of ['pause', 'resume']) await twin((name) => ['schedules', verb, name], names);
    const run = await viaServer('schedules', 'run', names[1]);
    expect(run.stdout).toMatch(/^\d+\n$/);
    expect((await serverOrdo.job(run.stdout.trim())).task).toBe('send_email');
    await twin((name) => ['schedules', 'rm', name], names);
    expect(await serverOrdo.schedules.list()).toEqual([]);
  });

  it('exits with the same codes and messages for bad input (2), not found (3) and conflicts (5)', async () => {
    const { id: pending } = await serverOrdo.enqueue('send_email', { email: 'a@b.com', message: 'x' });
    await serverOrdo.schedules.add('taken', { task: 'send_email', payload: { email: 'a@b.com', message: 'x' }, every: '1h' });
    const cases: [number, string[]][] = [
      [2, ['jobs', 'show', 'abc']],
      [2, ['jobs', 'list', '--state', 'done']],
      [2, ['jobs', 'list', '--created-from', 'yesterday']],
      [2, ['jobs', 'list', '--before', 'x']],
      [2, ['enqueue', 'send_email', '{"email":"not-an-email","message":"hi"}']],
      [2, ['enqueue', 'send_email', EMAIL, '--delay', '5']],
      [2, ['enqueue', 'send_email', EMAIL, '--queue', 'has space']],
      [2, ['schedules', 'add', 'x', '--every', '1h', '--task', 'send_email', '--payload', EMAIL, '--misfire', 'bogus']],
      [2, ['schedules', 'add', 'x', '--every', '1h', '--task', 'send_email']],
      [2, ['schedules', 'add', 'x', '--cron', 'every day', '--task', 'send_email', '--payload', EMAIL]],
      [2, ['schedules', 'history', 'taken', '--limit', '0']],
      [3, ['jobs', 'show', '999999']],
      [3, ['jobs', 'cancel', '999999']],
      [3, ['schedules', 'show', 'nope']],
      [3, ['schedules', 'run', 'nope']],
      [5, ['jobs', 'retry', pending]],
      [5, ['schedules', 'add', 'taken', '--every', '1h', '--task', 'send_email', '--payload', EMAIL]],
    ];
    for (const [code, args] of cases) {
      const result = await same(...args);
      expect(result.code, args.join(' ')).toBe(code);
      expect(result.stderr, args.join(' ')).toMatch(/^ordo: /);
    }
    // Flags keep their names in messages, also those that came back from the server.
    expect((await viaServer('jobs', 'list', '--created-from', 'yesterday')).stderr).toMatch(/^ordo: --created-from: expected an ISO 8601 time/);
    expect((await viaServer('schedules', 'add', 'x', '--every', '1h', '--task', 'send_email', '--payload', EMAIL, '--misfire', 'bogus')).stderr).toMatch(/^ordo: --misfire: expected one of skip, once, all/);
  });

  it('a task the server does not know is refused there (exit 2) instead of waiting for a worker', async () => {
    const result = await viaServer('enqueue', 'no_such_task', '{}');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no_such_task');
    expect((await serverOrdo.listJobs()).total).toBe(0);
  });

  it('a missing, wrong or too weak token exits 6 saying what to do; an unreachable server exits 4', async () => {
    const none = await runMain(['--server', server.url, 'queues', 'stats']);
    expect([none.code, none.stderr]).toEqual([6, expect.stringMatching(/needs an API token; pass one with --token or ORDO_TOKEN/)]);
    const wrong = await runMain(['--server', server.url, '--token', 'ordo_0123456789_wrong', 'queues', 'stats']);
    expect([wrong.code, wrong.stderr]).toEqual([6, expect.stringMatching(/token was refused/)]);
    expect(wrong.stderr).not.toContain('ordo_0123456789_wrong');
    const read = (await serverOrdo.tokens.create({ scope: 'read' })).token;
    const { id } = await serverOrdo.enqueue('send_email', { email: 'a@b.com', message: 'x' });
    const weak = await runMain(['--server', server.url, '--token', read, 'jobs', 'cancel', id]);
    expect([weak.code, weak.stderr]).toEqual([6, expect.stringMatching(/wider scope/)]);
    expect((await runMain(['--server', server.url, '--token', read, 'jobs', 'show', id])).code).toBe(0);

    const port = await freePort();
    const down = await runMain(['--server', `http://127.0.0.1:${port}`, '--token', admin, 'jobs', 'list']);
    expect(down.code).toBe(4);
    expect(down.stderr).toContain(`the Ordo server at http://127.0.0.1:${port} cannot be reached`);
    expect(down.stderr).not.toContain(admin);
  });

  it('commands that need the database refuse --server and ORDO_SERVER, saying what to do instead', async () => {
    for (const args of [['worker'], ['scheduler'], ['migrate'], ['dev'], ['server'], ['tokens', 'list'], ['tokens', 'create', '--scope', 'read']]) {
      const flag = await runMain(['--server', server.url, ...args]);
      expect(flag.code, args.join(' ')).toBe(2);
      expect(flag.stderr, args.join(' ')).toMatch(new RegExp(`^ordo: ordo ${args[0]} works on the database itself and cannot go through a server \\(--server ${server.url}\\): drop --server`));
    }
    const env = await runMain(['worker'], { env: { ORDO_SERVER: server.url } });
    expect([env.code, env.stderr]).toEqual([2, expect.stringContaining('unset ORDO_SERVER')]);
    const token = await runMain(['--db', temp.db, '--token', admin, 'jobs', 'list']);
    expect([token.code, token.stderr]).toEqual([2, 'ordo: --token is the API token of a server: give it with --server URL (or ORDO_SERVER)\n']);
    expect(token.stderr).not.toContain(admin);
  });
});

describe('ordo tokens', () => {
  it('create prints the token once; list never shows it; revoke stops the server accepting it', async () => {
    const created = await onDb('tokens', 'create', '--scope', 'write', '--name', 'ci');
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^ordo_[0-9a-f]{10}_[A-Za-z0-9_-]{43}\n$/);
    const token = created.stdout.trim();
    const id = token.slice(5, 15);
    expect(created.stderr).toContain(`token ${id} (write, ci) created: it is shown this once`);
    expect(created.stderr).not.toContain(token);

    const json = JSON.parse((await onDb('tokens', 'create', '--scope', 'read', '--json')).stdout) as { token: string; record: { id: string; scope: string; name: null } };
    expect(json).toEqual({ token: expect.stringMatching(/^ordo_/), record: expect.objectContaining({ scope: 'read', name: null, revokedAt: null }) });

    const list = await onDb('tokens', 'list');
    expect(list.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+SCOPE\s+CREATEDAT\s+REVOKED$/);
    expect(list.stdout).toMatch(new RegExp(`${id}\\s+ci\\s+write\\s+\\S+ \\S+\\s+no`));
    expect(list.stdout).not.toContain(token.slice(16));
    const listed = JSON.parse((await onDb('tokens', 'list', '--json')).stdout) as Record<string, unknown>[];
    expect(listed.map((t) => Object.keys(t).sort())).toEqual([['createdAt', 'id', 'name', 'revokedAt', 'scope'], ['createdAt', 'id', 'name', 'revokedAt', 'scope'], ['createdAt', 'id', 'name', 'revokedAt', 'scope']]);

    const use = () => runMain(['--server', server.url, '--token', token, 'enqueue', 'send_email', EMAIL]);
    expect((await use()).code).toBe(0);
    expect((await onDb('tokens', 'revoke', id)).stdout).toBe(`token ${id} revoked\n`);
    expect((await onDb('tokens', 'revoke', id)).stdout).toBe(`token ${id} was already revoked\n`);
    // The server trusts a verified token for a few seconds: a fresh server refuses it at once.
    await server.stop();
    server = await startServer({ ordo: serverOrdo, port: 0 });
    expect((await use()).code).toBe(6);

    expect(await onDb('tokens', 'revoke', 'abcdef0123')).toMatchObject({ code: 3, stderr: 'ordo: token "abcdef0123" does not exist\n' });
    expect(await onDb('tokens', 'revoke', 'nope')).toMatchObject({ code: 2, stderr: expect.stringMatching(/^ordo: id: expected a token id/) });
    expect(await onDb('tokens', 'create', '--scope', 'root')).toMatchObject({ code: 2, stderr: expect.stringMatching(/^ordo: --scope: expected one of read, write, admin/) });
  });
});

/** A port nothing listens on (bound, then released). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
