/**
 * Database locators: SQLite paths and postgres:// URLs (Unix-socket forms included) are
 * accepted; other schemes and malformed URLs are refused with a message naming the problem.
 */
import { expect, it } from 'vitest';
import { ConfigError } from '../src/core/errors.js';
import { checkDatabaseLocator } from '../src/store/open.js';

it('accepts SQLite paths and postgres URLs, including Unix-socket ones', () => {
  for (const db of ['./.ordo/ordo.db', '/var/lib/app/jobs.db', 'sqlite:jobs.db', 'postgres://u:p@db:5432/app', 'postgresql://u@db/app?sslmode=require', 'postgres://user:pass@/db?host=/var/run/postgresql', 'postgres:///db?host=/tmp']) {
    expect(() => checkDatabaseLocator(db), db).not.toThrow();
  }
});

it('refuses other schemes and malformed postgres URLs', () => {
  expect(() => checkDatabaseLocator('mysql://host/db')).toThrow(/mysql:\/\/ is not supported/);
  expect(() => checkDatabaseLocator('postgres://bad url')).toThrow(ConfigError);
  expect(() => checkDatabaseLocator('postgres://bad url')).toThrow(/not a valid postgres:\/\/ URL; expected postgres:\/\/user:password@host:5432\/database/);
});
