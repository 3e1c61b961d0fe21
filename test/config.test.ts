/**
 * The config module: each setting from the first source that names it (flags > environment >
 * ordo.config.json|ts > DEFAULTS), relative paths in the file relative to the file, and a
 * wrongly typed value reported as a ConfigError naming the key, the expected form and the
 * value received.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { durationSetting } from '../src/config/duration.js';
import { resolveConfig, resolveStoreSettings } from '../src/config/resolve.js';
import { DEFAULTS } from '../src/core/defaults.js';
import { ConfigError, ValidationError } from '../src/core/errors.js';

function folder(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'ordo-config-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const json = (settings: Record<string, unknown>) => ({ 'ordo.config.json': JSON.stringify(settings) });

describe('resolveConfig', () => {
  it('falls back to DEFAULTS when nothing names a setting', async () => {
    const cwd = folder();
    const config = await resolveConfig({}, { env: {}, cwd });
    expect(config).toMatchObject({
      db: join(cwd, DEFAULTS.database),
      schema: DEFAULTS.schema,
      tasks: undefined,
      queues: undefined,
      concurrency: DEFAULTS.concurrency,
      leaseMs: DEFAULTS.leaseMs,
      graceMs: DEFAULTS.graceMs,
      pollMs: DEFAULTS.pollMs,
      maintenance: true,
      debug: false,
      file: undefined,
    });
  });

  it('takes flags over environment over the file over defaults, setting by setting', async () => {
    const cwd = folder(json({ db: 'file.db', schema: 'from_file', tasks: 'file-tasks', concurrency: 3, lease: '45s', queues: ['a', 'b'] }));
    const env = { ORDO_DATABASE_URL: 'postgres://env/db', DATABASE_URL: 'postgres://ignored/db', ORDO_SCHEMA: 'from_env' };
    const fromEnv = await resolveConfig({}, { env, cwd });
    expect(fromEnv).toMatchObject({ db: 'postgres://env/db', schema: 'from_env', tasks: join(cwd, 'file-tasks'), concurrency: 3, leaseMs: 45_000, queues: ['a', 'b'] });
    const fromFlags = await resolveConfig({ db: 'flag.db', schema: 'from_flag', tasks: 'flag-tasks', concurrency: 7, lease: '1m', queues: 'x, y' }, { env, cwd });
    expect(fromFlags).toMatchObject({ db: join(cwd, 'flag.db'), schema: 'from_flag', tasks: join(cwd, 'flag-tasks'), concurrency: 7, leaseMs: 60_000, queues: ['x', 'y'] });
    expect((await resolveConfig({}, { env: { DATABASE_URL: 'postgres://second/db' }, cwd })).db).toBe('postgres://second/db');
    expect((await resolveConfig({}, { env: { ORDO_SCHEMA: '' }, cwd })).schema).toBe('from_file');
  });

  it('resolves relative paths of the file against its folder, of flags and environment against the working folder', async () => {
    const cwd = folder(json({ db: './data/jobs.db', tasks: '../shared-tasks' }));
    const config = await resolveConfig({}, { env: {}, cwd });
    expect(config.db).toBe(join(cwd, 'data', 'jobs.db'));
    expect(config.tasks).toBe(join(cwd, '..', 'shared-tasks'));
    expect((await resolveConfig({}, { env: { ORDO_TASKS: 'env-tasks' }, cwd })).tasks).toBe(join(cwd, 'env-tasks'));
  });

  it('loads ordo.config.ts through tsx (default export)', async () => {
    const cwd = folder({ 'ordo.config.ts': "const concurrency: number = 4;\nexport default { tasks: './jobs', concurrency, maintenance: false, grace: 2500 };\n" });
    const config = await resolveConfig({}, { env: {}, cwd });
    expect(config).toMatchObject({ tasks: join(cwd, 'jobs'), concurrency: 4, maintenance: false, graceMs: 2_500, file: join(cwd, 'ordo.config.ts') });
  });

  it('--no-maintenance wins over the file; the flag cannot turn it back on', async () => {
    expect((await resolveConfig({ maintenance: false }, { env: {}, cwd: folder() })).maintenance).toBe(false);
    expect((await resolveConfig({ maintenance: true }, { env: {}, cwd: folder(json({ maintenance: false })) })).maintenance).toBe(false);
  });

  it('refuses a wrongly typed value naming the file, the key, the expected form and the value', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ concurrency: 'ten' }, /ordo\.config\.json: concurrency: expected a whole number from 1 to 10000, received string "ten"/],
      [{ concurrency: 0 }, /concurrency: expected a whole number from 1 to 10000, received number 0/],
      [{ queues: 'high,low' }, /queues: expected a non-empty list of queue names.*received string "high,low"/],
      [{ queues: [1] }, /queues: expected a non-empty list of queue names.*received array \[1\]/],
      [{ tasks: 42 }, /tasks: expected a folder of task modules \(a string\).*received number 42/],
      [{ db: true }, /db: expected a SQLite file path or a postgres:\/\/ URL \(a string\), received boolean true/],
      [{ maintenance: 'no' }, /maintenance: expected true or false, received string "no"/],
      [{ lease: -1 }, /lease: expected a duration such as "30s", or a number of milliseconds, received number -1/],
      [{ tasks: './t', worker: 1 }, /unknown setting\(s\) worker; known: db, schema, tasks, queues, concurrency/],
    ];
    for (const [settings, message] of cases) {
      const attempt = resolveConfig({}, { env: {}, cwd: folder(json(settings)) });
      await expect(attempt).rejects.toThrow(ConfigError);
      await expect(attempt).rejects.toThrow(message);
    }
  });

  it('retention: flag > ORDO_RETENTION > file > 7 days, at least a minute, naming where a bad value came from', async () => {
    const cwd = folder(json({ retention: '3d' }));
    expect((await resolveConfig({}, { env: {}, cwd: folder() })).retentionMs).toBe(DEFAULTS.schedules.pruneAgeMs);
    expect((await resolveConfig({}, { env: {}, cwd })).retentionMs).toBe(3 * 86_400_000);
    expect((await resolveConfig({}, { env: { ORDO_RETENTION: '12h' }, cwd })).retentionMs).toBe(12 * 3_600_000);
    expect((await resolveConfig({ retention: '30m' }, { env: { ORDO_RETENTION: '12h' }, cwd })).retentionMs).toBe(30 * 60_000);
    await expect(resolveConfig({ retention: '10s' }, { env: {}, cwd })).rejects.toThrow(/^--retention: expected a retention of at least 1m/);
    await expect(resolveConfig({}, { env: { ORDO_RETENTION: '7' }, cwd })).rejects.toThrow(/^ORDO_RETENTION: expected a duration with a unit/);
    await expect(resolveConfig({}, { env: {}, cwd: folder(json({ retention: 'forever' })) })).rejects.toThrow(/ordo\.config\.json: retention: expected a duration/);
  });

  it('refuses a file that is not a JSON object, and two config files at once', async () => {
    await expect(resolveConfig({}, { env: {}, cwd: folder({ 'ordo.config.json': '{ "tasks": ' }) })).rejects.toThrow(/not valid JSON/);
    await expect(resolveConfig({}, { env: {}, cwd: folder({ 'ordo.config.json': '[1]' }) })).rejects.toThrow(/expected an object of settings, received array \[1\]/);
    const both = folder({ 'ordo.config.json': '{}', 'ordo.config.ts': 'export default {};' });
    await expect(resolveConfig({}, { env: {}, cwd: both })).rejects.toThrow(/found both; keep one config file/);
    await expect(resolveConfig({}, { env: {}, cwd: folder({ 'ordo.config.ts': 'export const tasks = "./t";' }) })).rejects.toThrow(/expected a default export/);
  });

  it('requires a unit on durations written as text, in flags and in the file', async () => {
    await expect(resolveConfig({ lease: '5' }, { env: {}, cwd: folder() })).rejects.toThrow(/--lease: expected a duration with a unit such as 5s, 5m or 500ms, received string "5"/);
    await expect(resolveConfig({}, { env: {}, cwd: folder(json({ poll: '250' })) })).rejects.toThrow(/poll: expected a duration with a unit/);
    expect((await resolveConfig({}, { env: {}, cwd: folder(json({ poll: 250 })) })).pollMs).toBe(250);
  });

  it('checks ORDO_LOG_FORMAT and reads ORDO_LOG_LEVEL and ORDO_DEBUG', async () => {
    const config = await resolveConfig({}, { env: { ORDO_LOG_LEVEL: 'debug', ORDO_LOG_FORMAT: 'json', ORDO_DEBUG: '1' }, cwd: folder() });
    expect(config).toMatchObject({ logLevel: 'debug', logFormat: 'json', debug: true });
    await expect(resolveConfig({}, { env: { ORDO_LOG_FORMAT: 'yaml' }, cwd: folder() })).rejects.toThrow(/ORDO_LOG_FORMAT: expected json or pretty, received "yaml"/);
  });

  it('finds the config file only in the working folder given', async () => {
    const parent = folder(json({ concurrency: 2 }));
    mkdirSync(join(parent, 'sub'));
    expect((await resolveConfig({}, { env: {}, cwd: join(parent, 'sub') })).concurrency).toBe(DEFAULTS.concurrency);
  });
});

describe('resolveStoreSettings (the TypeScript API)', () => {
  it('takes options, then ORDO_DATABASE_URL, DATABASE_URL and ORDO_SCHEMA, then defaults', () => {
    expect(resolveStoreSettings({}, {})).toEqual({ db: DEFAULTS.database, schema: DEFAULTS.schema });
    expect(resolveStoreSettings({}, { DATABASE_URL: 'postgres://b/db', ORDO_SCHEMA: 'tenant_a' })).toEqual({ db: 'postgres://b/db', schema: 'tenant_a' });
    expect(resolveStoreSettings({}, { ORDO_DATABASE_URL: 'postgres://a/db', DATABASE_URL: 'postgres://b/db' }).db).toBe('postgres://a/db');
    expect(resolveStoreSettings({ db: 'x.db', schema: 's' }, { ORDO_DATABASE_URL: 'postgres://a/db', ORDO_SCHEMA: 'tenant_a' })).toEqual({ db: 'x.db', schema: 's' });
  });
});

describe('durationSetting', () => {
  it('takes a duration with a unit, or a number of milliseconds; refuses text without a unit', () => {
    expect(durationSetting('90s', '--delay')).toBe(90_000);
    expect(durationSetting('500ms', '--delay')).toBe(500);
    expect(durationSetting(5, 'delay')).toBe(5);
    expect(() => durationSetting('5', '--delay')).toThrow(ValidationError);
    expect(() => durationSetting('5', '--delay')).toThrow(/--delay: expected a duration with a unit such as 5s, 5m or 500ms, received string "5". A bare number has no unit; write 5s, 5m or 5ms/);
  });
});
