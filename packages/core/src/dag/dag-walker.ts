/** One node of a conversation graph, as `walkDag` reads it. */
export interface DagNode {
  readonly id: string;
  /** The parent's id; `null` or absent for a root (or when only `children` link the nodes). */
  readonly parent?: string | null | undefined;
  /** Child ids; parents are also derived from these when a node has no `parent`. */
  readonly children?: readonly string[] | undefined;
  /** Creation time in epoch ms, or `null` when unknown. */
  readonly time: number | null;
}

/** Options of `walkDag`. */
export interface DagWalkerOptions {
  /** Where the active branch ends (ChatGPT `current_node`, Claude `current_leaf_message_uuid`). */
  readonly current?: string | null | undefined;
  /** Also return every other branch. @default false */
  readonly branches?: boolean;
}

/** A repair or fallback `walkDag` made; the reader reports each as a `ParseIssue`. */
export interface DagIssue {
  readonly code:
    | "null-current-node"
    | "dangling-current-node"
    | "dangling-parent"
    | "dangling-child"
    | "link-conflict"
    | "cycle"
    | "multiple-roots"
    | "no-links";
  readonly message: string;
}

/** A branch other than the active one: the nodes after its fork point, root-most first. */
export interface DagBranch {
  /** The branch's leaf. */
  readonly leafId: string;
  /** The last node it shares with the active path or an earlier branch; `null` when it shares none. */
  readonly forkId: string | null;
  readonly nodeIds: string[];
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
  const index = new Map<string, number>();
  for (let i = 0; i < n; i++) if (!index.has(nodes[i]!.id)) index.set(nodes[i]!.id, i);
  const parent = new Int32Array(n).fill(-1);
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
  const childOrder: number[][] = new Array(n);
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

  if (!hasLinks) {
    const order = byTime(nodes);
    if (n > 1)
      issues.push({
        code: "no-links",
        message: "no parent or children links; every node ordered by creation time",
      });
    const path = order.map((i) => nodes[i]!.id);
    return { path, branches: [], issues, parentOf: () => null };
  }

  // Children lists: the parent's own `children` order first, then the rest in input order.
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

  let rootCount = 0;
  for (let i = 0; i < n; i++) if (parent[i] === -1) rootCount++;

  // Break cycles: nodes unreachable from a root sit on (or hang off) a cycle.
  const reached = new Uint8Array(n);
  const stack: number[] = [];
  const reach = (from: number) => {
    stack.push(from);
    reached[from] = 1;
    while (stack.length > 0) {
      const i = stack.pop()!;
      const ch = childOrder[i];
      if (!ch) continue;
      for (const c of ch) {
        if (!reached[c]) {
          reached[c] = 1;
          stack.push(c);
        }
      }
    }
  };
  for (let i = 0; i < n; i++) if (parent[i] === -1 && !reached[i]) reach(i);
  let cycles = selfLoops;
  const seen = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    if (reached[i]) continue;
    let k = i;
    while (parent[k] !== -1 && seen[k] !== i && !reached[k]) {
      seen[k] = i;
      k = parent[k]!;
    }
    if (!reached[k]) {
      // k is on a cycle (or a root); cut it from its parent and hang the cycle from it.
      const p = parent[k]!;
      if (p !== -1) {
        const list = childOrder[p]!;
        list.splice(list.indexOf(k), 1);
        parent[k] = -1;
        cycles++;
      }
      reach(k);
    }
  }
  if (cycles > 0) issues.push({ code: "cycle", message: `${cycles} cycle(s) in parent links broken` });
  if (rootCount > 1)
    issues.push({ code: "multiple-roots", message: `${rootCount} roots (orphans or several threads)` });

  let leaf = -1;
  const current = options.current;
  if (typeof current === "string" && index.has(current)) {
    leaf = index.get(current)!;
  } else {
    if (typeof current === "string") {
      issues.push({
        code: "dangling-current-node",
        message: `current node ${current} does not exist; the newest leaf is used`,
      });
    } else {
      issues.push({ code: "null-current-node", message: "no current node; the newest leaf is used" });
    }
    let best = -Infinity;
    for (let i = 0; i < n; i++) {
      if (childOrder[i]?.length) continue;
      const t = nodes[i]!.time ?? -Infinity;
      if (leaf === -1 || t >= best) {
        best = t;
        leaf = i;
      }
    }
  }

  const path: number[] = [];
  const covered = new Uint8Array(n);
  for (let k = leaf; k !== -1 && !covered[k]; k = parent[k]!) {
    covered[k] = 1;
    path.push(k);
  }
  path.reverse();

  const branches: DagBranch[] = [];
  if (options.branches && n > 0) {
    const dfs: number[] = [];
    for (let i = n - 1; i >= 0; i--) if (parent[i] === -1) dfs.push(i);
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
  }

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

/** Input order sorted by time; a node without a time keeps the time of the node before it. */
function byTime(nodes: readonly DagNode[]): number[] {
  const keys: number[] = [];
  let last = -Infinity;
  for (const node of nodes) {
    if (node.time !== null) last = node.time;
    keys.push(last);
  }
  return keys.map((_, i) => i).sort((a, b) => keys[a]! - keys[b]! || a - b);
}

function addChild(childOrder: number[][], parent: number, child: number): void {
  const list = childOrder[parent];
  if (list) list.push(child);
  else childOrder[parent] = [child];
}
