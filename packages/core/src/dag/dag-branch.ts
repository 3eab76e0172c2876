/** A branch other than the active one: the nodes after its fork point, root-most first. */
export interface DagBranch {
  /** The branch's leaf. */
  readonly leafId: string;
  /** The last node it shares with the active path or an earlier branch; `null` when it shares none. */
  readonly forkId: string | null;
  readonly nodeIds: string[];
}
