import { CancelledError } from "../errors/cancelled-error.js";
import { LeaseLostError } from "../errors/lease-lost-error.js";
import type { Lease } from "../ports/lease.js";
import type { Queue } from "../ports/queue.js";
import { unrefTimer } from "./sleep.js";

/** Options of `createHeartbeat`. */
export interface HeartbeatOptions {
  readonly queue: Queue;
  readonly lease: Lease;
  /** Lease length asked for at each renewal (ms). */
  readonly leaseMs: number;
  /** Renewal period (ms); a third of `leaseMs` leaves two renewals of slack. */
  readonly renewEveryMs: number;
  /** `performance.now()` when the claim that produced `lease` was sent: the lease runs from there. */
  readonly claimedAt: number;
  /** Called once when the lease is lost (superseded, or not renewed in time). */
  readonly onLost: (error: LeaseLostError) => void;
  /** Called once when a renewal reports the job's cancel flag. */
  readonly onCancel: (error: CancelledError) => void;
  /** Called with a renewal that failed for another reason (the store was unreachable); it is retried at the next tick. */
  readonly onError?: (error: unknown) => void;
}

/** A running lease renewal. */
export interface Heartbeat {
  /** The current lease (its `expiresAt` moves with each renewal). */
  readonly lease: Lease;
  /** `performance.now()` after which this worker must consider the lease lost. */
  readonly validUntil: number;
  /** Throws `LeaseLostError` (and reports it) once the lease can no longer be trusted by this worker's clock. */
  assertValid(): void;
  stop(): void;
}

/**
 * Renews a lease on a timer and self-fences: the lease is trusted only until `leaseMs` after the
 * last successful renewal was *sent* (measured on this worker's monotonic clock), so a worker whose
 * event loop was blocked past its lease treats it as lost even before the store says so.
 */
export function createHeartbeat(options: HeartbeatOptions): Heartbeat {
  let lease = options.lease;
  let validUntil = options.claimedAt + options.leaseMs;
  let inFlight = false;
  let stopped = false;
  let lost = false;

  const loseLease = (error: LeaseLostError) => {
    if (lost || stopped) return;
    lost = true;
    clearInterval(timer);
    options.onLost(error);
  };
  const checkClock = () => {
    if (!lost && performance.now() > validUntil) {
      loseLease(new LeaseLostError(lease.jobId, lease.epoch, null));
    }
  };
  const tick = () => {
    checkClock();
    if (lost || stopped || inFlight) return;
    inFlight = true;
    const sentAt = performance.now();
    options.queue.extend(lease, options.leaseMs).then(
      (result) => {
        inFlight = false;
        if (stopped || lost) return;
        lease = result.lease;
        validUntil = Math.max(validUntil, sentAt + options.leaseMs);
        if (result.cancelRequested) options.onCancel(new CancelledError({ jobId: lease.jobId }));
      },
      (error: unknown) => {
        inFlight = false;
        if (stopped) return;
        if (LeaseLostError.isInstance(error)) loseLease(error);
        else options.onError?.(error);
      },
    );
  };
  const timer = setInterval(tick, options.renewEveryMs);
  unrefTimer(timer);

  return {
    get lease() {
      return lease;
    },
    get validUntil() {
      return validUntil;
    },
    assertValid() {
      checkClock();
      if (lost) throw new LeaseLostError(lease.jobId, lease.epoch, null);
    },
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
