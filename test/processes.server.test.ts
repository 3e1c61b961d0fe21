/**
 * `ordo server` and `ordo dev` as a user runs them (the built CLI in a child process): the
 * server says where it listens, serves the API and its docs, refuses `--no-auth` off
 * loopback, and on SIGTERM stops taking connections but finishes the request in flight
 * before it exits 0. `ordo dev` serves the API without tokens next to its worker.
 */
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { EXAMPLE_TASKS, openDb, runCli, startCli, useTempDatabase, waitFor, type CliProcess } from './support/processes.js';

const temp = useTempDatabase();

/** Starts a process and resolves with the URL it says it listens on. */
async function listening(child: CliProcess): Promise<string> {
  await child.waitForOutput('API listening on ');
  return /API listening on (http:\/\/\S+)/.exec(child.stdout + child.stderr)![1]!;
}

/**
 * Sends a POST whose body arrives in two parts; resolves once the first part is sent, with
 * a function that sends the rest and resolves with the answer's status and body.
 */
function slowPost(url: string, path: string, token: string, body: string): Promise<() => Promise<{ status: number; body: string }>> {
  return new Promise((resolveStarted, rejectStarted) => {
    const target = new URL(path, url);
    const req = request(target, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } });
    let answer: (value: { status: number; body: string }) => void;
    let failed: (err: Error) => void;
    const answered = new Promise<{ status: number; body: string }>((resolve, reject) => ((answer = resolve), (failed = reject)));
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => answer({ status: res.statusCode!, body: text }));
    });
    req.on('error', (err) => (failed ? failed(err) : rejectStarted(err)));
    const half = Math.floor(body.length / 2);
    req.write(body.slice(0, half), () =>
      resolveStarted(() => {
        req.end(body.slice(half));
        return answered;
      }),
    );
  });
}

describe('ordo server as a process', () => {
  it('serves the API and its docs, and on SIGTERM finishes the request in flight, refuses new connections and exits 0', async () => {
    const ordo = await openDb(temp.db);
    const { token } = await ordo.tokens.create({ scope: 'write', name: 'e2e' });
    const server = startCli(['--db', temp.db, '--tasks', EXAMPLE_TASKS, 'server', '--port', '0']);
    const url = await listening(server);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.stderr).toContain(`(docs: ${url}/docs)`);

    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/docs`)).status).toBe(200);
    expect((await fetch(`${url}/api/v1/jobs`)).status).toBe(401);
    const created = await fetch(`${url}/api/v1/jobs`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ task: 'send_email', payload: { email: 'a@b.com', message: 'hi' } }) });
    expect(created.status).toBe(201);
    const unknown = await fetch(`${url}/api/v1/jobs`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"task":"no_such_task"}' });
    expect(unknown.status).toBe(422);
    // The access log is JSON lines on stderr, with the request id and never the token.
    await server.waitForOutput('"route":"/api/v1/jobs"');
    expect(server.stderr).not.toContain(token);

    const finish = await slowPost(url, '/api/v1/jobs', token, JSON.stringify({ task: 'send_email', payload: { email: 'late@b.com', message: 'in flight' } }));
    // Written is not yet received: a request whose headers the server has not read when it
    // starts closing is a new one, answered 503. A round trip on another connection, begun
    // after the write, lets the server's event loop take in the first half.
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    server.kill('SIGTERM');
    await server.waitForOutput('SIGTERM: stopping');
    await waitFor('new connections to be refused', async () => fetch(`${url}/healthz`).then(() => false, () => true));
    const inFlight = await finish();
    expect(inFlight.status, inFlight.body).toBe(201);
    const result = await server.exited;
    expect(result.code).toBe(0);
    const job = await ordo.job(JSON.parse(inFlight.body).id);
    expect(job.payload).toEqual({ email: 'late@b.com', message: 'in flight' });
  });

  it('refuses --no-auth on an address other machines can reach, and a bad port', async () => {
    const open = await runCli(['--db', temp.db, 'server', '--host', '0.0.0.0', '--no-auth']);
    expect(open.code).toBe(2);
    expect(open.stderr).toContain('--no-auth: expected a loopback --host');
    const port = await runCli(['--db', temp.db, 'server', '--port', '70000']);
    expect(port.code).toBe(2);
    expect(port.stderr).toContain('--port: expected a port number from 0 to 65535');
    const size = await runCli(['--db', temp.db, 'server', '--body-limit', 'lots']);
    expect(size.code).toBe(2);
    expect(size.stderr).toContain('--body-limit: expected a size');
  });
});

describe('ordo dev as a process', () => {
  it('serves the API without tokens on loopback next to its worker, and says so', async () => {
    const dev = startCli(['--db', temp.db, 'dev', '--port', '0']);
    const url = await listening(dev);
    await dev.waitForOutput(`API and docs: ${url}/docs`);
    expect(dev.stderr).toContain('no tokens required');
    const tasks = (await (await fetch(`${url}/api/v1/tasks`)).json()) as { tasks: { name: string }[] };
    expect(tasks.tasks.map((t) => t.name)).toContain('send_email');
    const created = await fetch(`${url}/api/v1/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ task: 'hello_world.send_hello_world', payload: { name: 'dev' } }) });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    await waitFor('the dev worker to run the job', async () => {
      const job = (await (await fetch(`${url}/api/v1/jobs/${id}`)).json()) as { state: string };
      return job.state === 'succeeded' ? job : null;
    });
    dev.kill('SIGTERM');
    expect((await dev.exited).code).toBe(0);
  });
});
