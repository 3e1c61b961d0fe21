/**
 * `ordo workflows …` as a user runs it, in-process through `main(args, io)`, on both engines,
 * with a worker in this process running the runs: `list`, `start` (input as JSON or @file, a
 * unique key), `runs` with filters, `show` drawing a finished diamond's graph with each
 * step's state, `cancel` and `retry`; bad values exit non-zero naming them; and the same
 * commands through a server (`--server`, `--token`) print the same.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createOrdo, type Ordo } from '../src/client/ordo.js';
import { startServer, type RunningServer } from '../src/server/app.js';
import type { Store } from '../src/store/contract.js';
import { openStore } from '../src/store/open.js';
import type { Worker } from '../src/worker/worker.js';
import { runMain, runMainOk } from './support/cli-run.js';
import { dropCreatedSchemas, engines } from './support/engines.js';
import { tempDir } from './support/processes.js';
import { waitFor } from './support/wait.js';
import { releaseHeld, runInState, switches, workflowWorker } from './support/workflow-fixtures.js';

afterAll(dropCreatedSchemas);

const open: { worker?: Worker; server?: RunningServer; ordo?: Ordo; store?: Store } = {};
afterEach(async () => {
  releaseHeld();
  switches.failB = false;
  await open.worker?.stop();
  await open.server?.stop();
  await open.ordo?.close();
  await open.store?.close();
  for (const key of Object.keys(open) as (keyof typeof open)[]) delete open[key];
});

describe.each(engines)('ordo workflows on $name', (engine) => {
  /** A database with the fixtures' workflows stored and a worker running them; `cli` runs `ordo` on it. */
  async function setup() {
    const { db, schema } = await engine.freshDatabase();
    const dbArgs = ['--db', db, ...(schema ? ['--schema', schema] : [])];
    open.store = await openStore(db, schema ? { schema } : {});
    open.worker = await workflowWorker(open.store, 'w-cli');
    open.ordo = await createOrdo({ store: open.store });
    const getRun = (id: string) => open.ordo!.workflows.getRun(id);
    return { dbArgs, ordo: open.ordo, getRun, cli: (...args: string[]) => runMain([...dbArgs, 'workflows', ...args]) };
  }

  it('starts a run, lists it, and shows its graph with each step’s state', async () => {
    const { cli, getRun } = await setup();
    const list = await cli('list');
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^NAME\s+STEPS\s+UPDATED/);
    expect(list.stdout).toMatch(/\ndiamond\s+4\s/);

    const started = await cli('start', 'diamond', '--input', '{"n":3}', '--unique-key', 'cli-1');
    expect(started).toMatchObject({ code: 0, stderr: '' });
    const runId = started.stdout.trim();
    expect(runId).toMatch(/^\d+$/);
    const again = await cli('start', 'diamond', '--input', '{"n":3}', '--unique-key', 'cli-1');
    expect(again.stdout.trim()).toBe(runId);
    expect(again.stderr).toContain(`exists already: run ${runId}`);
    await runInState(getRun, runId, 'succeeded');

    const shown = await cli('show', runId);
    expect(shown.code).toBe(0);
    for (const step of ['a', 'b', 'c', 'd']) expect(shown.stdout).toMatch(new RegExp(`\\b${step}\\b.*succeeded`));
    expect(shown.stdout).toContain(runId);
    expect(shown.stdout).toContain('diamond');
    expect(shown.stdout).toContain('input     {"n":3}');
    expect(shown.stdout).toContain('output    {"d":{"b":4,"c":6}}');
    // d is drawn after its parents, and its line names both.
    const lines = shown.stdout.split('\n');
    const lineOf = (step: string) => lines.findIndex((line) => new RegExp(`\\b${step}\\b.*succeeded`).test(line));
    expect(lineOf('d')).toBeGreaterThan(Math.max(lineOf('b'), lineOf('c')));
    expect(lineOf('a')).toBeLessThan(Math.min(lineOf('b'), lineOf('c')));
    expect(JSON.parse((await cli('show', runId, '--json')).stdout)).toMatchObject({ id: runId, state: 'succeeded', steps: [{ step: 'a' }, { step: 'b' }, { step: 'c' }, { step: 'd' }] });

    // Given the workflow's name instead, show draws its stored graph.
    const graph = await cli('show', 'diamond');
    expect(graph.code).toBe(0);
    const graphLines = graph.stdout.split('\n');
    const at = (pattern: RegExp) => graphLines.findIndex((line) => pattern.test(line));
    expect(at(/b, c ─▶ d\b/)).toBeGreaterThan(Math.max(at(/a ─▶ b\b/), at(/a ─▶ c\b/)));
    expect(graph.stdout).not.toMatch(/succeeded/);

    const runs = await cli('runs', '--workflow', 'diamond');
    expect(runs.stdout).toMatch(new RegExp(`\\n${runId}\\s+diamond\\s+succeeded\\s+succeeded 4`));
    expect(runs.stdout).toMatch(/1 of 1\n$/);
  });

  it('reads the input from a file, retries a failed run and cancels a parked one', async () => {
    const { cli, getRun, dbArgs } = await setup();
    switches.failB = true;
    const file = join(tempDir(), 'input.json');
    writeFileSync(file, '{"n":2}');
    const runId = (await runMainOk([...dbArgs, 'workflows', 'start', 'diamond', '--input', `@${file}`])).trim();
    const failed = await runInState(getRun, runId, 'failed');
    expect(failed.input).toEqual({ n: 2 });
    const shown = await cli('show', runId);
    expect(shown.stdout).toMatch(/\bb\b.*failed/);
    expect(shown.stdout).toContain('b is broken');
    expect(shown.stdout).toMatch(/\bd\b.*cancelled/);
    expect((await cli('runs', '--state', 'failed', '--json')).stdout).toContain(`"id": "${runId}"`);

    switches.failB = false;
    expect(await cli('retry', runId)).toMatchObject({ code: 0, stdout: `run ${runId}: running again\n` });
    await runInState(getRun, runId, 'succeeded');
    expect(await cli('retry', runId)).toMatchObject({ code: 0, stdout: `run ${runId} is succeeded: nothing to retry\n` });

    const parked = (await cli('start', 'parked')).stdout.trim();
    expect(await cli('cancel', parked)).toMatchObject({ code: 0, stdout: `run ${parked}: cancelled\n` });
    expect(await cli('cancel', parked)).toMatchObject({ code: 0, stdout: `run ${parked}: cancelled\n` });
    expect(await cli('cancel', runId)).toMatchObject({ code: 0, stdout: `run ${runId} had already ended: succeeded\n` });
    expect((await cli('show', parked)).stdout).toMatch(/\bwait\b.*cancelled/);
  });

  it('exits non-zero naming a bad run id, workflow, flag or input', async () => {
    const { cli } = await setup();
    const unknown = await cli('show', '424242');
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain('424242');
    for (const verb of ['cancel', 'retry']) expect((await cli(verb, '424242')).code).toBe(3);
    expect((await cli('show', 'no-such-workflow')).code).toBe(3);
    const noWorkflow = await cli('start', 'nope');
    expect(noWorkflow.code).toBe(3);
    expect(noWorkflow.stderr).toContain('nope');
    const badInput = await cli('start', 'diamond', '--input', '{n:1}');
    expect(badInput.code).toBe(2);
    expect(badInput.stderr).toMatch(/^ordo: --input: expected JSON text/);
    const missingFile = await cli('start', 'diamond', '--input', '@/nonexistent/input.json');
    expect(missingFile.code).toBe(2);
    expect(missingFile.stderr).toContain('--input');
    const badState = await cli('runs', '--state', 'done');
    expect(badState.code).toBe(2);
    expect(badState.stderr).toMatch(/--state: expected run states.*received string "done"/);
    const badLimit = await cli('runs', '--limit', '0');
    expect(badLimit.code).toBe(2);
    expect(badLimit.stderr).toContain('--limit');
  });

  it('schedules a workflow: each fire starts a run with --payload as its input, on the database and through a server', async () => {
    const { cli, ordo, getRun, dbArgs } = await setup();
    const schedules = (...args: string[]) => runMain([...dbArgs, 'schedules', ...args]);
    const added = await schedules('add', 'nightly', '--every', '1h', '--workflow', 'diamond', '--payload', '{"n":7}');
    expect(added.code, added.stderr).toBe(0);
    const fire = JSON.parse((await schedules('run', 'nightly', '--json')).stdout) as { jobId: string };
    const started = await waitFor(() => ordo.job(fire.jobId), (job) => job.state === 'succeeded', 'the fire to start its run');
    const { runId } = started.result as { runId: string };
    expect((await runInState(getRun, runId, 'succeeded')).input).toEqual({ n: 7 });
    expect((await cli('runs', '--workflow', 'diamond')).stdout).toMatch(new RegExp(`\\n${runId}\\s+diamond\\s+succeeded`));

    open.server = await startServer({ ordo, port: 0 });
    const token = (await ordo.tokens.create({ scope: 'write', name: 'cli' })).token;
    const viaServer = await runMain(['--server', open.server.url, '--token', token, 'schedules', 'add', 'weekly', '--cron', '0 3 * * 1', '--workflow', 'diamond', '--payload', '{"n":1}', '--json']);
    expect(viaServer.code, viaServer.stderr).toBe(0);
    const detail = await ordo.schedules.get('weekly');
    expect(detail.job).toMatchObject({ task: 'workflow.start', payload: { workflow: 'diamond', input: { n: 1 } } });
    const both = await schedules('add', 'both', '--every', '1h', '--workflow', 'diamond', '--task', 'x');
    expect(both.code).toBe(2);
    const neither = await schedules('add', 'neither', '--every', '1h');
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain('--workflow');
  });

  it('prints the same through a server (--server, --token)', async () => {
    const { cli, ordo, getRun } = await setup();
    open.server = await startServer({ ordo, port: 0 });
    const token = (await ordo.tokens.create({ scope: 'write', name: 'cli' })).token;
    const viaServer = (...args: string[]) => runMain(['--server', open.server!.url, '--token', token, 'workflows', ...args]);
    const runId = (await viaServer('start', 'diamond', '--input', '{"n":1}')).stdout.trim();
    expect(runId).toMatch(/^\d+$/);
    await runInState(getRun, runId, 'succeeded');
    const parked = (await viaServer('start', 'parked')).stdout.trim();
    expect(await viaServer('cancel', parked)).toMatchObject({ code: 0, stdout: `run ${parked}: cancelled\n` });
    for (const args of [['cancel', parked], ['list'], ['runs'], ['show', runId], ['retry', runId], ['show', '424242'], ['runs', '--state', 'done']]) {
      expect(await viaServer(...args), args.join(' ')).toEqual(await cli(...args));
    }
    // The same JSON (PostgreSQL's jsonb keeps a definition's keys in an order of its own: compared as values).
    for (const args of [['runs', '--state', 'succeeded', '--json'], ['show', runId, '--json'], ['list', '--json']]) {
      expect(JSON.parse((await viaServer(...args)).stdout), args.join(' ')).toEqual(JSON.parse((await cli(...args)).stdout));
    }
  });
});

