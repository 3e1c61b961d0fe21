/**
 * What every SQL module of the PostgreSQL engine needs: the pool, the quoted schema name that
 * qualifies every table (no `search_path`, so a pooled connection can never point elsewhere),
 * and the NOTIFY channel of this schema.
 */
import { createHash } from 'node:crypto';
import { ConfigError } from '../../core/errors.js';
import type { StoreClock } from '../clock.js';
import type { Db } from './pool.js';

export interface PgContext {
  readonly db: Db;
  /** The schema name as given, e.g. `ordo`. */
  readonly schema: string;
  /** The schema name quoted for SQL text, e.g. `"ordo"`. */
  readonly s: string;
  /** The LISTEN/NOTIFY channel that carries "jobs available on queue X" signals. */
  readonly channel: string;
  /** The LISTEN/NOTIFY channel that carries "schedules changed" signals. */
  readonly schedulesChannel: string;
  /** A test clock: statements through `db` already run on it (see clock.ts); others must shift. */
  readonly clock?: StoreClock;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]*$/i;

/** Validates a schema name; the quoted form is then safe to splice into SQL text. */
export function quoteSchema(schema: unknown): string {
  if (typeof schema !== 'string' || !SCHEMA_NAME.test(schema) || schema.length > 63) {
    throw new ConfigError(
      `schema: expected a PostgreSQL schema name of letters, digits and underscores (not starting with a digit, at most 63 characters), received ${JSON.stringify(schema)}`,
      { field: 'schema', received: schema },
    );
  }
  // CREATE SCHEMA refuses these (quoted, as here, only the lowercase prefix is reserved).
  if (schema.startsWith('pg_')) {
    throw new ConfigError(
      `schema: ${JSON.stringify(schema)} starts with pg_, a prefix PostgreSQL reserves for its system schemas; choose another name`,
      { field: 'schema', received: schema },
    );
  }
  return `"${schema}"`;
}

/** The channel of a schema; channel names are limited to 63 bytes like identifiers. */
export function channelFor(schema: string, topic: 'jobs' | 'schedules' = 'jobs'): string {
  const channel = `ordo_${topic}_${schema}`;
  return channel.length <= 63 ? channel : `ordo_${topic}_${createHash('sha1').update(schema).digest('hex')}`;
}
