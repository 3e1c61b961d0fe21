/**
 * The store conformance suite: every engine runs it unchanged, through the Store interface
 * only. `exerciseStore(fixture)` registers one `describe` per contract area; each test gets a
 * fresh, migrated store of that engine; the PostgreSQL schemas they used are dropped after
 * the suite.
 *
 * @example exerciseStore(sqliteFixture) // in test/store.sqlite.test.ts
 */
import { afterAll, describe } from 'vitest';
import { type EngineFixture, dropCreatedSchemas } from '../support/engines.js';
import { auditCases } from './audit.js';
import { cancelRequestedCases } from './cancel-requested.js';
import { durableCheckpointsCases } from './durable-checkpoints.js';
import { durableOperationsCases } from './durable-operations.js';
import { durableWakesCases } from './durable-wakes.js';
import { executionsCases } from './executions.js';
import { flowClaimCases } from './flow-claim.js';
import { flowDebounceCases } from './flow-debounce.js';
import { flowKeysCases } from './flow-keys.js';
import { flowLimitsCases } from './flow-limits.js';
import { jobsBulkCases } from './jobs-bulk.js';
import { jobsCancelRetryCases } from './jobs-cancel-retry.js';
import { jobsChangesCases } from './jobs-changes.js';
import { jobsClaimCases } from './jobs-claim.js';
import { jobsContainsCases } from './jobs-contains.js';
import { jobsFinishCases } from './jobs-finish.js';
import { jobsInsertCases } from './jobs-insert.js';
import { jobsListCases } from './jobs-list.js';
import { jobsListFiltersCases } from './jobs-list-filters.js';
import { jobsPruneCases } from './jobs-prune.js';
import { jobsThroughputCases } from './jobs-throughput.js';
import { jobsUniqueForCases } from './jobs-unique-for.js';
import { leaderCases } from './leader.js';
import { notifyCases } from './notify.js';
import { queuesCases } from './queues.js';
import { rescueCases } from './rescue.js';
import { scheduleFiresCases } from './schedule-fires.js';
import { schedulesCases } from './schedules.js';
import { stateMachineCases } from './state-machine.js';
import { tokensCases } from './tokens.js';
import { useContractContext } from './support.js';
import { workersCases } from './workers.js';
import { workflowsCases } from './workflows.js';
import { workflowsConcurrencyCases } from './workflows-concurrency.js';
import { workflowsListCases } from './workflows-list.js';
import { workflowsMapCases } from './workflows-map.js';
import { workflowsOperationsCases } from './workflows-operations.js';
import { workflowsPoliciesCases } from './workflows-policies.js';

export function exerciseStore(fixture: EngineFixture): void {
  describe(`store contract: ${fixture.name}`, () => {
    const ctx = useContractContext(fixture);
    afterAll(dropCreatedSchemas);
    describe('jobs: insert and get', () => jobsInsertCases(ctx));
    describe('jobs: list', () => jobsListCases(ctx));
    describe('jobs: list by creation time, payload text and cursor', () => jobsListFiltersCases(ctx));
    describe('jobs: list by JSON containment, result text and id', () => jobsContainsCases(ctx));
    describe('jobs: unique for a time window', () => jobsUniqueForCases(ctx));
    describe('jobs: prune (retention)', () => jobsPruneCases(ctx));
    describe('jobs: claim, heartbeat, progress', () => jobsClaimCases(ctx));
    describe('jobs: finish', () => jobsFinishCases(ctx));
    describe('jobs: cancel, retry, delete', () => jobsCancelRetryCases(ctx));
    describe('jobs: bulk actions by filter, and deleting one job', () => jobsBulkCases(ctx));
    describe('jobs: throughput per time bucket', () => jobsThroughputCases(ctx));
    describe('jobs: rescue expired leases', () => rescueCases(ctx));
    describe('executions: attempt history across jobs', () => executionsCases(ctx));
    describe('jobs: changes in a window', () => jobsChangesCases(ctx));
    describe('jobs: a requested cancellation is never lost', () => cancelRequestedCases(ctx));
    describe('jobs: the state machine, every move and every refusal', () => stateMachineCases(ctx));
    describe('queues', () => queuesCases(ctx));
    describe('flow: limits, pauses and the flow of a queue', () => flowLimitsCases(ctx));
    describe('flow: a limited claim (concurrency, rate, pause)', () => flowClaimCases(ctx));
    describe('flow: keys take turns under per-key limits', () => flowKeysCases(ctx));
    describe('flow: debounce and the concurrency key on insert', () => flowDebounceCases(ctx));
    describe('workers', () => workersCases(ctx));
    describe('leader election', () => leaderCases(ctx));
    describe('notifications', () => notifyCases(ctx));
    describe('schedules: definitions', () => schedulesCases(ctx));
    describe('schedules: fires and the ledger', () => scheduleFiresCases(ctx));
    describe('tokens', () => tokensCases(ctx));
    describe('audit log', () => auditCases(ctx));
    describe('workflows: definitions and runs', () => workflowsCases(ctx));
    describe('workflows: failure policies and every way a step job ends', () => workflowsPoliciesCases(ctx));
    describe('workflows: map steps, fan-out and fan-in', () => workflowsMapCases(ctx));
    describe('workflows: cancel, retry, and what job operations leave alone', () => workflowsOperationsCases(ctx));
    describe('workflows: listing runs', () => workflowsListCases(ctx));
    describe('workflows: the last parents ending at once', () => workflowsConcurrencyCases(ctx));
    describe('durable functions: checkpoints, fenced and bounded', () => durableCheckpointsCases(ctx));
    describe('durable functions: events and children wake a waiting run', () => durableWakesCases(ctx));
    describe('durable functions: retry and retention', () => durableOperationsCases(ctx));
  });
}
