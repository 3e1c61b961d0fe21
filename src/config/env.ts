/**
 * The environment variables Ordo reads, in one place. An empty variable counts as unset, so
 * `ORDO_SCHEMA= ordo ...` falls through to the config file and the defaults.
 */
import { ConfigError } from '../core/errors.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** Every variable, with what it sets (shown in `--help` and the docs). */
export const ENV_VARS = {
  ORDO_DATABASE_URL: 'the database: a SQLite file path or a postgres:// URL (wins over DATABASE_URL)',
  DATABASE_URL: 'the database, when ORDO_DATABASE_URL is not set',
  ORDO_SCHEMA: 'the PostgreSQL schema holding Ordo\'s tables',
  ORDO_TASKS: 'the folder of task modules',
  ORDO_RETENTION: 'how long finished jobs and schedule fire records are kept, e.g. 7d (default 7d)',
  ORDO_HTTP_ALLOW_HOSTS: 'hosts `http` jobs may reach, comma-separated: api.example.com, *.example.com, localhost:8080 (default: any host)',
  ORDO_SERVER: 'an Ordo server URL: client commands go through its HTTP API instead of the database',
  ORDO_TOKEN: 'the API token sent to ORDO_SERVER (make one with ordo tokens create)',
  ORDO_LOG_LEVEL: 'log level: trace, debug, info, warn, error',
  ORDO_LOG_FORMAT: 'log format: json, or pretty (the default on a terminal)',
  ORDO_DEBUG: 'any value: errors print their stack trace',
} as const;

export type EnvVar = keyof typeof ENV_VARS;

/** The value of `name`, or undefined when it is unset or empty. */
export function envValue(env: Env, name: EnvVar): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** The database named by the environment: ORDO_DATABASE_URL, then DATABASE_URL. */
export function envDatabase(env: Env): string | undefined {
  return envValue(env, 'ORDO_DATABASE_URL') ?? envValue(env, 'DATABASE_URL');
}

const LOG_FORMATS = ['json', 'pretty'] as const;

/** ORDO_LOG_FORMAT, checked: a typo would otherwise silently fall back to the default. */
export function envLogFormat(env: Env): 'json' | 'pretty' | undefined {
  const format = envValue(env, 'ORDO_LOG_FORMAT');
  if (format === undefined) return undefined;
  if ((LOG_FORMATS as readonly string[]).includes(format)) return format as 'json' | 'pretty';
  throw new ConfigError(`ORDO_LOG_FORMAT: expected json or pretty, received ${JSON.stringify(format)}`);
}
