/**
 * The PostgreSQL engine: implements the Store contract over a node-postgres pool, for many
 * processes on many machines sharing one database. This module only composes; the SQL of each
 * operation lives in `sql/` (same file and function names as the SQLite engine, so the two
 * can be diffed), the pool in pool.ts, error mapping in errors.ts, the checks of a caller's
 * `tx` in caller-tx.ts, wake-ups in listener.ts.
 *
 * Connections per store: the pool (up to `poolSize`, opened on demand), one LISTEN
 * connection once something subscribes to `onJobsAvailable`, another once something
 * subscribes to `onSchedulesChanged` (a scheduler), and one per leader role that
 * this process campaigns for. Every statement has a timeout (`queryTimeoutMs`), so no call
 * hangs on a dead connection. Time is always the database's clock.
 */
import { ConfigError, ValidationError } from '../../core/errors.js';
import { checkAuditEntry, checkAuditList } from '../audit-records.js';
import { checkBulk } from '../bulk.js';
import { checkChanges, checkExecutions } from '../filters.js';
import { checkThroughput } from '../throughput.js';
import { checkLimit, checkPrune } from '../schedule-records.js';
import type { InsertResult, JobInsert } from '../../core/types.js';
import type { Store, StoreCapabilities } from '../contract.js';
import { type StoreClock, checkClock } from '../clock.js';
import { Coalescer } from '../coalescer.js';
import { callerClient } from './caller-tx.js';
import { refusedByDatabase } from './errors.js';
import { clockedDb, clockedQueryable } from './clock.js';
import { type PgContext, channelFor, quoteSchema } from './context.js';
import { JobsListener } from './listener.js';
import { runMigrations } from './migrations.js';
import { type Db, type PoolOptions, type Queryable, DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_QUERY_TIMEOUT_MS, clientConfig, createDb } from './pool.js';
import { appendAudit, listAudit } from './sql/audit.js';
import { listExecutions } from './sql/executions.js';
import { bulkJobs, deleteJob } from './sql/jobs-bulk.js';
import { cancelJob, deleteJobs, retryJob } from './sql/jobs-cancel-retry.js';
import { jobChanges } from './sql/jobs-changes.js';
import { cancelRequestedJobs, claimJobs, heartbeatJobs, recordProgress } from './sql/jobs-claim.js';
import { finishJobs } from './sql/jobs-finish.js';
import { insertJobs, insertJobsWithUniqueKeys, needsTransaction } from './sql/jobs-insert.js';
import { getJob, listJobs, nextDueIn } from './sql/jobs-read.js';
import { rescueExpired } from './sql/jobs-rescue.js';
import { jobThroughput } from './sql/jobs-throughput.js';
import { ELECT_TIMEOUT_MS, LeaderLocks } from './sql/leaders.js';
import { queueStats, queuesWithPendingJobs, setQueuePaused } from './sql/queues.js';
import { pauseQueueFor, queueFlow, setQueueLimits } from './sql/flow-queues.js';
import { pruneJobs } from './sql/jobs-prune.js';
import { fireDue, fireNow, scheduleHistory } from './sql/schedule-fires.js';
import { deleteSchedule, getSchedule, listSchedules, scheduleNextDueIn, setSchedulePaused, upsertSchedule } from './sql/schedules.js';
import { createToken, getToken, listTokens, revokeToken } from './sql/tokens.js';
import { heartbeatWorker, listWorkers, markWorkerStopped } from './sql/workers.js';
import { cancelRun, retryRun } from './sql/workflows-actions.js';
import { listCheckpoints, writeCheckpoint } from './sql/workflows-checkpoints.js';
import { emitEvent, getEvent } from './sql/workflows-events.js';
import { getWorkflow, listWorkflows, registerWorkflows } from './sql/workflows-definitions.js';
import { getRun, listRuns, stepInputs } from './sql/workflows-runs.js';
import { startWorkflow } from './sql/workflows-start.js';

export interface PostgresStoreOptions {
  /** A `postgres://` or `postgresql://` connection URL (libpq-style parameters such as `sslmode` work). */
  url: string;
  /** The schema holding Ordo's tables; created by `migrate()` when missing. @defaultValue 'ordo' */
  schema?: string;
  /** Most pooled connections this store opens (the LISTEN and leader connections are extra). @defaultValue 10 */
  poolSize?: number;
  /** Shown in `pg_stat_activity.application_name`. @defaultValue 'ordo' */
  applicationName?: string;
  /**
   * Longest wait for the answer to one statement, so a call on a dead (half-open) connection
   * fails instead of hanging. Also sets how often the LISTEN connection is pinged (every
   * twice this) and bounds leader elections (at most 5 s). Migrations are exempt.
   * @defaultValue 15000
   */
  queryTimeoutMs?: number;
  /** Longest wait for a connection, new or a free one from the pool. @defaultValue 10000 */
  connectTimeoutMs?: number;
  /** For tests: the database's clock moved ahead by the clock's offset (see clock.ts). */
  clock?: StoreClock;
  /**
   * `false`: `migrate()` refuses a schema that does not exist or holds no Ordo tables with a
   * ConfigError, and creates nothing (read-only tools). @defaultValue true
   */
  create?: boolean;
}

/** A Postgres store; `listening()` is the one addition to the Store contract. */
export interface PostgresStore extends Store {
  /** Resolves once the LISTEN connection is up (it opens on the first `onJobsAvailable`). */
  listening(): Promise<void>;
}

/** Creates a PostgreSQL store. No connection is opened until the first call. */
export function createPostgresStore(options: PostgresStoreOptions): PostgresStore {
  const schema = options.schema ?? 'ordo';
  const s = quoteSchema(schema);
  if (typeof options.url !== 'string' || !/^postgres(ql)?:\/\//i.test(options.url)) {
    const shown = typeof options.url === 'string' ? options.url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@') : options.url;
    throw new ConfigError(`url: expected a postgres:// or postgresql:// URL, received ${JSON.stringify(shown)}`, { field: 'url' });
  }
  const connection = {
    url: options.url,
    max: poolSizeOf(options.poolSize),
    applicationName: options.applicationName,
    queryTimeoutMs: timeout('queryTimeoutMs', options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS, 100),
    connectTimeoutMs: timeout('connectTimeoutMs', options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS, 100),
  };
  const clock = checkClock(options.clock);
  const db = createDb(connection);
  const channels = { channel: channelFor(schema), schedulesChannel: channelFor(schema, 'schedules') };
  const ctx: PgContext = clock ? { db: clockedDb(db, clock), schema, s, ...channels, clock } : { db, schema, s, ...channels };
  return new PostgresEngine(ctx, db, connection, options.create !== false);
}

function poolSizeOf(poolSize: unknown = 10): number {
  if (typeof poolSize !== 'number' || !Number.isInteger(poolSize) || poolSize < 1) throw new ValidationError('poolSize', 'an integer >= 1', poolSize);
  return poolSize;
}

/** The payload of "schedules changed" signals (their listeners take no argument). */
const SCHEDULES_CHANGED = 'changed';

/** Most jobs of concurrent enqueues joined into one insert (a larger call goes alone). */
const MAX_JOINT_INSERT = 1_000;

/** Longest timeout accepted: Node's timers overflow past 2^31 - 1 ms. */
const MAX_TIMEOUT_MS = 2_147_483_647;

function timeout(field: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > MAX_TIMEOUT_MS) {
    throw new ValidationError(field, `an integer from ${min} to ${MAX_TIMEOUT_MS}`, value);
  }
  return value;
}

class PostgresEngine implements PostgresStore {
  readonly engine = 'postgres' as const;
  readonly capabilities: StoreCapabilities = { crossProcessNotify: true, crossProcessJobWake: true, transactionalEnqueue: true };
  private readonly db: Db;
  private readonly listener: JobsListener;
  /** LISTENs on the schedules channel; opened by the first `onSchedulesChanged`. */
  private readonly schedulesListener: JobsListener;
  private readonly leaders: LeaderLocks;
  private closing: Promise<void> | null = null;

  /** `db` is the unshifted pool: migrations run on it, so a `DEFAULT now()` stays `now()`. */
  constructor(
    private readonly ctx: PgContext,
    db: Db,
    connection: PoolOptions & { queryTimeoutMs: number },
    private readonly create: boolean,
  ) {
    this.db = db;
    const config = clientConfig(connection);
    this.listener = new JobsListener({
      config,
      channel: ctx.channel,
      isOwnBackend: (pid) => ctx.db.isOwnBackend(pid),
      pingIntervalMs: Math.min(2 * connection.queryTimeoutMs, MAX_TIMEOUT_MS),
      pendingQueues: (client) => queuesWithPendingJobs(ctx, client),
    });
    this.schedulesListener = new JobsListener({
      config,
      channel: ctx.schedulesChannel,
      isOwnBackend: (pid) => ctx.db.isOwnBackend(pid),
      pingIntervalMs: Math.min(2 * connection.queryTimeoutMs, MAX_TIMEOUT_MS),
      // Changes made while it was not listening are unknown: after each connect, one wake-up.
      pendingQueues: async () => [SCHEDULES_CHANGED],
    });
    this.leaders = new LeaderLocks(ctx, config, Math.min(ELECT_TIMEOUT_MS, connection.queryTimeoutMs));
  }

  migrate: Store['migrate'] = () => runMigrations(this.db, this.ctx.schema, this.ctx.s, this.create);

  close(): Promise<void> {
    this.closing ??= Promise.all([this.listener.close(), this.schedulesListener.close(), this.leaders.close()]).then(() => this.db.close());
    return this.closing;
  }

  jobInsertMany: Store['jobInsertMany'] = async ({ jobs, tx }) => {
    if (jobs.length === 0) return [];
    // In the caller's transaction: nothing is committed yet, so only its NOTIFY (delivered at
    // its COMMIT) may signal, through LISTEN.
    if (tx !== undefined) {
      const client = this.ctx.clock ? clockedQueryable(callerClient(tx), this.ctx.clock) : callerClient(tx);
      return (await insertJobs(this.ctx, client, jobs)).results;
    }
    // With unique keys the collision lookup must share the insert's transaction (a debounce,
    // its lock timeout). Without them the insert is one statement, atomic on its own, and
    // concurrent calls share one: one commit for all of them (see coalescer.ts).
    if (needsTransaction(jobs)) {
      const { results, queues } = await insertJobsWithUniqueKeys(this.ctx, jobs);
      this.listener.emit(queues);
      return results;
    }
    return this.plainInserts.run(jobs);
  };

  /** Inserts of jobs without unique keys, outside a caller's transaction, joined when concurrent. */
  private readonly plainInserts = new Coalescer<JobInsert, InsertResult>(
    async (jobs) => {
      const { results, queues } = await insertJobs(this.ctx, this.poolClient(), jobs);
      this.listener.emit(queues);
      return results;
    },
    MAX_JOINT_INSERT,
    refusedByDatabase,
  );

  jobGet: Store['jobGet'] = ({ id }) => getJob(this.ctx, id);
  jobList: Store['jobList'] = ({ filter, page }) => listJobs(this.ctx, filter, page);
  executionList: Store['executionList'] = async (params) => listExecutions(this.ctx, checkExecutions(params));
  jobChanges: Store['jobChanges'] = async (params) => jobChanges(this.ctx, checkChanges(params));
  jobClaim: Store['jobClaim'] = (params) => claimJobs(this.ctx, params);
  jobHeartbeat: Store['jobHeartbeat'] = (params) => heartbeatJobs(this.ctx, params);
  jobCancelRequested: Store['jobCancelRequested'] = ({ workerId }) => cancelRequestedJobs(this.ctx, workerId);
  jobProgress: Store['jobProgress'] = (params) => recordProgress(this.ctx, params);

  jobFinishMany: Store['jobFinishMany'] = async ({ finishes }) => {
    const { applied, queues } = await finishJobs(this.ctx, finishes);
    this.listener.emit(queues);
    return { applied };
  };

  jobCancel: Store['jobCancel'] = async ({ id }) => {
    const outcome = await cancelJob(this.ctx, id);
    if (!outcome) return null;
    // A pending job of a run ended: its run's advance may have released other steps.
    this.listener.emit(outcome.queues);
    return { state: outcome.state, cancelRequested: outcome.cancelRequested };
  };

  jobRetry: Store['jobRetry'] = async ({ id }) => {
    const outcome = await retryJob(this.ctx, id);
    if (!outcome) return null;
    if (outcome.queue !== undefined) this.listener.emit([outcome.queue]);
    return { retried: outcome.retried, state: outcome.state };
  };

  jobRescueExpired: Store['jobRescueExpired'] = async (params) => {
    const { rescued, failed, cancelled, queues } = await rescueExpired(this.ctx, params?.limit, params?.exceptWorkers);
    this.listener.emit(queues);
    return { rescued, failed, cancelled };
  };

  jobBulk: Store['jobBulk'] = async (params) => {
    const { count, queues } = await bulkJobs(this.ctx, checkBulk(params));
    this.listener.emit(queues);
    return { count };
  };

  jobDelete: Store['jobDelete'] = ({ id }) => deleteJob(this.ctx, id);
  jobThroughput: Store['jobThroughput'] = async (params) => jobThroughput(this.ctx, checkThroughput(params));
  jobDeleteMany: Store['jobDeleteMany'] = ({ queue, states }) => deleteJobs(this.ctx, queue, states);
  jobNextDueIn: Store['jobNextDueIn'] = ({ queues }) => nextDueIn(this.ctx, queues);
  queueStats: Store['queueStats'] = () => queueStats(this.ctx);
  queueSetPaused: Store['queueSetPaused'] = async ({ queue, paused }) => {
    await setQueuePaused(this.ctx, queue, paused);
    // Resuming makes the queue's due jobs claimable again: wake its workers.
    if (!paused) this.listener.emit([queue]);
  };

  queueLimitsSet: Store['queueLimitsSet'] = async ({ queue, limits }) => {
    await setQueueLimits(this.ctx, queue, limits);
    // A raised or cleared limit may make due jobs claimable now.
    this.listener.emit([queue]);
  };

  queueFlow: Store['queueFlow'] = (params) => queueFlow(this.ctx, params);
  queuePauseFor: Store['queuePauseFor'] = ({ queue, ms }) => pauseQueueFor(this.ctx, queue, ms);

  workerHeartbeat: Store['workerHeartbeat'] = ({ worker }) => heartbeatWorker(this.ctx, worker);
  workerStopped: Store['workerStopped'] = ({ id }) => markWorkerStopped(this.ctx, id);
  workerList: Store['workerList'] = () => listWorkers(this.ctx);
  leaderElect: Store['leaderElect'] = (params) => this.leaders.elect(params);
  leaderResign: Store['leaderResign'] = (params) => this.leaders.resign(params);
  tokenCreate: Store['tokenCreate'] = (token) => createToken(this.ctx, token);
  tokenGet: Store['tokenGet'] = ({ id }) => getToken(this.ctx, id);
  tokenList: Store['tokenList'] = () => listTokens(this.ctx);
  tokenRevoke: Store['tokenRevoke'] = ({ id }) => revokeToken(this.ctx, id);
  auditAppend: Store['auditAppend'] = async ({ entry }) => appendAudit(this.ctx, checkAuditEntry(entry));
  auditList: Store['auditList'] = async (params) => listAudit(this.ctx, checkAuditList(params));

  jobPrune: Store['jobPrune'] = async (params) => {
    const { olderThanMs, limit } = checkPrune(params);
    return pruneJobs(this.ctx, olderThanMs, limit);
  };

  scheduleUpsert: Store['scheduleUpsert'] = async (params) => {
    const result = await upsertSchedule(this.ctx, params);
    if (result.changed) this.schedulesListener.emit([SCHEDULES_CHANGED]);
    return result;
  };

  scheduleGet: Store['scheduleGet'] = ({ name }) => getSchedule(this.ctx, name);
  scheduleList: Store['scheduleList'] = () => listSchedules(this.ctx);

  scheduleDelete: Store['scheduleDelete'] = async ({ name }) => {
    const deleted = await deleteSchedule(this.ctx, name);
    if (deleted) this.schedulesListener.emit([SCHEDULES_CHANGED]);
    return deleted;
  };

  scheduleSetPaused: Store['scheduleSetPaused'] = async ({ name, paused }) => {
    const record = await setSchedulePaused(this.ctx, name, paused);
    if (record) this.schedulesListener.emit([SCHEDULES_CHANGED]);
    return record;
  };

  scheduleFireDue: Store['scheduleFireDue'] = async ({ limit, plan }) => {
    const { fires, queues } = await fireDue(this.ctx, checkLimit(limit), plan);
    this.listener.emit(queues);
    return fires;
  };

  scheduleFireNow: Store['scheduleFireNow'] = async ({ name }) => {
    const fired = await fireNow(this.ctx, name);
    if (!fired) return null;
    this.listener.emit([fired.queue]);
    return fired.fire;
  };

  workflowRegister: Store['workflowRegister'] = ({ definitions }) => registerWorkflows(this.ctx, definitions);
  workflowList: Store['workflowList'] = () => listWorkflows(this.ctx);
  workflowGet: Store['workflowGet'] = ({ name }) => getWorkflow(this.ctx, name);

  workflowStart: Store['workflowStart'] = async ({ tx, ...params }) => {
    // In the caller's transaction only its NOTIFY (delivered at its COMMIT) may signal.
    if (tx !== undefined) {
      const client = this.ctx.clock ? clockedQueryable(callerClient(tx), this.ctx.clock) : callerClient(tx);
      const { runId, created } = await startWorkflow(this.ctx, client, params);
      return { runId, created };
    }
    const { runId, created, queues } = await this.ctx.db.transaction((client) => startWorkflow(this.ctx, client, params));
    this.listener.emit(queues);
    return { runId, created };
  };

  workflowRunGet: Store['workflowRunGet'] = ({ id }) => getRun(this.ctx, id);
  workflowRunList: Store['workflowRunList'] = (params) => listRuns(this.ctx, params);

  workflowRunCancel: Store['workflowRunCancel'] = async ({ id }) => {
    const { state, queues } = await cancelRun(this.ctx, id);
    this.listener.emit(queues);
    return state;
  };

  workflowRunRetry: Store['workflowRunRetry'] = async ({ id }) => {
    const { result, queues } = await retryRun(this.ctx, id);
    this.listener.emit(queues);
    return result;
  };

  workflowStepInputs: Store['workflowStepInputs'] = ({ runId, step }) => stepInputs(this.ctx, runId, step);
  checkpointList: Store['checkpointList'] = ({ runId }) => listCheckpoints(this.ctx, runId);
  checkpointWrite: Store['checkpointWrite'] = (params) => writeCheckpoint(this.ctx, params);

  eventEmit: Store['eventEmit'] = async (params) => {
    const { stored, woken, queues } = await emitEvent(this.ctx, params);
    // The woken runs' main jobs are due now: wake this process's workers too.
    this.listener.emit(queues);
    return { stored, woken };
  };

  eventGet: Store['eventGet'] = ({ key }) => getEvent(this.ctx, key);

  scheduleHistory: Store['scheduleHistory'] = async ({ name, limit }) => scheduleHistory(this.ctx, name, limit === undefined ? undefined : checkLimit(limit));
  scheduleNextDueIn: Store['scheduleNextDueIn'] = () => scheduleNextDueIn(this.ctx);

  onJobsAvailable(listener: (queue: string) => void): () => void {
    if (this.closing) return () => {};
    return this.listener.subscribe(listener);
  }

  onSchedulesChanged(listener: () => void): () => void {
    if (this.closing) return () => {};
    return this.schedulesListener.subscribe(() => listener());
  }

  listening(): Promise<void> {
    return this.listener.listening();
  }

  /** The pool as a `Queryable` (statements auto-commit one by one). */
  private poolClient(): Queryable {
    return { query: async (text, values) => ({ rows: await this.ctx.db.rows({ text, values }) }) };
  }
}
