/** Plans of `EXPLAIN (FORMAT JSON)`, as the PostgreSQL plan tests read them. */
export interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Subplan Name'?: string;
  Filter?: string;
  /** With ANALYZE. */
  'Actual Rows': number;
  'Actual Total Time': number;
  /** With BUFFERS. */
  'Shared Hit Blocks': number;
  'Shared Read Blocks': number;
  Plans?: PlanNode[];
}

/** Every node of a plan, depth first. */
export function planNodes(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(planNodes)];
}

/** The first node, depth first, that `match` accepts; throws when there is none. */
export function findNode(node: PlanNode, match: (node: PlanNode) => boolean): PlanNode {
  const found = planNodes(node).find(match);
  if (!found) throw new Error('plan node not found');
  return found;
}

/** The indexes a plan node and the nodes under it read. */
export function indexesUnder(node: PlanNode): string[] {
  return planNodes(node).flatMap((n) => (n['Index Name'] === undefined ? [] : [n['Index Name']]));
}
