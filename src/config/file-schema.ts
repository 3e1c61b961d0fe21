/**
 * What `ordo.config.json` (or `.ts`) may hold, checked with zod. A wrong value is reported as
 * `FILE: KEY: expected FORM, received VALUE`, with the form written for people here rather
 * than zod's wording, so every key reads like the CLI's own messages.
 */
import { z } from 'zod';
import { DEFAULTS, LIMITS } from '../core/defaults.js';
import { ConfigError, describeValue } from '../core/errors.js';

const duration = z.union([z.number().nonnegative(), z.string().min(1)]);

export const FILE_SCHEMA = z.strictObject({
  $schema: z.string().optional(),
  description: z.string().optional(),
  db: z.string().min(1).optional(),
  schema: z.string().min(1).optional(),
  tasks: z.string().min(1).optional(),
  queues: z.array(z.string().min(1)).min(1).optional(),
  concurrency: z.number().int().min(1).max(LIMITS.maxConcurrency).optional(),
  lease: duration.optional(),
  grace: duration.optional(),
  poll: duration.optional(),
  maintenance: z.boolean().optional(),
  retention: duration.optional(),
  httpAllowHosts: z.union([z.array(z.string()), z.string()]).optional(),
});

/** The settings of a config file as written (paths not yet resolved). */
export type FileSettings = z.infer<typeof FILE_SCHEMA>;

const EXPECTED: Record<string, string> = {
  $schema: 'a string',
  description: 'a string',
  db: 'a SQLite file path or a postgres:// URL (a string)',
  schema: `a PostgreSQL schema name (a string), such as "${DEFAULTS.schema}"`,
  tasks: 'a folder of task modules (a string), relative to the config file',
  queues: 'a non-empty list of queue names, such as ["high","default","low"]',
  concurrency: `a whole number from 1 to ${LIMITS.maxConcurrency}`,
  lease: 'a duration such as "30s", or a number of milliseconds',
  grace: 'a duration such as "10s", or a number of milliseconds',
  poll: 'a duration such as "1s", or a number of milliseconds',
  maintenance: 'true or false',
  retention: 'a duration such as "7d", or a number of milliseconds',
  httpAllowHosts: 'a list of host names such as ["api.example.com", "*.example.com", "localhost:8080"]',
};

export const FILE_KEYS = Object.keys(EXPECTED).filter((key) => !key.startsWith('$') && key !== 'description');

/** Validates parsed file contents; throws a `ConfigError` naming the key, the form and the value. */
export function checkFileSettings(file: string, data: unknown): FileSettings {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new ConfigError(`${file}: expected an object of settings, received ${describeValue(data)}`, { file });
  }
  const parsed = FILE_SCHEMA.safeParse(data, { reportInput: true });
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    throw new ConfigError(`${file}: unknown setting(s) ${issue.keys.join(', ')}; known: ${FILE_KEYS.join(', ')}`, { file, keys: issue.keys });
  }
  const key = String(issue.path[0]);
  const value = (data as Record<string, unknown>)[key];
  throw new ConfigError(`${file}: ${key}: expected ${EXPECTED[key] ?? issue.message}, received ${describeValue(value)}`, { file, key, received: describeValue(value) });
}
