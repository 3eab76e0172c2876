import type { Checkpoint, CheckpointStore, Lease } from "@threadmill/core";
import { assertOpen, clone, fence, type MemoryState } from "./memory-state.js";

function validateCheckpoint(checkpoint: Checkpoint): void {
  if (
    typeof checkpoint !== "object" ||
    checkpoint === null ||
    typeof checkpoint.stage !== "string" ||
    typeof checkpoint.cursors !== "object" ||
    checkpoint.cursors === null ||
    !Array.isArray(checkpoint.completed) ||
    typeof checkpoint.counts !== "object" ||
    checkpoint.counts === null
  ) {
    throw new TypeError("[threadmill] [memory] a checkpoint needs stage, cursors, completed and counts");
  }
}

/** The CheckpointStore port over a memory state. */
export function createMemoryCheckpointStore(state: MemoryState): CheckpointStore {
  return {
    async load(tenant: string, jobId: string): Promise<Checkpoint | null> {
      assertOpen(state, "checkpoints.load");
      const checkpoint = state.tenants.get(tenant)?.checkpoints.get(jobId);
      return checkpoint ? clone(checkpoint) : null;
    },

    async save(lease: Lease, checkpoint: Checkpoint): Promise<void> {
      assertOpen(state, "checkpoints.save");
      validateCheckpoint(checkpoint);
      const copy = clone(checkpoint);
      const job = fence(state, lease);
      state.tenants.get(lease.tenant)!.checkpoints.set(job.id, copy);
      job.stage = copy.stage;
      job.counts = clone(copy.counts);
      job.attempts = 0;
      job.updatedAt = state.now();
    },
  };
}
