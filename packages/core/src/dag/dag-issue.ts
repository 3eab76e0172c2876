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
