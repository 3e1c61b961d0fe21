/**
 * The PostgreSQL schema as numbered migrations, and the runner that applies the missing ones.
 *
 * First it only reads the schema's version (no lock, no DDL), so a process whose role has
 * data privileges only (USAGE on the schema, SELECT/INSERT/UPDATE/DELETE on its tables)
 * starts fine against an up-to-date schema: even `CREATE SCHEMA IF NOT EXISTS` checks the
 * database's CREATE privilege before it looks whether the schema exists.
 *
 * When the schema is behind, everything runs in one transaction that first takes
 * `pg_advisory_xact_lock` on a key derived from the schema name: when ten processes start at
 * once, one migrates and the others wait on the lock, then find `schema_migrations` up to
 * date and apply nothing. The lock is released by COMMIT or ROLLBACK, so a crashed migrator
 * never leaves it held, and DDL is transactional in Postgres, so a failed migration leaves no
 * half-made schema.
 * Applied migrations are never edited; a change is a new entry. Table and column names
 * mirror the SQLite engine's (src/store/sqlite/migrations.ts) so the two can be diffed.
 */
import { ConfigError } from '../../core/errors.js';
import type { Db, Queryable } from './pool.js';

/**
 * Statement timeout while migrating, instead of the store's: DDL on a big table, or waiting
 * for another process's migration, may take far longer than a job statement.
 */
const MIGRATION_QUERY_TIMEOUT_MS = 30 * 60 * 1000;

export interface Migration {
  version: number;
  name: string;
  /** The DDL, for the schema whose quoted name is `s`. */
  sql: (s: string) => string;
}

/** Every migration, oldest first (exported for the upgrade tests, which build older schemas). */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'jobs, queues, workers, leaders',
    sql: (s) => `
      CREATE TABLE ${s}.jobs (
        id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        task             text        NOT NULL,
        queue            text        NOT NULL,
        payload          jsonb       NOT NULL,
        state            text        NOT NULL
                         CHECK (state IN ('pending', 'running', 'succeeded', 'failed', 'cancelled')),
        priority         integer     NOT NULL DEFAULT 0,
        run_at           timestamptz NOT NULL,
        created_at       timestamptz NOT NULL DEFAULT now(),
        attempt          integer     NOT NULL DEFAULT 0,
        max_attempts     integer     NOT NULL,
        timeout_ms       bigint,
        backoff_base_ms  bigint,
        backoff_cap_ms   bigint,
        unique_key       text,
        locked_by        text,
        locked_until     timestamptz,
        started_at       timestamptz,
        finished_at      timestamptz,
        cancel_requested boolean     NOT NULL DEFAULT false,
        progress         double precision,
        result           jsonb,
        last_error       jsonb,
        attempts         jsonb       NOT NULL DEFAULT '[]'
      );

      -- The claim walks this in order; only pending rows are in it, so it stays small
      -- however many finished rows pile up.
      CREATE INDEX jobs_claim ON ${s}.jobs (queue, priority, run_at, id) WHERE state = 'pending';
      -- jobNextDueIn: the earliest pending run_at of a queue without scanning its backlog.
      CREATE INDEX jobs_due ON ${s}.jobs (queue, run_at) WHERE state = 'pending';
      -- The rescuer looks for expired leases among running rows only.
      CREATE INDEX jobs_running ON ${s}.jobs (locked_until) WHERE state = 'running';
      -- Enqueue deduplication: one active job per unique key (ON CONFLICT infers this index).
      CREATE UNIQUE INDEX jobs_unique_active ON ${s}.jobs (unique_key)
        WHERE unique_key IS NOT NULL AND state IN ('pending', 'running');
      -- Queue stats and listing/cleaning one queue.
      CREATE INDEX jobs_queue_state ON ${s}.jobs (queue, state);

      CREATE TABLE ${s}.queues (
        name   text    PRIMARY KEY,
        paused boolean NOT NULL DEFAULT false
      );

      CREATE TABLE ${s}.workers (
        id           text        PRIMARY KEY,
        host         text        NOT NULL,
        pid          integer     NOT NULL,
        queues       text[]      NOT NULL,
        concurrency  integer     NOT NULL,
        running      integer     NOT NULL,
        started_at   timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL,
        stopped_at   timestamptz
      );

      -- Informational on Postgres: leadership is the advisory lock; this row says who holds it.
      CREATE TABLE ${s}.leaders (
        name       text        PRIMARY KEY,
        holder     text        NOT NULL,
        expires_at timestamptz NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'leader terms, worker liveness, running jobs by worker',
    sql: (s) => `
      -- Increases every time leadership of a role changes hands (written when the advisory
      -- lock is taken), so a deposed leader's writes can be told apart.
      ALTER TABLE ${s}.leaders ADD COLUMN term bigint NOT NULL DEFAULT 0;
      -- How long after last_seen_at the worker still counts as alive (rows written before:
      -- the 60 s that was fixed until then).
      ALTER TABLE ${s}.workers ADD COLUMN liveness_ms integer NOT NULL DEFAULT 60000;
    `,
  },
  {
    version: 3,
    name: 'schedules, the fire ledger, unique keys over time, pruning finished jobs',
    sql: (s) => `
      -- A recurring or one-off job definition. The timing is three columns: the kind, its
      -- expression (cron text, interval ms, or the one-off time in ISO 8601) and the zone.
      CREATE TABLE ${s}.schedules (
        id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        name            text        NOT NULL UNIQUE,
        task            text        NOT NULL,
        queue           text        NOT NULL,
        payload         jsonb       NOT NULL,
        priority        integer     NOT NULL,
        max_attempts    integer     NOT NULL,
        timeout_ms      bigint,
        backoff_base_ms bigint,
        backoff_cap_ms  bigint,
        timing_kind     text        NOT NULL CHECK (timing_kind IN ('cron', 'every', 'once')),
        timing_expr     text        NOT NULL,
        tz              text        NOT NULL,
        misfire         text        NOT NULL CHECK (misfire IN ('skip', 'once', 'all')),
        misfire_limit   integer     NOT NULL,
        overlap         text        NOT NULL CHECK (overlap IN ('allow', 'skip', 'queue')),
        source          text        NOT NULL CHECK (source IN ('api', 'code')),
        paused          boolean     NOT NULL DEFAULT false,
        next_run_at     timestamptz,
        last_fire_at    timestamptz,
        last_job_id     bigint,
        created_at      timestamptz NOT NULL,
        updated_at      timestamptz NOT NULL
      );
      -- The scheduler's "what is due?" and "when is the next one?": unpaused rows only.
      CREATE INDEX schedules_due ON ${s}.schedules (next_run_at) WHERE NOT paused AND next_run_at IS NOT NULL;

      -- The fire ledger: one row per fire time of a schedule, so a time fires at most once.
      -- Manual fires are keyed apart (manual = true), so they never take a cadence time's place.
      CREATE TABLE ${s}.schedule_fires (
        schedule_id bigint      NOT NULL REFERENCES ${s}.schedules (id) ON DELETE CASCADE,
        fire_time   timestamptz NOT NULL,
        manual      boolean     NOT NULL DEFAULT false,
        fired_at    timestamptz NOT NULL,
        job_id      bigint,
        skipped     text CHECK (skipped IN ('overlap')),
        PRIMARY KEY (schedule_id, manual, fire_time)
      );
      -- History (newest first) and pruning (each schedule's latest row is kept).
      CREATE INDEX schedule_fires_time ON ${s}.schedule_fires (schedule_id, fire_time);
      CREATE INDEX schedule_fires_fired ON ${s}.schedule_fires (fired_at);

      -- uniqueFor: the jobs with a key, whatever their state.
      CREATE INDEX jobs_unique_key ON ${s}.jobs (unique_key, created_at) WHERE unique_key IS NOT NULL;
      -- jobPrune: finished jobs by finish time.
      CREATE INDEX jobs_finished ON ${s}.jobs (finished_at) WHERE state IN ('succeeded', 'failed', 'cancelled');
    `,
  },
  {
    version: 4,
    name: 'job trace ids, finished jobs by finish time whatever their state, API tokens',
    sql: (s) => `
      -- Who asked for the job (an HTTP request id, or the caller's own), for the worker's logs.
      ALTER TABLE ${s}.jobs ADD COLUMN trace_id text;

      -- finished_at is now when the latest attempt ended, kept while a retry waits and runs
      -- (it was NULL then): fill it in from the last attempt record of such jobs. Split by
      -- state, so each UPDATE walks one partial index (jobs_claim, jobs_running), not the table.
      UPDATE ${s}.jobs SET finished_at = (attempts -> -1 ->> 'finishedAt')::timestamptz
        WHERE state = 'pending' AND finished_at IS NULL AND attempts <> '[]'::jsonb;
      UPDATE ${s}.jobs SET finished_at = (attempts -> -1 ->> 'finishedAt')::timestamptz
        WHERE state = 'running' AND finished_at IS NULL AND attempts <> '[]'::jsonb;

      -- Every job with a finish time, by finish time then id (keyset order): jobChanges'
      -- finished jobs (a retry waiting is one), the execution history, the last hour's queue
      -- stats and the pruner, which adds its state test on the rows of the range.
      DROP INDEX ${s}.jobs_finished;
      CREATE INDEX jobs_finished ON ${s}.jobs (finished_at, id) WHERE finished_at IS NOT NULL;

      -- Bearer tokens of the HTTP API: only the hash of each (SHA-256, hex) is kept.
      CREATE TABLE ${s}.tokens (
        id         text        PRIMARY KEY,
        name       text,
        scope      text        NOT NULL CHECK (scope IN ('read', 'write', 'admin')),
        hash       text        NOT NULL,
        created_at timestamptz NOT NULL,
        revoked_at timestamptz
      );
    `,
  },
  {
    version: 5,
    name: 'the audit log',
    sql: (s) => `
      -- Every operator action through the HTTP API: who (a token's name), when, what, on what.
      CREATE TABLE ${s}.audit_log (
        id      bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at      timestamptz NOT NULL,
        actor   text        NOT NULL,
        action  text        NOT NULL,
        target  text        NOT NULL,
        details jsonb
      );
      -- Retention deletes by age; a listing of one action pages by id.
      CREATE INDEX audit_log_at ON ${s}.audit_log (at);
      CREATE INDEX audit_log_action ON ${s}.audit_log (action, id);
    `,
  },
  {
    version: 6,
    name: 'workflows: definitions, runs, their steps, and the jobs of a step',
    sql: (s) => `
      -- Stored definitions by name; a run keeps its own copy of the one it started with.
      CREATE TABLE ${s}.workflows (
        name       text        PRIMARY KEY,
        definition jsonb       NOT NULL,
        updated_at timestamptz NOT NULL
      );

      -- A run: its state, input, output and the snapshot of the definition it started with.
      CREATE TABLE ${s}.workflow_runs (
        id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        workflow    text        NOT NULL,
        state       text        NOT NULL CHECK (state IN ('running', 'succeeded', 'failed', 'cancelled')),
        input       jsonb       NOT NULL,
        output      jsonb,
        error       jsonb,
        definition  jsonb       NOT NULL,
        trace_id    text,
        -- workflowStart's idempotency key: one run per key, whatever its state.
        unique_key  text        UNIQUE,
        created_at  timestamptz NOT NULL,
        finished_at timestamptz
      );
      -- Listings of one workflow or one state, newest first (keyset by id).
      CREATE INDEX workflow_runs_workflow ON ${s}.workflow_runs (workflow, id);
      CREATE INDEX workflow_runs_state ON ${s}.workflow_runs (state, id);
      -- jobPrune: ended runs by end time.
      CREATE INDEX workflow_runs_finished ON ${s}.workflow_runs (finished_at) WHERE finished_at IS NOT NULL;

      -- A step of a run; its work is a job (a map step: one job per element, by map_index).
      CREATE TABLE ${s}.workflow_steps (
        run_id      bigint      NOT NULL REFERENCES ${s}.workflow_runs (id) ON DELETE CASCADE,
        step        text        NOT NULL,
        state       text        NOT NULL
                    CHECK (state IN ('waiting', 'active', 'succeeded', 'failed', 'skipped', 'cancelled')),
        job_id      bigint,
        map_total   integer,
        map_done    integer     NOT NULL DEFAULT 0,
        result      jsonb,
        error       jsonb,
        reason      text,
        skip        text        CHECK (skip IN ('condition', 'parent')),
        finished_at timestamptz,
        PRIMARY KEY (run_id, step)
      );

      -- The step a job does. No foreign key: a job row is pruned by its own age, and the hot
      -- insert of plain jobs must not pay for a check it never needs.
      ALTER TABLE ${s}.jobs ADD COLUMN run_id bigint, ADD COLUMN step text, ADD COLUMN map_index integer;
      -- The jobs of a run's step (cancel, retry, a map's fan-in in map_index order); plain
      -- jobs are not in it, so it costs them nothing.
      CREATE INDEX jobs_run ON ${s}.jobs (run_id, step, map_index) WHERE run_id IS NOT NULL;
    `,
  },
  {
    version: 7,
    name: 'durable functions: checkpoints, emitted events, a run spawned by another',
    sql: (s) => `
      -- The run whose durable function spawned this one, woken when this one ends. No foreign
      -- key: either run may be removed by retention first, and the wake then finds nothing.
      ALTER TABLE ${s}.workflow_runs ADD COLUMN parent_run_id bigint;

      -- A durable function's progress, by its place in the function; removed with its run.
      CREATE TABLE ${s}.run_checkpoints (
        run_id       bigint      NOT NULL REFERENCES ${s}.workflow_runs (id) ON DELETE CASCADE,
        seq          integer     NOT NULL,
        name         text        NOT NULL,
        kind         text        NOT NULL CHECK (kind IN ('step', 'sleep', 'event', 'spawn')),
        state        text        NOT NULL CHECK (state IN ('waiting', 'retrying', 'succeeded', 'failed')),
        result       jsonb,
        error        jsonb,
        attempts     integer     NOT NULL DEFAULT 0,
        started_at   timestamptz NOT NULL,
        finished_at  timestamptz,
        wait_until   timestamptz,
        event_key    text,
        child_run_id bigint,
        PRIMARY KEY (run_id, seq)
      );
      -- An emit finds the runs waiting for its key; only waiting rows are in it.
      CREATE INDEX run_checkpoints_event ON ${s}.run_checkpoints (event_key) WHERE state = 'waiting';

      -- Emitted events: the first emit of a key wins and is kept until expires_at.
      CREATE TABLE ${s}.workflow_events (
        key        text        PRIMARY KEY,
        payload    jsonb       NOT NULL,
        emitted_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL
      );
      -- jobPrune: expired events by expiry.
      CREATE INDEX workflow_events_expires ON ${s}.workflow_events (expires_at);
    `,
  },
  {
    version: 8,
    name: 'flow control: queue limits, per-key rate state, concurrency and debounce keys',
    sql: (s) => `
      -- The key a queue's per-key limits and turns apply to, and the debounce key of a job.
      -- COLLATE "C": keys take turns in byte order, as on SQLite, whatever the database's
      -- locale, and the walk of keys can seek with plain comparisons.
      ALTER TABLE ${s}.jobs ADD COLUMN concurrency_key text COLLATE "C", ADD COLUMN debounce_key text;
      -- Partial, so keyless jobs (every job of an unlimited queue, usually) never enter them
      -- and the plain claim and insert pay nothing: the keyed claim's walk of keys with their
      -- first job in claim order, and the running jobs of one key.
      CREATE INDEX jobs_key_pending ON ${s}.jobs (queue, concurrency_key, priority, run_at, id)
        WHERE state = 'pending' AND concurrency_key IS NOT NULL;
      CREATE INDEX jobs_key_running ON ${s}.jobs (queue, concurrency_key)
        WHERE state = 'running' AND concurrency_key IS NOT NULL;
      -- Whether a key has a due job: one seek (its earliest run_at), so the walk of keys
      -- passes a key whose jobs are all delayed without reading them.
      CREATE INDEX jobs_key_due ON ${s}.jobs (queue, concurrency_key, run_at)
        WHERE state = 'pending' AND concurrency_key IS NOT NULL;
      -- One pending job per task and debounce key: the insert's ON CONFLICT finds it and
      -- moves it on. The claim clears the key (it only matters while the job waits), so a job
      -- that goes back to pending never collides with a newer one of its key.
      CREATE UNIQUE INDEX jobs_debounce ON ${s}.jobs (task, debounce_key)
        WHERE state = 'pending' AND debounce_key IS NOT NULL;

      -- The limits (NULL: none; a rate is three columns), the pause a handler's rate limit
      -- asked for, and the claim's state: the queue rate's schedule (rate_tat, epoch ms,
      -- fractional) and the last key served (rr_key; NULL: the turn of the jobs without a key,
      -- or none yet). limited: any limit set or a pause not yet cleared, so the plain claim can
      -- tell at once.
      ALTER TABLE ${s}.queues
        ADD COLUMN concurrency        integer,
        ADD COLUMN rate_limit         integer,
        ADD COLUMN rate_period_ms     bigint,
        ADD COLUMN rate_burst         integer,
        ADD COLUMN key_concurrency    integer,
        ADD COLUMN key_rate_limit     integer,
        ADD COLUMN key_rate_period_ms bigint,
        ADD COLUMN key_rate_burst     integer,
        ADD COLUMN fair               boolean NOT NULL DEFAULT false,
        ADD COLUMN paused_until       timestamptz,
        ADD COLUMN rate_tat           double precision,
        ADD COLUMN rr_key             text COLLATE "C",
        ADD COLUMN limited            boolean NOT NULL DEFAULT false;

      -- A key's rate schedule (epoch ms); a row whose tat is past limits nothing and is
      -- deleted by the claim (flow_keys_tat finds those), so idle keys cost nothing.
      CREATE TABLE ${s}.flow_keys (
        queue text             NOT NULL,
        key   text COLLATE "C" NOT NULL,
        tat   double precision NOT NULL,
        PRIMARY KEY (queue, key)
      );
      CREATE INDEX flow_keys_tat ON ${s}.flow_keys (queue, tat);
    `,
  },
];

/** The newest schema version this code knows. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

/**
 * Reads the schema's version and, only when it is behind, creates the schema if missing and
 * applies every newer migration (`create: false`: refuses a schema without Ordo tables), in one transaction serialised by an advisory lock keyed on
 * the schema name.
 */
export async function runMigrations(db: Db, schema: string, quoted: string, create = true): Promise<void> {
  const pooled: Queryable = { query: async (text, values) => ({ rows: await db.rows({ text, values }) }) };
  const current = await currentVersion(pooled, quoted);
  checkNotNewer(schema, current);
  if (current === 0 && !create) throw missingSchema(schema);
  if (current === SCHEMA_VERSION) return;
  try {
    await db.transaction((client) => migrate(client, schema, quoted), { queryTimeoutMs: MIGRATION_QUERY_TIMEOUT_MS });
  } catch (err) {
    if ((err as { code?: unknown }).code !== '42501') throw err;
    throw new ConfigError(
      `PostgreSQL schema ${JSON.stringify(schema)} is at version ${current} and needs ${SCHEMA_VERSION}, but this role may not change it ` +
        `(${(err as Error).message}); run Ordo once with a role that may create the schema and its tables, or create the schema for this role and grant it ALL on it`,
      { schema, version: current, code: '42501' },
    );
  }
}

async function migrate(client: Queryable, schema: string, quoted: string): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`ordo:migrate:${schema}`]);
  await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}`);
  await client.query(`CREATE TABLE IF NOT EXISTS ${quoted}.schema_migrations (
    version    integer     PRIMARY KEY,
    name       text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`);
  // Another process may have migrated while we waited for the lock.
  const current = await currentVersion(client, quoted);
  checkNotNewer(schema, current);
  for (const migration of MIGRATIONS) {
    if (migration.version <= current) continue;
    await client.query(migration.sql(quoted));
    await client.query(`INSERT INTO ${quoted}.schema_migrations (version, name) VALUES ($1, $2)`, [migration.version, migration.name]);
  }
}

/** Opened with `create: false`, and the schema does not exist or holds no Ordo tables. */
function missingSchema(schema: string): ConfigError {
  return new ConfigError(
    `PostgreSQL schema ${JSON.stringify(schema)} does not exist or holds no Ordo tables; nothing was created. ` +
      'Check the schema (--schema or ORDO_SCHEMA) and the database (--db or ORDO_DATABASE_URL)',
    { schema },
  );
}

function checkNotNewer(schema: string, current: number): void {
  if (current <= SCHEMA_VERSION) return;
  throw new ConfigError(
    `PostgreSQL schema ${JSON.stringify(schema)} has version ${current}, newer than this Ordo understands (${SCHEMA_VERSION}); upgrade Ordo`,
    { schema, version: current },
  );
}

/** The schema's version: 0 when the schema or its `schema_migrations` table does not exist. */
async function currentVersion(client: Queryable, quoted: string): Promise<number> {
  const { rows: found } = await client.query('SELECT to_regclass($1) IS NOT NULL AS present', [`${quoted}.schema_migrations`]);
  if (!(found[0] as { present: boolean }).present) return 0;
  const { rows } = await client.query(`SELECT max(version) AS version FROM ${quoted}.schema_migrations`);
  const row = rows[0] as { version: number | null } | undefined;
  return row?.version ?? 0;
}
