/**
 * The SQLite engine: implements the Store contract over one better-sqlite3 connection per
 * store instance. This module only composes; the SQL of each operation lives in `sql/`.
 *
 * Every call runs one synchronous unit of work (see connection.ts). SQLite's own busy wait
 * is short (BUSY_TIMEOUT_MS) because it blocks the event loop; when another process holds
 * the write lock longer, the unit is retried with jittered exponential backoff, awaiting
 * between tries, for up to `lockWaitMs` (10 s), and then reported as StoreUnavailableError.
 * The connection opens on first use, and reopens after an error about the file, so a store
 * survives its file being briefly unusable; but never a different file: a file deleted,
 * replaced or made read-only under the store is reported as StoreLostError by every later
 * call (file-watch.ts), instead of writing on into a file no other process sees.
 */
import { OrdoError, StoreLostError, StoreUnavailableError, ValidationError } from '../../core/errors.js';
import { backoffDelay } from '../../core/retry.js';
import { sleep } from '../../core/sleep.js';
import { type StoreClock, checkClock, clockOffset } from '../clock.js';
import type { Store, StoreCapabilities } from '../contract.js';
import { SqliteConnection, isMemoryPath } from './connection.js';
import { busyError, isBusyError, sqliteCode, toStoreError } from './errors.js';
import { checkAuditEntry, checkAuditList } from '../audit-records.js';
import { checkBulk } from '../bulk.js';
import { checkChanges, checkExecutions } from '../filters.js';
import { checkThroughput } from '../throughput.js';
import { checkLimit, checkPrune } from '../schedule-records.js';
import { DataVersionWatch, type Peek } from './data-version.js';
import { FileWatch, readOnlyLost } from './file-watch.js';
import { runMigrations } from './migrations.js';
import { JobsAvailableSignal } from './notify.js';
import { appendAudit, listAudit } from './sql/audit.js';
import { listExecutions } from './sql/executions.js';
import { bulkJobs, deleteJob } from './sql/jobs-bulk.js';
import { cancelJob, deleteJobs, retryJob } from './sql/jobs-cancel-retry.js';
import { jobChanges } from './sql/jobs-changes.js';
import { cancelRequestedJobs, claimJobs, heartbeatJobs, recordProgress } from './sql/jobs-claim.js';
import { finishJobs } from './sql/jobs-finish.js';
import { insertJobs } from './sql/jobs-insert.js';
import { getJob, listJobs, nextDueIn } from './sql/jobs-read.js';
import { rescueExpired } from './sql/jobs-rescue.js';
import { jobThroughput } from './sql/jobs-throughput.js';
import { electLeader, resignLeader } from './sql/leaders.js';
import { queueStats, setQueuePaused } from './sql/queues.js';
import { pauseQueueFor, readQueueFlow, setQueueLimits } from './sql/flow-queues.js';
import { pruneJobs } from './sql/jobs-prune.js';
import { fireDue, fireNow, scheduleHistory } from './sql/schedule-fires.js';
import { deleteSchedule, listSchedules, readSchedule, scheduleNextDueIn, setSchedulePaused, upsertSchedule } from './sql/schedules.js';
import { createToken, getToken, listTokens, revokeToken } from './sql/tokens.js';
import { heartbeatWorker, listWorkers, markWorkerStopped } from './sql/workers.js';
import { getWorkflow, listWorkflows, registerWorkflows } from './sql/workflows-define.js';
import { listRuns } from './sql/workflows-list.js';
import { cancelRun, retryRun } from './sql/workflows-operate.js';
import { getRun, stepInputs } from './sql/workflows-read.js';
import { checkEventKey, checkKeep, checkpointColumns, payloadJson } from './sql/checkpoint-checks.js';
import { readCheckpoints, writeCheckpoint } from './sql/checkpoints.js';
import { emitEvent, getEvent } from './sql/events.js';
import { startWorkflow } from './sql/workflows-start.js';

export interface SqliteStoreOptions {
  /** The database file; its folder is created when missing. `:memory:` for a private, throwaway database. */
  path: string;
  /**
   * For tests: a StoreClock moves the store's time ahead of this process's clock by its
   * offset (as on PostgreSQL); a function is the store's time itself, in ms since the epoch
   * (SQLite only: it can also stop time). @defaultValue Date.now
   */
  clock?: StoreClock | (() => number);
  /**
   * How long one call waits, retrying, while another process holds the database's write
   * lock, before it fails with StoreUnavailableError. @defaultValue LOCK_WAIT_BUDGET_MS (10 s)
   */
  lockWaitMs?: number;
  /**
   * `false`: open only an existing Ordo database; a missing file or one without Ordo tables
   * is refused with a ConfigError by the first call (`migrate()`), and nothing is created.
   * @defaultValue true
   */
  create?: boolean;
  /**
   * While a worker listens for jobs, how often the store checks whether another process
   * committed to the file (`PRAGMA data_version`, no lock) besides each time the OS reports
   * its log written, to wake the worker at once instead of at its next poll
   * (data-version.ts). @defaultValue DATA_VERSION_CHECK_MS (50 ms)
   */
  wakeCheckMs?: number;
}

/** How long one call keeps retrying while another process holds the write lock, by default. */
export const LOCK_WAIT_BUDGET_MS = 10_000;
/**
 * Pauses between tries: 5 ms doubling per try, with jitter, up to 100 ms (a lock released
 * during a pause is noticed at most this late).
 */
const LOCK_BACKOFF = { baseMs: 5, capMs: 100 };

type Unit<T> = (c: SqliteConnection, now: number) => T;

/** Creates a SQLite store. Nothing is opened until the first call (usually `migrate()`). */
export function createSqliteStore(options: SqliteStoreOptions): Store {
  const lockWaitMs = options.lockWaitMs ?? LOCK_WAIT_BUDGET_MS;
  if (!Number.isFinite(lockWaitMs) || lockWaitMs < 0) throw new ValidationError('lockWaitMs', 'a number of milliseconds >= 0', lockWaitMs);
  const wakeCheckMs = options.wakeCheckMs;
  if (wakeCheckMs !== undefined && (!Number.isFinite(wakeCheckMs) || wakeCheckMs < 1)) throw new ValidationError('wakeCheckMs', 'a number of milliseconds >= 1', wakeCheckMs);
  return new SqliteStore(options.path, sqliteClock(options.clock), lockWaitMs, options.create !== false, wakeCheckMs);
}

/** SQLite's clock is this process's: Date.now(), plus a test clock's offset. */
function sqliteClock(option: SqliteStoreOptions['clock']): () => number {
  if (typeof option === 'function') return option;
  const clock = checkClock(option);
  return clock ? () => Date.now() + clockOffset(clock) : Date.now;
}

class SqliteStore implements Store {
  readonly engine = 'sqlite' as const;
  // Jobs wake workers of other processes (data-version.ts); schedule changes do not.
  readonly capabilities: StoreCapabilities = { crossProcessNotify: false, crossProcessJobWake: true, transactionalEnqueue: false };
  private conn: SqliteConnection | null = null;
  private closed = false;
  private readonly signal: JobsAvailableSignal;
  private readonly watch: FileWatch | null;
  /** Wakes this process's workers on another process's commits (null for a private memory database). */
  private readonly otherProcesses: DataVersionWatch | null;
  /** Set once the file is gone for good: every later call throws it. */
  private lost: StoreLostError | null = null;

  constructor(
    private readonly path: string,
    private readonly clock: () => number,
    private readonly lockWaitMs: number,
    private readonly create: boolean,
    wakeCheckMs: number | undefined,
  ) {
    this.signal = new JobsAvailableSignal(path);
    this.watch = isMemoryPath(path) ? null : new FileWatch(path);
    this.otherProcesses = isMemoryPath(path) ? null : new DataVersionWatch({ path, peek: this.peek, emit: (queues) => this.signal.emit(queues), intervalMs: wakeCheckMs });
  }

  migrate: Store['migrate'] = () => this.run((c, now) => runMigrations(c, now, this.create));

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.otherProcesses?.stop();
    this.signal.close();
    this.conn?.close();
    this.conn = null;
  }

  jobInsertMany: Store['jobInsertMany'] = async ({ jobs, tx }) => {
    if (tx !== undefined) {
      throw new OrdoError(
        'invalid_argument',
        'jobInsertMany: `tx` (enqueue inside your own transaction) needs the PostgreSQL engine; the SQLite engine has no shared transactions, so enqueue without `tx`',
      );
    }
    const { results, queues } = await this.run((c, now) => insertJobs(c, now, jobs));
    this.signal.emit(queues);
    return results;
  };

  jobGet: Store['jobGet'] = ({ id }) => this.run((c) => getJob(c, id));
  jobList: Store['jobList'] = ({ filter, page }) => this.run((c) => listJobs(c, filter, page));
  executionList: Store['executionList'] = async (params) => {
    const query = checkExecutions(params);
    return this.run((c) => listExecutions(c, query));
  };

  jobChanges: Store['jobChanges'] = async (params) => {
    const query = checkChanges(params);
    return this.run((c, now) => jobChanges(c, now, query));
  };

  jobClaim: Store['jobClaim'] = (params) => this.run((c, now) => claimJobs(c, now, params));
  jobHeartbeat: Store['jobHeartbeat'] = (params) => this.run((c, now) => heartbeatJobs(c, now, params));
  jobCancelRequested: Store['jobCancelRequested'] = ({ workerId }) => this.run((c) => cancelRequestedJobs(c, workerId));
  jobProgress: Store['jobProgress'] = (params) => this.run((c) => recordProgress(c, params));

  jobFinishMany: Store['jobFinishMany'] = async ({ finishes }) => {
    const { applied, queues } = await this.run((c, now) => finishJobs(c, now, finishes));
    this.signal.emit(queues);
    return { applied };
  };

  jobCancel: Store['jobCancel'] = async ({ id }) => {
    const outcome = await this.run((c, now) => cancelJob(c, now, id));
    if (!outcome) return null;
    // A cancelled step of a run may have released others (a `continue` edge).
    if (outcome.queues) this.signal.emit(outcome.queues);
    return { state: outcome.state, cancelRequested: outcome.cancelRequested };
  };

  jobRetry: Store['jobRetry'] = async ({ id }) => {
    const outcome = await this.run((c, now) => retryJob(c, now, id));
    if (!outcome) return null;
    if (outcome.queue !== undefined) this.signal.emit([outcome.queue]);
    return { retried: outcome.retried, state: outcome.state };
  };

  jobRescueExpired: Store['jobRescueExpired'] = async (params) => {
    const { rescued, failed, cancelled, queues } = await this.run((c, now) => rescueExpired(c, now, params?.limit, params?.exceptWorkers));
    this.signal.emit(queues);
    return { rescued, failed, cancelled };
  };

  jobBulk: Store['jobBulk'] = async (params) => {
    const query = checkBulk(params);
    const { count, queues } = await this.run((c, now) => bulkJobs(c, now, query));
    this.signal.emit(queues);
    return { count };
  };

  jobDelete: Store['jobDelete'] = ({ id }) => this.run((c) => deleteJob(c, id));

  jobThroughput: Store['jobThroughput'] = async (params) => {
    const query = checkThroughput(params);
    return this.run((c, now) => jobThroughput(c, now, query));
  };

  jobDeleteMany: Store['jobDeleteMany'] = ({ queue, states }) => this.run((c) => deleteJobs(c, queue, states));
  jobNextDueIn: Store['jobNextDueIn'] = ({ queues }) => this.run((c, now) => nextDueIn(c, now, queues));
  queueStats: Store['queueStats'] = () => this.run((c, now) => queueStats(c, now));
  queueSetPaused: Store['queueSetPaused'] = async ({ queue, paused }) => {
    await this.run((c) => setQueuePaused(c, queue, paused));
    // Resuming makes the queue's due jobs claimable again: wake its workers.
    if (!paused) this.signal.emit([queue]);
  };

  queueLimitsSet: Store['queueLimitsSet'] = async ({ queue, limits }) => {
    await this.run((c, now) => setQueueLimits(c, now, queue, limits));
    // Limits raised or cleared may let due jobs start now: wake the queue's workers.
    this.signal.emit([queue]);
  };

  queueFlow: Store['queueFlow'] = (query) => this.run((c, now) => readQueueFlow(c, now, query));
  queuePauseFor: Store['queuePauseFor'] = ({ queue, ms }) => this.run((c, now) => pauseQueueFor(c, now, queue, ms));

  workerHeartbeat: Store['workerHeartbeat'] = ({ worker }) => this.run((c, now) => heartbeatWorker(c, now, worker));
  workerStopped: Store['workerStopped'] = ({ id }) => this.run((c, now) => markWorkerStopped(c, now, id));
  workerList: Store['workerList'] = () => this.run((c, now) => listWorkers(c, now));
  leaderElect: Store['leaderElect'] = (params) => this.run((c, now) => electLeader(c, now, params));
  leaderResign: Store['leaderResign'] = (params) => this.run((c, now) => resignLeader(c, now, params));
  tokenCreate: Store['tokenCreate'] = (token) => this.run((c, now) => createToken(c, now, token));
  tokenGet: Store['tokenGet'] = ({ id }) => this.run((c) => getToken(c, id));
  tokenList: Store['tokenList'] = () => this.run((c) => listTokens(c));
  tokenRevoke: Store['tokenRevoke'] = ({ id }) => this.run((c, now) => revokeToken(c, now, id));

  auditAppend: Store['auditAppend'] = async ({ entry }) => {
    const checked = checkAuditEntry(entry);
    return this.run((c, now) => appendAudit(c, now, checked));
  };

  auditList: Store['auditList'] = async (params) => {
    const query = checkAuditList(params);
    return this.run((c) => listAudit(c, query));
  };

  jobPrune: Store['jobPrune'] = async (params) => {
    const { olderThanMs, limit } = checkPrune(params);
    return this.run((c, now) => pruneJobs(c, now, olderThanMs, limit));
  };

  scheduleUpsert: Store['scheduleUpsert'] = async (params) => {
    const result = await this.run((c, now) => upsertSchedule(c, now, params));
    if (result.changed) this.signal.emitSchedules();
    return result;
  };

  scheduleGet: Store['scheduleGet'] = ({ name }) => this.run((c) => readSchedule(c, name));
  scheduleList: Store['scheduleList'] = () => this.run((c) => listSchedules(c));

  scheduleDelete: Store['scheduleDelete'] = async ({ name }) => {
    const deleted = await this.run((c) => deleteSchedule(c, name));
    if (deleted) this.signal.emitSchedules();
    return deleted;
  };

  scheduleSetPaused: Store['scheduleSetPaused'] = async ({ name, paused }) => {
    const record = await this.run((c, now) => setSchedulePaused(c, now, name, paused));
    if (record) this.signal.emitSchedules();
    return record;
  };

  scheduleFireDue: Store['scheduleFireDue'] = async ({ limit, plan }) => {
    const { fires, queues } = await this.run((c, now) => fireDue(c, now, checkLimit(limit), plan));
    this.signal.emit(queues);
    return fires;
  };

  scheduleFireNow: Store['scheduleFireNow'] = async ({ name }) => {
    const fired = await this.run((c, now) => fireNow(c, now, name));
    if (!fired) return null;
    this.signal.emit([fired.queue]);
    return fired.fire;
  };

  scheduleHistory: Store['scheduleHistory'] = async ({ name, limit }) => this.run((c) => scheduleHistory(c, name, limit === undefined ? undefined : checkLimit(limit)));
  scheduleNextDueIn: Store['scheduleNextDueIn'] = () => this.run((c, now) => scheduleNextDueIn(c, now));

  workflowRegister: Store['workflowRegister'] = ({ definitions }) => this.run((c, now) => registerWorkflows(c, now, definitions));
  workflowList: Store['workflowList'] = () => this.run((c) => listWorkflows(c));
  workflowGet: Store['workflowGet'] = ({ name }) => this.run((c) => getWorkflow(c, name));

  workflowStart: Store['workflowStart'] = async ({ tx, ...params }) => {
    if (tx !== undefined) {
      throw new OrdoError(
        'invalid_argument',
        'workflowStart: `tx` (start inside your own transaction) needs the PostgreSQL engine; the SQLite engine has no shared transactions, so start without `tx`',
      );
    }
    const { runId, created, queues } = await this.run((c, now) => startWorkflow(c, now, params));
    this.signal.emit(queues);
    return { runId, created };
  };

  workflowRunGet: Store['workflowRunGet'] = ({ id }) => this.run((c) => getRun(c, id));
  workflowRunList: Store['workflowRunList'] = (params) => this.run((c) => listRuns(c, params));

  workflowRunCancel: Store['workflowRunCancel'] = async ({ id }) => {
    const outcome = await this.run((c, now) => cancelRun(c, now, id));
    if (!outcome) return null;
    this.signal.emit(outcome.queues);
    return outcome.state;
  };

  workflowRunRetry: Store['workflowRunRetry'] = async ({ id }) => {
    const outcome = await this.run((c, now) => retryRun(c, now, id));
    if (!outcome) return null;
    this.signal.emit(outcome.queues);
    return { retried: outcome.retried, state: outcome.state };
  };

  workflowStepInputs: Store['workflowStepInputs'] = ({ runId, step }) => this.run((c) => stepInputs(c, runId, step));

  checkpointList: Store['checkpointList'] = ({ runId }) => this.run((c) => readCheckpoints(c, runId));

  checkpointWrite: Store['checkpointWrite'] = async ({ checkpoint, maxSteps, maxResultBytes, ...fence }) => {
    const columns = checkpointColumns(checkpoint, maxSteps, maxResultBytes);
    return this.run((c, now) => writeCheckpoint(c, now, fence, columns));
  };

  eventEmit: Store['eventEmit'] = async ({ key, payload, keepMs }) => {
    const checked = { key: checkEventKey(key), payload: payloadJson(payload), keepMs: checkKeep(keepMs) };
    const { stored, woken, queues } = await this.run((c, now) => emitEvent(c, now, checked.key, checked.payload, checked.keepMs));
    this.signal.emit(queues);
    return { stored, woken };
  };

  eventGet: Store['eventGet'] = async ({ key }) => {
    const checked = checkEventKey(key);
    return this.run((c, now) => getEvent(c, now, checked));
  };

  onJobsAvailable(listener: (queue: string) => void): () => void {
    if (this.closed) return () => {};
    const unsubscribe = this.signal.subscribe(listener);
    const release = this.otherProcesses?.hold() ?? (() => {});
    return () => {
      unsubscribe();
      release();
    };
  }

  onSchedulesChanged(listener: () => void): () => void {
    return this.signal.subscribeSchedules(listener);
  }

  /**
   * Runs one unit of work, retrying it while another connection holds the write lock. Each
   * try blocks the event loop for at most BUSY_TIMEOUT_MS; the pauses between tries do not.
   */
  private async run<T>(unit: Unit<T>): Promise<T> {
    const deadline = Date.now() + this.lockWaitMs;
    for (let attempt = 0; ; attempt++) {
      try {
        if (this.lost) throw this.lost;
        this.watch?.check();
        return unit(this.connection(), this.clock());
      } catch (err) {
        if (!isBusyError(err)) throw this.failed(err);
        const pause = backoffDelay(attempt + 1, LOCK_BACKOFF);
        if (Date.now() + pause > deadline) throw busyError(this.path, this.lockWaitMs, err);
        await sleep(pause);
      }
    }
  }

  /** A best-effort read on the connection already open (data-version.ts); null when none or on error. */
  private readonly peek: Peek = (unit) => {
    if (this.closed || this.lost || !this.conn) return null;
    try {
      return unit(this.conn, this.clock());
    } catch {
      return null;
    }
  };

  private connection(): SqliteConnection {
    if (this.closed) throw new OrdoError('store_unavailable', `the SQLite store for ${this.path} is closed; open a new one`);
    if (this.conn) return this.conn;
    // Reopening must find the file it had: opening a missing path would create a new one.
    this.watch?.check(true);
    this.conn = new SqliteConnection(this.path, this.create);
    this.watch?.remember();
    return this.conn;
  }

  // An error about the file itself drops the connection, so the next call opens it afresh,
  // unless the file is gone for good: then the store is lost, and stays so.
  private failed(err: unknown): unknown {
    const lost = err instanceof StoreLostError ? err : this.lostBy(err);
    if (lost) {
      this.lost = lost;
      this.conn?.close();
      this.conn = null;
      return lost;
    }
    const mapped = toStoreError(err, this.path);
    if (mapped instanceof StoreUnavailableError && this.conn) {
      this.conn.close();
      this.conn = null;
    }
    return mapped;
  }

  /** After an I/O, open or read-only error: is the file still the one opened, and writable? */
  private lostBy(err: unknown): StoreLostError | null {
    const code = sqliteCode(err);
    if (!this.watch || !/^SQLITE_(IOERR|CANTOPEN|READONLY)/.test(code)) return null;
    try {
      this.watch.check(true);
    } catch (lost) {
      if (lost instanceof StoreLostError) return lost;
      throw lost;
    }
    // A write refused on a file that was writable when opened: it became read-only (a
    // remount, or a process whose rights changed), which no retry mends.
    if (code.startsWith('SQLITE_READONLY') && this.watch.known && this.watch.wasWritable) return readOnlyLost(this.path, err);
    return null;
  }
}

