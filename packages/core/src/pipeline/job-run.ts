/** How one claim of a job ended. */
export type RunOutcome = "succeeded" | "failed" | "cancelled" | "released" | "lease-lost";

/** One claim of a job worked by this runner. */
export interface JobRun {
  readonly tenant: string;
  readonly jobId: string;
  readonly epoch: number;
  readonly outcome: RunOutcome;
  /** Units finished (and checkpointed) during this claim. */
  readonly units: number;
  /** Why the job was released or failed, when it was. */
  readonly reason?: "deadline" | "stop" | "signal" | "wait" | "retry" | "error";
}
