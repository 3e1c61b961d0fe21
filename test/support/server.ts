/**
 * The HTTP server in the test process, over a real store, reached over real HTTP (fetch on
 * a loopback port). `useServers()` registers cleanup for the calling file: every server it
 * started is stopped and every client closed after each test.
 */
import { afterEach } from 'vitest';
import type { z } from 'zod';
import { createOrdo, type Ordo } from '../../src/client/ordo.js';
import type { TokenScope } from '../../src/core/types.js';
import type { Store } from '../../src/store/contract.js';
import type { TaskDefinition } from '../../src/tasks/define.js';
import { TaskRegistry } from '../../src/tasks/registry.js';
import { startServer, type RunningServer, type StartOptions } from '../../src/server/app.js';
import { freshStore, type EngineFixture } from './engines.js';

export interface TestServer {
  readonly url: string;
  readonly ordo: Ordo;
  readonly store: Store;
  readonly server: RunningServer;
  /** A new token of this scope, made through the client (as `ordo tokens create` does). */
  token(scope: TokenScope): Promise<string>;
  /** A request to the server; the body is sent as JSON unless it is a string. */
  call(method: string, path: string, options?: CallOptions): Promise<Answer>;
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Answer {
  status: number;
  headers: Headers;
  /** The body parsed as JSON, or its text when it is not JSON. */
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface ServerSetup {
  tasks?: TaskDefinition[];
  /** An open store to serve (e.g. shared with a worker); else a fresh one of the engine. */
  store?: Store;
  options?: Partial<StartOptions>;
}

/** Decodes a body with a response schema of the route table: fails the test when the shape is wrong. */
export function decode<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  return schema.parse(body);
}

export async function call(base: string, method: string, path: string, options: CallOptions = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(base + path, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: the text itself
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

/** Starts servers on fresh stores of `engine` (or a given store) and stops them after each test. */
export function useServers(engine: EngineFixture): (setup?: ServerSetup) => Promise<TestServer> {
  const started: { server: RunningServer; ordo: Ordo; store: Store; ownsStore: boolean }[] = [];
  afterEach(async () => {
    for (const { server, ordo, store, ownsStore } of started.splice(0).reverse()) {
      await server.stop();
      await ordo.close();
      if (ownsStore) await store.close();
    }
  });
  return async (setup = {}) => {
    const store = setup.store ?? (await freshStore(engine));
    const registry = new TaskRegistry(setup.tasks ?? []);
    const ordo = await createOrdo({ store, tasks: registry, feed: { pollMs: 50 } });
    const taskNames = registry.size > 0 ? registry.names({ builtIn: true }) : null;
    const server = await startServer({ ordo, port: 0, taskNames, ...setup.options });
    started.push({ server, ordo, store, ownsStore: setup.store === undefined });
    return {
      url: server.url,
      ordo,
      store,
      server,
      token: async (scope) => (await ordo.tokens.create({ scope, name: `test-${scope}` })).token,
      call: (method, path, options) => call(server.url, method, path, options),
    };
  };
}
