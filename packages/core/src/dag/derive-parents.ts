import type { DagIssue } from "./dag-issue.js";
import type { DagNode } from "./dag-node.js";

/** Each node's parent as an index into the input (`-1` for a root), with what the links told us. */
export interface DerivedParents {
  readonly parent: Int32Array;
  /** Whether any node had a `parent` or a non-empty `children`. */
  readonly hasLinks: boolean;
  /** Nodes naming themselves as parent; each counts as a broken cycle. */
  readonly selfLoops: number;
}

/**
 * Resolves every node's parent: its own `parent` first, else the node whose `children` list it
 * (the first such). Reports dangling parents and children and conflicting links into `issues`.
 */
export function deriveParents(
  nodes: readonly DagNode[],
  index: ReadonlyMap<string, number>,
  issues: DagIssue[],
): DerivedParents {
  const n = nodes.length;
  const parent = new Int32Array(n).fill(-1);
  // 1: from the node's own `parent`; 2: from a `children` list.
  const explicit = new Uint8Array(n);
  let hasLinks = false;
  let dangling = 0;
  let danglingChildren = 0;
  let conflicts = 0;
  let selfLoops = 0;

  for (let i = 0; i < n; i++) {
    const p = nodes[i]!.parent;
    if (typeof p !== "string") continue;
    hasLinks = true;
    const j = index.get(p);
    if (j === undefined) dangling++;
    else if (j === i) selfLoops++;
    else {
      parent[i] = j;
      explicit[i] = 1;
    }
  }
  for (let i = 0; i < n; i++) {
    const ch = nodes[i]!.children;
    if (!Array.isArray(ch) || ch.length === 0) continue;
    hasLinks = true;
    for (const c of ch) {
      const j = index.get(c);
      if (j === undefined) {
        danglingChildren++;
        continue;
      }
      if (j === i) continue;
      if (parent[j] === -1 && !explicit[j]) {
        parent[j] = i;
        explicit[j] = 2;
      } else if (parent[j] !== i) {
        conflicts++;
      }
    }
  }
  if (dangling > 0) {
    issues.push({
      code: "dangling-parent",
      message: `${dangling} node(s) name a parent that does not exist; read as roots`,
    });
  }
  if (danglingChildren > 0) {
    issues.push({
      code: "dangling-child",
      message: `${danglingChildren} child link(s) name a node that does not exist; ignored`,
    });
  }
  if (conflicts > 0) {
    issues.push({
      code: "link-conflict",
      message: `${conflicts} node(s) listed as a child of a node other than their parent; the parent link wins`,
    });
  }
  return { parent, hasLinks, selfLoops };
}
