import { assertCheckpoint, type Checkpoint, type CheckpointStore, type Lease } from "@threadmill/core";
import { assertOpen, clone, fence, type MemoryState } from "./memory-state.js";

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
      assertCheckpoint(checkpoint, "memory");
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
