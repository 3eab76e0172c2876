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
