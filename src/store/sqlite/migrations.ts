/**
 * The SQLite schema as numbered migrations, and the runner that applies the missing ones.
 *
 * All of it runs in one `BEGIN IMMEDIATE` transaction: when several processes start at once,
 * the first takes the write lock and migrates, the others wait (the engine's lock retries),
 * then find `schema_migrations` up to date and apply nothing. Applied migrations are never edited; a
 * change is a new entry. Table and column names mirror the PostgreSQL engine's.
 */
import { ConfigError } from '../../core/errors.js';
import type { SqliteConnection } from './connection.js';
import { missingDatabase } from './errors.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Every migration, oldest first (exported for the upgrade tests, which build older schemas). */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'jobs, queues, workers, leaders',
    sql: `
      CREATE TABLE jobs (
        id               INTEGER PRIMARY KEY AUTOINCREMENT,
        task             TEXT    NOT NULL,
        queue            TEXT    NOT NULL,
        payload          TEXT    NOT NULL,
        state            TEXT    NOT NULL
                         CHECK (state IN ('pending', 'running', 'succeeded', 'failed', 'cancelled')),
        priority         INTEGER NOT NULL DEFAULT 0,
        run_at           INTEGER NOT NULL,
        created_at       INTEGER NOT NULL,
        attempt          INTEGER NOT NULL DEFAULT 0,
        max_attempts     INTEGER NOT NULL,
        timeout_ms       INTEGER,
        backoff_base_ms  INTEGER,
        backoff_cap_ms   INTEGER,
        unique_key       TEXT,
        locked_by        TEXT,
        locked_until     INTEGER,
        started_at       INTEGER,
        finished_at      INTEGER,
        cancel_requested INTEGER NOT NULL DEFAULT 0,
        progress         REAL,
        result           TEXT,
        last_error       TEXT,
        attempts         TEXT    NOT NULL DEFAULT '[]'
      );

      -- The claim walks this in order; only pending rows are in it, so it stays small.
      CREATE INDEX jobs_claim ON jobs (queue, priority, run_at, id) WHERE state = 'pending';
      -- The rescuer looks for expired leases among running rows only.
      CREATE INDEX jobs_running ON jobs (locked_until) WHERE state = 'running';
      -- Enqueue deduplication: one active job per unique key.
      CREATE UNIQUE INDEX jobs_unique_active ON jobs (unique_key)
        WHERE unique_key IS NOT NULL AND state IN ('pending', 'running');
      -- Queue stats and listing/cleaning one queue (rowid order within a (queue, state) run).
      CREATE INDEX jobs_queue_state ON jobs (queue, state);

      CREATE TABLE queues (
        name   TEXT PRIMARY KEY,
        paused INTEGER NOT NULL DEFAULT 0
      ) WITHOUT ROWID;

      CREATE TABLE workers (
        id           TEXT PRIMARY KEY,
        host         TEXT    NOT NULL,
        pid          INTEGER NOT NULL,
        queues       TEXT    NOT NULL,
        concurrency  INTEGER NOT NULL,
        running      INTEGER NOT NULL,
        started_at   INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL,
        stopped_at   INTEGER
      );

      CREATE TABLE leaders (
        name       TEXT PRIMARY KEY,
        holder     TEXT    NOT NULL,
        expires_at INTEGER NOT NULL
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    name: 'jobs_due: pending jobs by queue and due time',
    sql: `
      -- "Is anything due?" and "when is the next one due?" per queue, as one index seek each,
      -- however many delayed jobs wait (jobs_claim puts priority first, so with nothing due a
      -- claim or a MIN(run_at) had to walk every pending row of the queue). Same index as the
      -- PostgreSQL engine's jobs_due.
      CREATE INDEX jobs_due ON jobs (queue, run_at) WHERE state = 'pending';
    `,
  },
  {
    version: 3,
    name: 'leader terms, worker liveness, running jobs by worker',
    sql: `
      -- Increases every time leadership of a role changes hands (a lapsed or resigned lease
      -- taken again counts), so a deposed leader's writes can be told apart.
      ALTER TABLE leaders ADD COLUMN term INTEGER NOT NULL DEFAULT 0;
      -- How long after last_seen_at the worker still counts as alive (rows written before:
      -- the 60 s that was fixed until then).
      ALTER TABLE workers ADD COLUMN liveness_ms INTEGER NOT NULL DEFAULT 60000;
    `,
  },
  {
    version: 4,
    name: 'schedules, the fire ledger, unique keys over time, pruning finished jobs',
    sql: `
      -- A recurring or one-off job definition. The timing is three columns: the kind, its
      -- expression (cron text, interval ms, or the one-off time in ISO 8601) and the zone.
      CREATE TABLE schedules (
        id              INTEGER PRIMARY KEY AUTOINCREMENT,
        name            TEXT    NOT NULL UNIQUE,
        task            TEXT    NOT NULL,
        queue           TEXT    NOT NULL,
        payload         TEXT    NOT NULL,
        priority        INTEGER NOT NULL,
        max_attempts    INTEGER NOT NULL,
        timeout_ms      INTEGER,
        backoff_base_ms INTEGER,
        backoff_cap_ms  INTEGER,
        timing_kind     TEXT    NOT NULL CHECK (timing_kind IN ('cron', 'every', 'once')),
        timing_expr     TEXT    NOT NULL,
        tz              TEXT    NOT NULL,
        misfire         TEXT    NOT NULL CHECK (misfire IN ('skip', 'once', 'all')),
        misfire_limit   INTEGER NOT NULL,
        overlap         TEXT    NOT NULL CHECK (overlap IN ('allow', 'skip', 'queue')),
        source          TEXT    NOT NULL CHECK (source IN ('api', 'code')),
        paused          INTEGER NOT NULL DEFAULT 0,
        next_run_at     INTEGER,
        last_fire_at    INTEGER,
        last_job_id     INTEGER,
        created_at      INTEGER NOT NULL,
        updated_at      INTEGER NOT NULL
      );
      -- The scheduler's "what is due?" and "when is the next one?": unpaused rows only.
      CREATE INDEX schedules_due ON schedules (next_run_at) WHERE paused = 0 AND next_run_at IS NOT NULL;

      -- The fire ledger: one row per fire time of a schedule, so a time fires at most once.
      -- Manual fires are keyed apart (manual = 1), so they never take a cadence time's place.
      CREATE TABLE schedule_fires (
        schedule_id INTEGER NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
        fire_time   INTEGER NOT NULL,
        manual      INTEGER NOT NULL DEFAULT 0,
        fired_at    INTEGER NOT NULL,
        job_id      INTEGER,
        skipped     TEXT CHECK (skipped IN ('overlap')),
        PRIMARY KEY (schedule_id, manual, fire_time)
      );
      -- History (newest first) and pruning (each schedule's latest row is kept).
      CREATE INDEX schedule_fires_time ON schedule_fires (schedule_id, fire_time);
      CREATE INDEX schedule_fires_fired ON schedule_fires (fired_at);

      -- uniqueFor: the jobs with a key, whatever their state, newest last.
      CREATE INDEX jobs_unique_key ON jobs (unique_key, created_at) WHERE unique_key IS NOT NULL;
      -- jobPrune: finished jobs by finish time.
      CREATE INDEX jobs_finished ON jobs (finished_at) WHERE state IN ('succeeded', 'failed', 'cancelled');
    `,
  },
  {
    version: 5,
    name: 'job trace ids, finished jobs by finish time whatever their state, API tokens',
    sql: `
      -- Who asked for the job (an HTTP request id, or the caller's own), for the worker's logs.
      ALTER TABLE jobs ADD COLUMN trace_id TEXT;

      -- finished_at is now when the latest attempt ended, kept while a retry waits and runs
      -- (it was NULL then): fill it in from the last attempt record of such jobs. Split by
      -- state, so each UPDATE walks one partial index (jobs_claim, jobs_running), not the table.
      UPDATE jobs SET finished_at = CAST(round(unixepoch(json_extract(attempts, '$[#-1].finishedAt'), 'subsec') * 1000) AS INTEGER)
        WHERE state = 'pending' AND finished_at IS NULL AND attempts <> '[]';
      UPDATE jobs SET finished_at = CAST(round(unixepoch(json_extract(attempts, '$[#-1].finishedAt'), 'subsec') * 1000) AS INTEGER)
        WHERE state = 'running' AND finished_at IS NULL AND attempts <> '[]';

      -- Every job with a finish time, by finish time (the rowid, that is the id, is the index's
      -- last column, so ties come in id order): jobChanges' finished jobs (a retry waiting is
      -- one), the execution history, the last hour's queue stats and the pruner, which adds
      -- its state test on the rows of the range.
      DROP INDEX jobs_finished;
      CREATE INDEX jobs_finished ON jobs (finished_at) WHERE finished_at IS NOT NULL;

      -- Bearer tokens of the HTTP API: only the hash of each (SHA-256, hex) is kept.
      CREATE TABLE tokens (
        id         TEXT    PRIMARY KEY,
        name       TEXT,
        scope      TEXT    NOT NULL CHECK (scope IN ('read', 'write', 'admin')),
        hash       TEXT    NOT NULL,
        created_at INTEGER NOT NULL,
        revoked_at INTEGER
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 6,
    name: 'the audit log',
    sql: `
      -- Every operator action through the HTTP API: who (a token's name), when, what, on what.
      -- AUTOINCREMENT: an id is never reused, even after pruning, so listing cursors hold.
      CREATE TABLE audit_log (
        id      INTEGER PRIMARY KEY AUTOINCREMENT,
        at      INTEGER NOT NULL,
        actor   TEXT    NOT NULL,
        action  TEXT    NOT NULL,
        target  TEXT    NOT NULL,
        details TEXT
      );
      -- Retention deletes by age; a listing of one action pages by id.
      CREATE INDEX audit_log_at ON audit_log (at);
      CREATE INDEX audit_log_action ON audit_log (action, id);
    `,
  },
  {
    version: 7,
    name: 'workflows: definitions, runs, their steps, and the jobs of each step',
    sql: `
      -- Stored definitions by name (JSON text of a WorkflowDefinition).
      CREATE TABLE workflows (
        name       TEXT    PRIMARY KEY,
        definition TEXT    NOT NULL,
        updated_at INTEGER NOT NULL
      ) WITHOUT ROWID;

      -- A run keeps a snapshot of the definition it started with, whatever is deployed since.
      -- AUTOINCREMENT: an id is never reused after pruning, so listing cursors hold.
      CREATE TABLE workflow_runs (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        workflow    TEXT    NOT NULL,
        state       TEXT    NOT NULL CHECK (state IN ('running', 'succeeded', 'failed', 'cancelled')),
        input       TEXT    NOT NULL,
        output      TEXT,
        error       TEXT,
        definition  TEXT    NOT NULL,
        trace_id    TEXT,
        unique_key  TEXT    UNIQUE,
        created_at  INTEGER NOT NULL,
        finished_at INTEGER
      );
      -- Listings of one workflow's or one state's runs, newest first by id.
      CREATE INDEX workflow_runs_workflow ON workflow_runs (workflow, id);
      CREATE INDEX workflow_runs_state ON workflow_runs (state, id);
      -- Retention: ended runs by end time.
      CREATE INDEX workflow_runs_finished ON workflow_runs (finished_at) WHERE finished_at IS NOT NULL;

      -- One row per step of a run; a map step counts its succeeded jobs in map_done.
      CREATE TABLE workflow_steps (
        run_id      INTEGER NOT NULL REFERENCES workflow_runs (id) ON DELETE CASCADE,
        step        TEXT    NOT NULL,
        state       TEXT    NOT NULL
                    CHECK (state IN ('waiting', 'active', 'succeeded', 'failed', 'skipped', 'cancelled')),
        job_id      INTEGER,
        map_total   INTEGER,
        map_done    INTEGER NOT NULL DEFAULT 0,
        result      TEXT,
        error       TEXT,
        reason      TEXT,
        skip        TEXT CHECK (skip IN ('condition', 'parent')),
        finished_at INTEGER,
        PRIMARY KEY (run_id, step)
      ) WITHOUT ROWID;

      -- The step a job does (NULL for a job of its own).
      ALTER TABLE jobs ADD COLUMN run_id INTEGER;
      ALTER TABLE jobs ADD COLUMN step TEXT;
      ALTER TABLE jobs ADD COLUMN map_index INTEGER;
      -- A run's jobs by step, a map step's in element order (its fan-in reads them so, once).
      -- Partial: plain jobs never enter it, so their inserts and finishes pay nothing for it.
      CREATE INDEX jobs_run ON jobs (run_id, step, map_index) WHERE run_id IS NOT NULL;
    `,
  },
  {
    version: 8,
    name: 'durable functions: checkpoints, emitted events, a run spawned by another',
    sql: `
      -- The run whose durable function spawned this one, woken when this one ends. No foreign
      -- key: either run may be removed by retention first, and the wake then finds nothing.
      ALTER TABLE workflow_runs ADD COLUMN parent_run_id INTEGER;

      -- A durable function's progress, by its place in the function; removed with its run.
      CREATE TABLE run_checkpoints (
        run_id       INTEGER NOT NULL REFERENCES workflow_runs (id) ON DELETE CASCADE,
        seq          INTEGER NOT NULL,
        name         TEXT    NOT NULL,
        kind         TEXT    NOT NULL CHECK (kind IN ('step', 'sleep', 'event', 'spawn')),
        state        TEXT    NOT NULL CHECK (state IN ('waiting', 'retrying', 'succeeded', 'failed')),
        result       TEXT,
        error        TEXT,
        attempts     INTEGER NOT NULL DEFAULT 0,
        started_at   INTEGER NOT NULL,
        finished_at  INTEGER,
        wait_until   INTEGER,
        event_key    TEXT,
        child_run_id INTEGER,
        PRIMARY KEY (run_id, seq)
      ) WITHOUT ROWID;
      -- An emit finds the runs waiting for its key; only waiting rows are in it.
      CREATE INDEX run_checkpoints_event ON run_checkpoints (event_key) WHERE state = 'waiting';

      -- Emitted events: the first emit of a key wins and is kept until expires_at.
      CREATE TABLE workflow_events (
        key        TEXT    PRIMARY KEY,
        payload    TEXT    NOT NULL,
        emitted_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      ) WITHOUT ROWID;
      -- jobPrune: expired events by expiry.
      CREATE INDEX workflow_events_expires ON workflow_events (expires_at);
    `,
  },
  {
    version: 9,
    name: 'flow control: queue limits, per-key rate state, concurrency and debounce keys',
    sql: `
      -- The key a queue's per-key limits and turns apply to, and the debounce key of a job.
      ALTER TABLE jobs ADD COLUMN concurrency_key TEXT;
      ALTER TABLE jobs ADD COLUMN debounce_key TEXT;
      -- Partial, so keyless jobs (every job of an unlimited queue, usually) never enter them
      -- and the plain claim and insert pay nothing: the keyed claim's walk of keys with their
      -- first job in claim order, and the running jobs of one key.
      CREATE INDEX jobs_key_pending ON jobs (queue, concurrency_key, priority, run_at, id)
        WHERE state = 'pending' AND concurrency_key IS NOT NULL;
      CREATE INDEX jobs_key_running ON jobs (queue, concurrency_key)
        WHERE state = 'running' AND concurrency_key IS NOT NULL;
      -- Whether a key has a due job: one seek (its earliest run_at), so the walk of keys
      -- passes a key whose jobs are all delayed without reading them.
      CREATE INDEX jobs_key_due ON jobs (queue, concurrency_key, run_at)
        WHERE state = 'pending' AND concurrency_key IS NOT NULL;
      -- One pending job per task and debounce key: the insert finds it and moves it on. The
      -- claim clears the key (it only matters while the job waits), so a job that goes back
      -- to pending never collides with a newer one of its key.
      CREATE UNIQUE INDEX jobs_debounce ON jobs (task, debounce_key)
        WHERE state = 'pending' AND debounce_key IS NOT NULL;

      -- The limits (NULL: none; a rate is three columns), the pause a handler's rate limit
      -- asked for, and the claim's state: the queue rate's schedule (rate_tat, ms, fractional)
      -- and the last key served (rr_key; NULL: the turn of the jobs without a key, or none yet).
      -- limited: any limit set or a pause not yet cleared, so the plain claim can tell at once.
      ALTER TABLE queues ADD COLUMN concurrency INTEGER;
      ALTER TABLE queues ADD COLUMN rate_limit INTEGER;
      ALTER TABLE queues ADD COLUMN rate_period_ms INTEGER;
      ALTER TABLE queues ADD COLUMN rate_burst INTEGER;
      ALTER TABLE queues ADD COLUMN key_concurrency INTEGER;
      ALTER TABLE queues ADD COLUMN key_rate_limit INTEGER;
      ALTER TABLE queues ADD COLUMN key_rate_period_ms INTEGER;
      ALTER TABLE queues ADD COLUMN key_rate_burst INTEGER;
      ALTER TABLE queues ADD COLUMN fair INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE queues ADD COLUMN paused_until INTEGER;
      ALTER TABLE queues ADD COLUMN rate_tat REAL;
      ALTER TABLE queues ADD COLUMN rr_key TEXT;
      ALTER TABLE queues ADD COLUMN limited INTEGER NOT NULL DEFAULT 0;

      -- A key's rate schedule; a row whose tat is past limits nothing and is deleted, by the
      -- claim that passes its key or, for keys that went idle, by the next claims of the
      -- queue, which find them by tat.
      CREATE TABLE flow_keys (
        queue TEXT NOT NULL,
        key   TEXT NOT NULL,
        tat   REAL NOT NULL,
        PRIMARY KEY (queue, key)
      ) WITHOUT ROWID;
      CREATE INDEX flow_keys_tat ON flow_keys (queue, tat);
    `,
  },
];

/** The newest schema version this code knows. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

/**
 * Applies every migration newer than the database's version, all in one transaction.
 * `create: false` upgrades an Ordo database but refuses (creating nothing) one without Ordo tables.
 */
export function runMigrations(conn: SqliteConnection, now: number, create = true): void {
  conn.write(() => {
    if (!create && !conn.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get()) {
      throw missingDatabase(conn.path, 'holds no Ordo tables');
    }
    conn.db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    INTEGER PRIMARY KEY,
      name       TEXT    NOT NULL,
      applied_at INTEGER NOT NULL
    )`);
    const current = currentVersion(conn);
    if (current > SCHEMA_VERSION) {
      throw new ConfigError(
        `SQLite database ${conn.path} has schema version ${current}, newer than this Ordo understands (${SCHEMA_VERSION}); upgrade Ordo`,
        { path: conn.path, version: current },
      );
    }
    const record = conn.db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    for (const migration of MIGRATIONS) {
      if (migration.version <= current) continue;
      conn.db.exec(migration.sql);
      record.run(migration.version, migration.name, now);
    }
  });
}

function currentVersion(conn: SqliteConnection): number {
  const row = conn.db.prepare('SELECT MAX(version) AS version FROM schema_migrations').get() as { version: number | null };
  return row.version ?? 0;
}
