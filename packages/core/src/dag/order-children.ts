import type { DagNode } from "./dag-node.js";

/**
 * Each node's children as indexes (a hole for a node without any): the parent's own `children`
 * order first, then the rest in input order.
 */
export function orderChildren(
  nodes: readonly DagNode[],
  index: ReadonlyMap<string, number>,
  parent: Int32Array,
): number[][] {
  const n = nodes.length;
  const childOrder: number[][] = new Array(n);
  const placed = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const ch = nodes[i]!.children;
    if (!Array.isArray(ch)) continue;
    for (const c of ch) {
      const j = index.get(c);
      if (j !== undefined && parent[j] === i && !placed[j]) {
        placed[j] = 1;
        addChild(childOrder, i, j);
      }
    }
  }
  for (let j = 0; j < n; j++) {
    const p = parent[j]!;
    if (p !== -1 && !placed[j]) {
      placed[j] = 1;
      addChild(childOrder, p, j);
    }
  }
  return childOrder;
}

function addChild(childOrder: number[][], parent: number, child: number): void {
  const list = childOrder[parent];
  if (list) list.push(child);
  else childOrder[parent] = [child];
}
