/**
 * Durable functions from the command line, in-process through `main(args, io)`, on both
 * engines: `ordo emit KEY [PAYLOAD|@file] [--keep]` stores the first emit of a key and says
 * how many waiting runs it woke, says so when the key was emitted already, names a bad
 * argument; `ordo workflows show RUN` of a function run lists its checkpoints in order and
 * names the current wait on the header, and a child run names its parent. The same through a
 * server (`--server`, `--token`).
 *
 * The run's state is built as its worker would write it, through the store contract.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createOrdo, type Ordo } from '../src/client/ordo.js';
import { startServer, type RunningServer } from '../src/server/app.js';
import type { Store } from '../src/store/contract.js';
import { openStore } from '../src/store/open.js';
import { DAY, HOUR, checkpoint, claimMain, functionDef, release, writeAs } from './store-contract/durable-support.js';
import { runMain } from './support/cli-run.js';
import { dropCreatedSchemas, engines } from './support/engines.js';
import { tempDir } from './support/processes.js';

afterAll(dropCreatedSchemas);

const open: { server?: RunningServer; ordo?: Ordo; store?: Store } = {};
afterEach(async () => {
  await open.server?.stop();
  await open.ordo?.close();
  await open.store?.close();
  for (const key of Object.keys(open) as (keyof typeof open)[]) delete open[key];
});

/** A function run part-way: a step done after a retry, a failed step, a child spawned, now waiting for event `confirm:7`. */
async function waitingRun(store: Store): Promise<{ runId: string; childRunId: string; until: Date }> {
  const { runId } = await store.workflowStart({ definition: functionDef('onboard', 'onboard-q'), input: { user: 7 } });
  const main = await claimMain(store, 'onboard-q');
  await writeAs(store, main, checkpoint(0, { name: 'charge', attempts: 2, result: { charged: 42 } }));
  await writeAs(store, main, checkpoint(1, { name: 'mail', state: 'failed', attempts: 3, error: { message: 'smtp down\n    at send', name: 'Error' } }));
  const child = await store.workflowStart({ definition: functionDef('resize', 'resize-q'), input: null, parentRunId: runId, uniqueKey: `spawn:${runId}:2` });
  await writeAs(store, main, checkpoint(2, { name: 'resize', kind: 'spawn', state: 'succeeded', attempts: 0, childRunId: child.runId, result: { w: 10 } }));
  const until = new Date(Math.ceil((Date.now() + HOUR) / 1000) * 1000);
  await writeAs(store, main, checkpoint(3, { name: 'confirm:7', kind: 'event', state: 'waiting', attempts: 0, eventKey: 'confirm:7', waitUntil: until }));
  await release(store, main, DAY);
  return { runId, childRunId: child.runId, until };
}

describe.each(engines)('ordo emit and show on $name', (engine) => {
  async function setup() {
    const { db, schema } = await engine.freshDatabase();
    const dbArgs = ['--db', db, ...(schema ? ['--schema', schema] : [])];
    open.store = await openStore(db, schema ? { schema } : {});
    open.ordo = await createOrdo({ store: open.store });
    return { store: open.store, ordo: open.ordo, cli: (...args: string[]) => runMain([...dbArgs, ...args]) };
  }

  it('emits: stored and the waiting run woken, then already emitted; payload as JSON or @file', async () => {
    const { store, cli } = await setup();
    await waitingRun(store);
    const first = await cli('emit', 'confirm:7', '{"ok":true}', '--keep', '2h');
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toBe('stored; 1 waiting run woken\n');
    const event = await store.eventGet({ key: 'confirm:7' });
    expect(event?.payload).toEqual({ ok: true });
    expect(event!.expiresAt.getTime() - event!.emittedAt.getTime()).toBe(2 * HOUR);

    const again = await cli('emit', 'confirm:7', '{"ok":false}');
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^already emitted \(first emit wins\); \d+ waiting runs? woken\n$/);
    expect((await store.eventGet({ key: 'confirm:7' }))?.payload).toEqual({ ok: true });

    const dir = tempDir('ordo-emit-');
    writeFileSync(join(dir, 'payload.json'), '[1, "two"]');
    expect(await cli('emit', 'from-file', `@${join(dir, 'payload.json')}`, '--json')).toMatchObject({ code: 0, stdout: '{\n  "stored": true,\n  "woken": 0\n}\n' });
    expect((await store.eventGet({ key: 'from-file' }))?.payload).toEqual([1, 'two']);
    expect((await cli('emit', 'bare')).stdout).toBe('stored; 0 waiting runs woken\n');
    expect((await store.eventGet({ key: 'bare' }))?.payload).toBeNull();
  });

  it('names a bad payload, --keep or key, and stores nothing', async () => {
    const { store, cli } = await setup();
    const payload = await cli('emit', 'k', '{oops');
    expect(payload.code).toBe(2);
    expect(payload.stderr).toContain('payload');
    const keep = await cli('emit', 'k', '--keep', 'soon');
    expect(keep.code).toBe(2);
    expect(keep.stderr).toContain('--keep');
    expect(keep.stderr).toContain('soon');
    const key = await cli('emit', ' ');
    expect(key.code).toBe(2);
    expect(key.stderr).toContain('key');
    expect(await store.eventGet({ key: 'k' })).toBeNull();
  });

  it('shows a function run’s checkpoints in order with the current wait, and a child’s parent', async () => {
    const { store, cli } = await setup();
    const { runId, childRunId, until } = await waitingRun(store);
    const shown = await cli('workflows', 'show', runId);
    expect(shown).toMatchObject({ code: 0, stderr: '' });
    const untilText = until.toISOString().replace('.000Z', 'Z');
    const lines = shown.stdout.split('\n');
    expect(lines[0]).toBe(`run ${runId}  onboard  running  waiting for event confirm:7 until ${untilText}`);
    expect(lines[1]).toMatch(/^\s+SEQ\s+KIND\s+NAME\s+STATE\s+ATTEMPTS\s+TOOK\s+DETAILS$/);
    expect(lines[2]).toMatch(/^\s+0\s+step\s+charge\s+succeeded\s+2\s+\d+ms\s+\{"charged":42\}$/);
    expect(lines[3]).toMatch(/^\s+1\s+step\s+mail\s+failed\s+3\s+\d+ms\s+smtp down$/);
    expect(lines[4]).toMatch(new RegExp(`^\\s+2\\s+spawn\\s+resize\\s+succeeded\\s+0\\s+\\d+ms\\s+child run ${childRunId}  \\{"w":10\\}$`));
    expect(lines[5]).toMatch(new RegExp(`^\\s+3\\s+event\\s+confirm:7\\s+waiting\\s+0\\s+event confirm:7 until ${untilText}$`));
    expect(shown.stdout).toContain('input     {"user":7}');

    const child = await cli('workflows', 'show', childRunId);
    expect(child.stdout.split('\n').slice(0, 3)).toEqual([`run ${childRunId}  resize  running`, `  spawned by run ${runId}`, '  (no checkpoints yet)']);

    const json = JSON.parse((await cli('workflows', 'show', runId, '--json')).stdout) as { checkpoints: { seq: number }[]; parentRunId: string | null };
    expect(json.checkpoints.map((c) => c.seq)).toEqual([0, 1, 2, 3]);
    expect(json.parentRunId).toBeNull();
  });

  it('prints the same through a server (--server, --token)', async () => {
    const { store, ordo, cli } = await setup();
    const { runId } = await waitingRun(store);
    open.server = await startServer({ ordo, port: 0 });
    const token = (await ordo.tokens.create({ scope: 'write', name: 'cli' })).token;
    const viaServer = (...args: string[]) => runMain(['--server', open.server!.url, '--token', token, ...args]);

    const shownLocal = await cli('workflows', 'show', runId);
    expect(await viaServer('workflows', 'show', runId)).toEqual(shownLocal);
    expect(await viaServer('emit', 'confirm:7', '{"ok":true}')).toMatchObject({ code: 0, stdout: 'stored; 1 waiting run woken\n' });
    expect((await viaServer('emit', 'confirm:7')).stdout).toMatch(/^already emitted \(first emit wins\)/);
    expect((await store.eventGet({ key: 'confirm:7' }))?.payload).toEqual({ ok: true });
    const keep = await viaServer('emit', 'k', '--keep', 'soon');
    expect(keep.code).toBe(2);
    expect(keep.stderr).toContain('--keep');
  });
});
