/**
 * Stored workflow definitions: workflowRegister (an upsert of many in one statement, also
 * run inside workflowStart's transaction), workflowList and workflowGet. Definitions are
 * checked by the client before they reach the store. Same module as the SQLite engine's.
 */
import type { WorkflowDefinition, WorkflowRecord } from '../../../core/workflow-types.js';
import type { PgContext } from '../context.js';
import type { Queryable } from '../pool.js';
import { storableJson } from '../rows.js';

const upsertSql = (s: string): string => `
  INSERT INTO ${s}.workflows (name, definition, updated_at)
  SELECT d ->> 'name', d, statement_timestamp() FROM jsonb_array_elements($1::jsonb) AS d
  ON CONFLICT (name) DO UPDATE SET definition = excluded.definition, updated_at = excluded.updated_at`;

const listSql = (s: string): string => `SELECT name, definition, updated_at FROM ${s}.workflows ORDER BY name COLLATE "C"`;
const getSql = (s: string): string => `SELECT name, definition, updated_at FROM ${s}.workflows WHERE name = $1`;

interface DefinitionRow {
  name: string;
  definition: WorkflowDefinition;
  updated_at: Date;
}

/** Stores (or replaces) `definitions` by name on `client`; a name given twice keeps the last. */
export async function upsertDefinitions(ctx: PgContext, client: Queryable, definitions: readonly WorkflowDefinition[]): Promise<void> {
  if (definitions.length === 0) return;
  // ON CONFLICT may not touch one row twice in a statement: the last definition of a name wins.
  const latest = [...new Map(definitions.map((definition) => [definition.name, definition])).values()];
  await client.query(upsertSql(ctx.s), [storableJson(latest)]);
}

export async function registerWorkflows(ctx: PgContext, definitions: readonly WorkflowDefinition[]): Promise<void> {
  await upsertDefinitions(ctx, { query: async (text, values) => ({ rows: await ctx.db.rows({ text, values }) }) }, definitions);
}

export async function listWorkflows(ctx: PgContext): Promise<WorkflowRecord[]> {
  return (await ctx.db.rows<DefinitionRow>({ text: listSql(ctx.s) })).map(recordOf);
}

export async function getWorkflow(ctx: PgContext, name: string): Promise<WorkflowRecord | null> {
  const [row] = await ctx.db.rows<DefinitionRow>({ text: getSql(ctx.s), values: [name] });
  return row ? recordOf(row) : null;
}

function recordOf(row: DefinitionRow): WorkflowRecord {
  return { name: row.name, definition: row.definition, updatedAt: row.updated_at };
}
