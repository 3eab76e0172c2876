import { breakCycles } from "./break-cycles.js";
import { chooseLeaf } from "./choose-leaf.js";
import { collectBranches } from "./collect-branches.js";
import type { DagBranch } from "./dag-branch.js";
import type { DagIssue } from "./dag-issue.js";
import type { DagNode } from "./dag-node.js";
import { deriveParents } from "./derive-parents.js";
import { orderByTime } from "./order-by-time.js";
import { orderChildren } from "./order-children.js";

// The shapes walkDag reads and returns, importable beside it.
export type { DagBranch, DagIssue, DagNode };

/** Options of `walkDag`. */
export interface DagWalkerOptions {
  /** Where the active branch ends (ChatGPT `current_node`, Claude `current_leaf_message_uuid`). */
  readonly current?: string | null | undefined;
  /** Also return every other branch. @default false */
  readonly branches?: boolean;
}

/** What `walkDag` returns. */
export interface DagWalk {
  /** The active path, root first. */
  readonly path: string[];
  /** Every other branch (only with `branches: true`), in depth-first document order. */
  readonly branches: DagBranch[];
  readonly issues: DagIssue[];
  /** The resolved parent of a node (after derivation from `children` and cycle breaking). */
  parentOf(id: string): string | null;
}

/**
 * Walks a conversation graph iteratively (never recursively, so 100,000-deep threads are fine): the
 * active path ends at `current` and runs up through parents (also derived from `children`); when
 * `current` is null or dangling, from the newest leaf by `time` (ties to the later node in input
 * order); with no links at all, every node by `time`. Survives cycles (broken and reported), dangling
 * links, several roots and orphans. With `branches: true` every node lands on exactly one branch.
 * @example
 * const { path } = walkDag(nodes, { current: conversation.current_node });
 */
export function walkDag(nodes: readonly DagNode[], options: DagWalkerOptions = {}): DagWalk {
  const n = nodes.length;
  const issues: DagIssue[] = [];
  // The first node with an id wins it.
  const index = new Map<string, number>();
  for (let i = 0; i < n; i++) if (!index.has(nodes[i]!.id)) index.set(nodes[i]!.id, i);

  const { parent, hasLinks, selfLoops } = deriveParents(nodes, index, issues);
  if (!hasLinks) {
    if (n > 1)
      issues.push({
        code: "no-links",
        message: "no parent or children links; every node ordered by creation time",
      });
    const path = orderByTime(nodes).map((i) => nodes[i]!.id);
    return { path, branches: [], issues, parentOf: () => null };
  }

  const childOrder = orderChildren(nodes, index, parent);
  // Roots are counted before cycles are cut: a cut cycle is reported as a cycle, not a root.
  let rootCount = 0;
  for (let i = 0; i < n; i++) if (parent[i] === -1) rootCount++;
  const cycles = selfLoops + breakCycles(parent, childOrder);
  if (cycles > 0) issues.push({ code: "cycle", message: `${cycles} cycle(s) in parent links broken` });
  if (rootCount > 1)
    issues.push({ code: "multiple-roots", message: `${rootCount} roots (orphans or several threads)` });

  const leaf = chooseLeaf(nodes, index, childOrder, options.current, issues);
  // Nodes already on the active path or a branch, so each lands on exactly one.
  const covered = new Uint8Array(n);
  const path = activePath(leaf, parent, covered);
  const branches = options.branches && n > 0 ? collectBranches(nodes, parent, childOrder, covered) : [];

  return {
    path: path.map((i) => nodes[i]!.id),
    branches,
    issues,
    parentOf(id) {
      const i = index.get(id);
      if (i === undefined) return null;
      const p = parent[i]!;
      return p === -1 ? null : nodes[p]!.id;
    },
  };
}

/** The leaf and its ancestors, root first, each marked `covered`. */
function activePath(leaf: number, parent: Int32Array, covered: Uint8Array): number[] {
  const path: number[] = [];
  for (let k = leaf; k !== -1 && !covered[k]; k = parent[k]!) {
    covered[k] = 1;
    path.push(k);
  }
  return path.reverse();
}
