import type { DagBranch } from "./dag-branch.js";
import type { DagNode } from "./dag-node.js";

/**
 * Every branch not yet `covered` (by the active path or an earlier branch), one per uncovered leaf
 * in depth-first document order, each running up to its fork point. Marks what it takes as covered.
 */
export function collectBranches(
  nodes: readonly DagNode[],
  parent: Int32Array,
  childOrder: readonly (readonly number[] | undefined)[],
  covered: Uint8Array,
): DagBranch[] {
  const branches: DagBranch[] = [];
  const dfs: number[] = [];
  for (let i = nodes.length - 1; i >= 0; i--) if (parent[i] === -1) dfs.push(i);
  while (dfs.length > 0) {
    const i = dfs.pop()!;
    const ch = childOrder[i];
    if (ch && ch.length > 0) {
      for (let c = ch.length - 1; c >= 0; c--) dfs.push(ch[c]!);
      continue;
    }
    if (covered[i]) continue;
    const segment: number[] = [];
    let k = i;
    while (k !== -1 && !covered[k]) {
      covered[k] = 1;
      segment.push(k);
      k = parent[k]!;
    }
    segment.reverse();
    branches.push({
      leafId: nodes[i]!.id,
      forkId: k === -1 ? null : nodes[k]!.id,
      nodeIds: segment.map((s) => nodes[s]!.id),
    });
  }
  return branches;
}
