import type { DagNode } from "./dag-node.js";

/** Input indexes sorted by time; a node without a time keeps the time of the node before it. */
export function orderByTime(nodes: readonly DagNode[]): number[] {
  const keys: number[] = [];
  let last = -Infinity;
  for (const node of nodes) {
    if (node.time !== null) last = node.time;
    keys.push(last);
  }
  return keys.map((_, i) => i).sort((a, b) => keys[a]! - keys[b]! || a - b);
}
