/**
 * Settings the CLI reads, in order: flags, environment (`ORDO_*`, `DATABASE_URL`), an
 * optional `ordo.config.json` in the working directory, defaults.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '../core/errors.js';

export interface FileConfig {
  db?: string;
  schema?: string;
  tasks?: string;
  queues?: string[];
  concurrency?: number;
}

const KEYS = new Set(['db', 'schema', 'tasks', 'queues', 'concurrency', '$schema', 'description']);
export const CONFIG_FILE = 'ordo.config.json';

let cached: FileConfig | null = null;

/** Reads `ordo.config.json` from the working directory, if there is one. */
export function fileConfig(): FileConfig {
  if (cached) return cached;
  const path = resolve(CONFIG_FILE);
  if (!existsSync(path)) return (cached = {});
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`${path}: not valid JSON (${(err as Error).message}); fix or remove the file`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ConfigError(`${path}: expected a JSON object of settings`);
  const unknown = Object.keys(parsed).filter((key) => !KEYS.has(key));
  if (unknown.length > 0) throw new ConfigError(`${path}: unknown setting(s) ${unknown.join(', ')}; known: db, schema, tasks, queues, concurrency`);
  const config = parsed as FileConfig;
  // Relative paths in the file are relative to the file, not to wherever the CLI was started.
  if (config.tasks) config.tasks = resolve(path, '..', config.tasks);
  if (config.db && !/^[a-z][a-z0-9+.-]*:/i.test(config.db)) config.db = resolve(path, '..', config.db);
  return (cached = config);
}
