/**
 * Every default Ordo uses, defined once. Options modules, the config resolver and `--help`
 * read them from here, so a default can never differ between the TypeScript API and the CLI.
 */

export const DEFAULTS = {
  /** The embedded database when none is named. */
  database: './.ordo/ordo.db',
  /** PostgreSQL schema holding Ordo's tables. */
  schema: 'ordo',
  /** Folder of task modules. */
  tasksDir: './tasks',
  /** Queues a worker serves when none are named. */
  queues: ['default'] as readonly string[],
  /** Queues `ordo dev` serves. */
  devQueues: ['high', 'default', 'low'] as readonly string[],
  /** Jobs a worker runs at once. */
  concurrency: 10,
  /** How long a claim holds a job without a heartbeat. */
  leaseMs: 30_000,
  /** How often running jobs are checked for cancellation. */
  cancelCheckMs: 1_000,
  /** Longest idle sleep between claims when no wake-up arrives. */
  pollMs: 1_000,
  /**
   * Longest idle sleep between claims on a store whose wake-ups cross processes (PostgreSQL's
   * NOTIFY), when nothing is due or the next due time is known. Every write that makes a job
   * due sends a NOTIFY, and a LISTEN connection that dropped wakes the worker for every queue
   * with pending jobs as soon as it is back, so this poll only backs them up; an idle worker
   * then costs the database a claim every 30 s instead of every second.
   */
  notifiedPollMs: 30_000,
  /**
   * While a worker holds no job, its row is refreshed this often instead of every heartbeat
   * (and says so in its liveness): an idle worker's presence needs no ten-second precision.
   */
  idleBeatMs: 30_000,
  /** How often expired leases of dead workers are recovered. */
  rescueMs: 5_000,
  /**
   * Time between rescue sweeps while the leader has seen no sign of jobs (no "jobs available"
   * signal, nothing rescued) for a while: a dead worker's jobs are then recovered within a
   * lease and this, instead of a lease and `rescueMs`.
   */
  idleRescueMs: 30_000,
  /** On stop, how long running jobs may take before they are aborted and released. */
  graceMs: 10_000,
  /** Most jobs claimed by one statement. */
  claimBatch: 200,
  /** Most jobs a worker holds claimed ahead of its free slots (sized by its start rate). */
  prefetch: 500,
  /**
   * How long a handler that ignores its abort signal keeps its job before the retry is
   * written anyway. Long, because writing it may let the job run twice at once; bounded,
   * because a handler that never returns would otherwise keep its job (and its slot) forever.
   */
  holdLimitMs: 600_000,
  /** Schedules: how fire times missed or late are treated, and the duties that serve them. */
  schedules: {
    /** A fire time is "on time" while now is at most this much past it (`misfire: 'skip'`). */
    misfireGraceMs: 60_000,
    /** Most missed fire times enqueued at once under `misfire: 'all'` (the latest ones). */
    misfireLimit: 100,
    /** Missed fire times while no scheduler ran: fire the latest one once. */
    misfire: 'once',
    /** A fire enqueues its job even while the previous fire's job is still pending or running. */
    overlap: 'allow',
    /** Finished jobs and fire-ledger rows older than this are pruned. */
    pruneAgeMs: 7 * 86_400_000,
    /** How often the leader prunes. */
    pruneIntervalMs: 60_000,
    /** A schedule whose nextRunAt is this far in the past is reported overdue (no scheduler firing it). */
    overdueGraceMs: 120_000,
    /** Most due schedules one scheduler fires per store call. */
    fireBatch: 400,
    /** Ledger rows `schedules history` shows when no limit is given. */
    historyLimit: 20,
    /** Longest scheduler sleep on SQLite, where changes by other processes send no wake-up. */
    fallbackPollSqliteMs: 1_000,
    /** Longest scheduler sleep on PostgreSQL, where changes arrive by NOTIFY. */
    fallbackPollPostgresMs: 30_000,
  },
  /** The built-in `http` task: what a payload gets for each option it leaves out. */
  http: {
    /** The whole exchange, redirects and body included, must end within this. */
    timeoutMs: 30_000,
    /** Response body kept in the result; the rest is cut (`truncated: true`). */
    maxBodyBytes: 65_536,
    /** Redirects followed before the job fails. */
    maxRedirects: 5,
    /** Response headers copied into the result. */
    resultHeaders: ['content-type', 'content-length', 'location', 'etag', 'last-modified', 'retry-after'] as readonly string[],
  },
} as const;

/**
 * Limits on options. A lease shorter than `minLeaseMs` leaves heartbeats (a third of the
 * lease) too little room for a garbage-collection pause or a slow statement: every job would
 * risk running twice.
 */
export const LIMITS = {
  minLeaseMs: 1_000,
  maxLeaseMs: 86_400_000,
  maxConcurrency: 10_000,
  maxClaimBatch: 1_000,
  maxPrefetch: 10_000,
  maxIntervalMs: 3_600_000,
  /** A trace id is a label for logs, not data. */
  maxTraceIdLength: 200,
  /** `http` payloads: most body bytes one result may keep (it is stored in the job row). */
  maxHttpBodyBytes: 1_048_576,
  maxHttpRedirects: 20,
  /**
   * Longest `Retry-After` an `http` job waits for; a server asking for more gets this, so a
   * misconfigured header (or a date years ahead) cannot park a job for good.
   */
  maxHttpRetryAfterMs: 3_600_000,
} as const;

/** Heartbeats come this many times per lease, so one late or failed beat never lets it lapse. */
export const HEARTBEATS_PER_LEASE = 3;
