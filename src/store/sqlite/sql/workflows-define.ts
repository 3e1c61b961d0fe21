/**
 * Stored workflow definitions on SQLite: workflowRegister (an upsert by name, all in one
 * transaction), workflowList and workflowGet. The definition is kept as JSON text exactly as
 * the caller checked it; runs snapshot it, so replacing it never changes a running run.
 */
import type { WorkflowDefinition, WorkflowRecord } from '../../../core/workflow-types.js';
import type { SqliteConnection } from '../connection.js';

const UPSERT = `
  INSERT INTO workflows (name, definition, updated_at) VALUES (@name, @definition, @now)
  ON CONFLICT (name) DO UPDATE SET definition = excluded.definition, updated_at = excluded.updated_at`;

const LIST = `SELECT name, definition, updated_at FROM workflows ORDER BY name`;
const GET = `SELECT name, definition, updated_at FROM workflows WHERE name = ?`;

interface WorkflowRow {
  name: string;
  definition: string;
  updated_at: number;
}

/** Upserts `definitions` in the caller's transaction. */
export function upsertWorkflows(c: SqliteConnection, now: number, definitions: readonly WorkflowDefinition[]): void {
  const upsert = c.prepare(UPSERT);
  for (const definition of definitions) upsert.run({ name: definition.name, definition: JSON.stringify(definition), now });
}

export function registerWorkflows(c: SqliteConnection, now: number, definitions: readonly WorkflowDefinition[]): void {
  c.write(() => upsertWorkflows(c, now, definitions));
}

export function listWorkflows(c: SqliteConnection): WorkflowRecord[] {
  return (c.prepare(LIST).all() as WorkflowRow[]).map(workflowFromRow);
}

export function getWorkflow(c: SqliteConnection, name: string): WorkflowRecord | null {
  const row = c.prepare(GET).get(name) as WorkflowRow | undefined;
  return row ? workflowFromRow(row) : null;
}

function workflowFromRow(row: WorkflowRow): WorkflowRecord {
  return { name: row.name, definition: JSON.parse(row.definition) as WorkflowDefinition, updatedAt: new Date(row.updated_at) };
}
