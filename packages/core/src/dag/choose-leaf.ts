import type { DagIssue } from "./dag-issue.js";
import type { DagNode } from "./dag-node.js";

/**
 * The index of the active path's leaf: `current` when it names a node; otherwise (reported into
 * `issues`) the newest leaf by `time`, ties to the later node in input order.
 */
export function chooseLeaf(
  nodes: readonly DagNode[],
  index: ReadonlyMap<string, number>,
  childOrder: readonly (readonly number[] | undefined)[],
  current: string | null | undefined,
  issues: DagIssue[],
): number {
  if (typeof current === "string") {
    const at = index.get(current);
    if (at !== undefined) return at;
    issues.push({
      code: "dangling-current-node",
      message: `current node ${current} does not exist; the newest leaf is used`,
    });
  } else {
    issues.push({ code: "null-current-node", message: "no current node; the newest leaf is used" });
  }
  let leaf = -1;
  let best = -Infinity;
  for (let i = 0; i < nodes.length; i++) {
    if (childOrder[i]?.length) continue;
    const t = nodes[i]!.time ?? -Infinity;
    if (leaf === -1 || t >= best) {
      best = t;
      leaf = i;
    }
  }
  return leaf;
}
