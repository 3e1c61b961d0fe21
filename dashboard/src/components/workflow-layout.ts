/**
 * Where each step of a workflow graph is drawn: left to right in topological layers (a
 * step's layer is the longest path from a root, so every edge points right), steps in a
 * layer ordered by the mean position of their parents (a barycenter pass, which removes most
 * crossings of ordinary DAGs), and each edge as a curve from a parent's right side to its
 * dependant's left. Pure: the graph component only renders what this returns.
 */

export const NODE_WIDTH = 188;
export const NODE_HEIGHT = 68;
const GAP_X = 76;
const GAP_Y = 22;
const PADDING = 8;

export interface LayoutInput {
  name: string;
  /** Parent step names, as in `dependsOn`. */
  parents: readonly string[];
}

export interface PlacedNode {
  name: string;
  layer: number;
  x: number;
  y: number;
}

export interface PlacedEdge {
  from: string;
  to: string;
  /** The SVG path of the curve. */
  path: string;
  /** Where a label sits: the curve's middle. */
  labelX: number;
  labelY: number;
}

export interface GraphLayout {
  nodes: PlacedNode[];
  edges: PlacedEdge[];
  width: number;
  height: number;
}

/** Each step's layer: 0 for roots, else one more than its deepest parent (unknown parents and cycles ignored). */
export function layersOf(steps: readonly LayoutInput[]): Map<string, number> {
  const byName = new Map(steps.map((step) => [step.name, step]));
  const layers = new Map<string, number>();
  const visiting = new Set<string>();
  const layerOf = (name: string): number => {
    const known = layers.get(name);
    if (known !== undefined) return known;
    if (visiting.has(name)) return 0; // a cycle: stored definitions have none, but never loop
    visiting.add(name);
    const parents = (byName.get(name)?.parents ?? []).filter((parent) => byName.has(parent));
    const layer = parents.length === 0 ? 0 : 1 + Math.max(...parents.map(layerOf));
    visiting.delete(name);
    layers.set(name, layer);
    return layer;
  };
  for (const step of steps) layerOf(step.name);
  return layers;
}

/** The steps of each layer, in drawing order: by their parents' mean row, ties in definition order. */
function orderLayers(steps: readonly LayoutInput[], layers: Map<string, number>): string[][] {
  const columns: string[][] = [];
  for (const step of steps) (columns[layers.get(step.name)!] ??= []).push(step.name);
  const parentsOf = new Map(steps.map((step) => [step.name, step.parents]));
  const declared = new Map(steps.map((step, index) => [step.name, index]));
  const row = new Map<string, number>();
  for (const column of columns) {
    const center = (name: string): number => {
      const rows = (parentsOf.get(name) ?? []).map((parent) => row.get(parent)).filter((r): r is number => r !== undefined);
      return rows.length === 0 ? declared.get(name)! : rows.reduce((a, b) => a + b, 0) / rows.length;
    };
    const centers = new Map(column.map((name) => [name, center(name)]));
    column.sort((a, b) => centers.get(a)! - centers.get(b)! || declared.get(a)! - declared.get(b)!);
    // Rows are centred like the drawing, so a single child sits level with its parents.
    column.forEach((name, index) => row.set(name, index - (column.length - 1) / 2));
  }
  return columns;
}

function curve(x1: number, y1: number, x2: number, y2: number): string {
  const bend = Math.max(24, (x2 - x1) / 2);
  return `M ${x1} ${y1} C ${x1 + bend} ${y1}, ${x2 - bend} ${y2}, ${x2} ${y2}`;
}

/** Positions for every step and edge of the graph, and the drawing's size. */
export function layoutGraph(steps: readonly LayoutInput[]): GraphLayout {
  const layers = layersOf(steps);
  const columns = orderLayers(steps, layers);
  const tallest = Math.max(1, ...columns.map((column) => column.length));
  const height = tallest * NODE_HEIGHT + (tallest - 1) * GAP_Y + 2 * PADDING;
  const nodes: PlacedNode[] = [];
  columns.forEach((column, layer) => {
    const top = (height - (column.length * NODE_HEIGHT + (column.length - 1) * GAP_Y)) / 2;
    column.forEach((name, index) => nodes.push({ name, layer, x: PADDING + layer * (NODE_WIDTH + GAP_X), y: top + index * (NODE_HEIGHT + GAP_Y) }));
  });
  const at = new Map(nodes.map((node) => [node.name, node]));
  const edges: PlacedEdge[] = [];
  for (const step of steps) {
    const to = at.get(step.name)!;
    for (const parent of step.parents) {
      const from = at.get(parent);
      if (!from) continue;
      const [x1, y1, x2, y2] = [from.x + NODE_WIDTH, from.y + NODE_HEIGHT / 2, to.x, to.y + NODE_HEIGHT / 2];
      edges.push({ from: parent, to: step.name, path: curve(x1, y1, x2, y2), labelX: (x1 + x2) / 2, labelY: (y1 + y2) / 2 });
    }
  }
  const width = columns.length * NODE_WIDTH + Math.max(0, columns.length - 1) * GAP_X + 2 * PADDING;
  return { nodes, edges, width, height };
}
