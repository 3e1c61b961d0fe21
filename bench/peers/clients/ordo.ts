/** Ordo's producer side: its client, on the measurement's SQLite file or PostgreSQL schema. */
import Database from 'better-sqlite3';
import { createOrdo } from '../../../dist/index.js';
import type { Counts } from '../systems.js';
import { TASK } from '../systems.js';
import { countStates, openCounter, range, type OpenClient } from './client.js';

const place = (state: string): keyof Counts => (state === 'pending' ? 'waiting' : state === 'running' ? 'running' : state === 'succeeded' ? 'done' : 'failed');

export const openClient: OpenClient = async (target) => {
  if (target.storage === 'redis') throw new Error('Ordo runs on SQLite or PostgreSQL');
  const ordo = await createOrdo(target.storage === 'sqlite' ? { db: target.file } : { db: target.url, schema: target.schema });
  let counts: () => Promise<Counts>;
  let closeCounter: () => Promise<void>;
  if (target.storage === 'sqlite') {
    const db = new Database(target.file, { readonly: true });
    const statement = db.prepare<[], { state: string; n: number }>('SELECT state, count(*) AS n FROM jobs GROUP BY state');
    counts = async () => {
      const result: Counts = { waiting: 0, running: 0, done: 0, failed: 0 };
      for (const row of statement.all()) result[place(row.state)] += row.n;
      return result;
    };
    closeCounter = async () => void db.close();
  } else {
    const client = await openCounter(target.url);
    counts = () => countStates(client, `SELECT state, count(*) AS n FROM "${target.schema}".jobs GROUP BY state`, [], place);
    closeCounter = () => client.end();
  }
  return {
    enqueue: async (i, delayMs) => void (await ordo.enqueue(TASK, { i }, delayMs ? { delay: delayMs } : {})),
    enqueueMany: async (from, count) => void (await ordo.enqueueMany(range(from, count).map((i) => ({ task: TASK, payload: { i } })))),
    counts,
    close: async () => {
      await closeCounter();
      await ordo.close();
    },
  };
};
