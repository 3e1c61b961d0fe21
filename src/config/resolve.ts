/**
 * Resolves Ordo's settings into one typed, validated object, each from the first source that
 * names it: flags (or a caller's options) > environment > `ordo.config.json|ts` > `DEFAULTS`.
 */
import { DEFAULTS } from '../core/defaults.js';
import { ValidationError } from '../core/errors.js';
import { durationSetting } from './duration.js';
import { envDatabase, envLogFormat, envValue, type Env } from './env.js';
import { loadConfigFile } from './file.js';
import type { FileSettings } from './file-schema.js';
import { checkAllowHosts } from './http-allow-hosts.js';
import { resolveLocation } from './paths.js';

/** Shortest retention: pruning jobs as soon as they finish would leave nothing to inspect. */
const MIN_RETENTION_MS = 60_000;

/** Settings given on the command line; unset ones fall through to the next source. */
export interface ConfigFlags {
  db?: string;
  schema?: string;
  tasks?: string;
  /** Comma-separated, or a list. */
  queues?: string | readonly string[];
  concurrency?: number;
  /** Durations need a unit (`30s`); a number is milliseconds. */
  lease?: string | number;
  grace?: string | number;
  poll?: string | number;
  /** Only `false` counts: hosting maintenance is the default. */
  maintenance?: boolean;
  /** How long finished jobs and fire-ledger rows are kept (`7d`); a number is milliseconds. */
  retention?: string | number;
  /** Hosts `http` jobs may reach: comma-separated, or a list. */
  httpAllowHosts?: string | readonly string[];
}

/** Every setting resolved. */
export interface OrdoConfig {
  /** SQLite file (absolute) or postgres:// URL. */
  db: string;
  schema: string;
  /** The tasks folder someone named (absolute; it must exist), or undefined: the command's default. */
  tasks: string | undefined;
  /** Queues someone named, or undefined: the command's default. */
  queues: string[] | undefined;
  concurrency: number;
  leaseMs: number;
  graceMs: number;
  pollMs: number;
  maintenance: boolean;
  /** Finished jobs and fire-ledger rows older than this are pruned by the maintenance leader. */
  retentionMs: number;
  /**
   * Hosts the built-in `http` task may reach (`api.example.com`, `*.example.com`,
   * `localhost:8080`); empty: any host. Hand it to the worker as `httpAllowHosts`.
   */
  httpAllowHosts: string[];
  logLevel: string | undefined;
  logFormat: 'json' | 'pretty' | undefined;
  /** Errors print their stack trace. */
  debug: boolean;
  /** The config file read, if any. */
  file: string | undefined;
}

export interface ConfigSources {
  /** @defaultValue process.env */
  env?: Env;
  /** The folder holding the config file; relative flags resolve against it. @defaultValue process.cwd() */
  cwd?: string;
}

/** Resolves every setting for a command run from `cwd`. */
export async function resolveConfig(flags: ConfigFlags = {}, sources: ConfigSources = {}): Promise<OrdoConfig> {
  const env = sources.env ?? process.env;
  const cwd = sources.cwd ?? process.cwd();
  const loaded = await loadConfigFile(cwd);
  const file: FileSettings = loaded?.settings ?? {};
  const inFile = (key: string) => `${loaded?.path}: ${key}`;
  const given = (location: string | undefined) => (location === undefined ? undefined : resolveLocation(cwd, location));
  return {
    db: given(flags.db ?? envDatabase(env)) ?? file.db ?? resolveLocation(cwd, DEFAULTS.database),
    schema: flags.schema ?? envValue(env, 'ORDO_SCHEMA') ?? file.schema ?? DEFAULTS.schema,
    tasks: given(flags.tasks ?? envValue(env, 'ORDO_TASKS')) ?? file.tasks,
    queues: queueList(flags.queues) ?? file.queues,
    concurrency: flags.concurrency ?? file.concurrency ?? DEFAULTS.concurrency,
    leaseMs: duration(flags.lease, '--lease', file.lease, inFile('lease'), DEFAULTS.leaseMs),
    graceMs: duration(flags.grace, '--grace', file.grace, inFile('grace'), DEFAULTS.graceMs),
    pollMs: Math.max(1, duration(flags.poll, '--poll', file.poll, inFile('poll'), DEFAULTS.pollMs)),
    maintenance: flags.maintenance === false ? false : (file.maintenance ?? true),
    retentionMs: retention(flags.retention, env, file.retention, inFile('retention')),
    httpAllowHosts: allowHosts(flags.httpAllowHosts, env, file.httpAllowHosts, inFile('httpAllowHosts')),
    logLevel: envValue(env, 'ORDO_LOG_LEVEL'),
    logFormat: envLogFormat(env),
    debug: envValue(env, 'ORDO_DEBUG') !== undefined,
    file: loaded?.path,
  };
}

function queueList(queues: string | readonly string[] | undefined): string[] | undefined {
  if (queues === undefined) return undefined;
  const list = typeof queues === 'string' ? queues.split(',') : [...queues];
  return list.map((q) => q.trim()).filter(Boolean);
}

function duration(flag: string | number | undefined, flagName: string, fromFile: string | number | undefined, fileKey: string, fallback: number): number {
  if (flag !== undefined) return durationSetting(flag, flagName);
  if (fromFile !== undefined) return durationSetting(fromFile, fileKey);
  return fallback;
}

/** The retention age: flag, then ORDO_RETENTION, then the file, then the default; at least a minute. */
function retention(flag: string | number | undefined, env: Env, fromFile: string | number | undefined, fileKey: string): number {
  const [value, name] = [[flag, '--retention'], [envValue(env, 'ORDO_RETENTION'), 'ORDO_RETENTION'], [fromFile, fileKey]].find(([v]) => v !== undefined) ?? [undefined, ''];
  if (value === undefined) return DEFAULTS.schedules.pruneAgeMs;
  const ms = durationSetting(value, String(name));
  if (ms < MIN_RETENTION_MS) throw new ValidationError(String(name), 'a retention of at least 1m, such as 7d or 12h', value);
  return ms;
}

/** The `http` task's allowed hosts: flag, then ORDO_HTTP_ALLOW_HOSTS, then the file; none named: any host. */
function allowHosts(flag: string | readonly string[] | undefined, env: Env, fromFile: string | readonly string[] | undefined, fileKey: string): string[] {
  const fileWins = flag === undefined && envValue(env, 'ORDO_HTTP_ALLOW_HOSTS') === undefined && fromFile !== undefined;
  return fileWins ? checkAllowHosts(fromFile, fileKey) : resolveHttpAllowHosts(flag, '--http-allow-hosts', env);
}

/**
 * The `http` task's allowed hosts for the TypeScript API: the option, else
 * ORDO_HTTP_ALLOW_HOSTS, else any host (the config file is the command line's, as for the database).
 */
export function resolveHttpAllowHosts(option: string | readonly string[] | undefined, field: string, env: Env = process.env): string[] {
  if (option !== undefined) return checkAllowHosts(option, field);
  const fromEnv = envValue(env, 'ORDO_HTTP_ALLOW_HOSTS');
  return fromEnv === undefined ? [] : checkAllowHosts(fromEnv, 'ORDO_HTTP_ALLOW_HOSTS');
}

/**
 * The database and schema for the TypeScript API: options > environment > defaults. The
 * config file is the command line's: a library embedded in an application does not change
 * databases because of a file in whatever folder the application was started from.
 */
export function resolveStoreSettings(options: { db?: string; schema?: string }, env: Env = process.env): { db: string; schema: string } {
  return {
    db: options.db ?? envDatabase(env) ?? DEFAULTS.database,
    schema: options.schema ?? envValue(env, 'ORDO_SCHEMA') ?? DEFAULTS.schema,
  };
}
