import { CancelledError } from "../errors/cancelled-error.js";

/** What interrupted a claim without error. */
export type InterruptReason = "deadline" | "stop" | "signal" | "wait";

/** Why a claim was interrupted without error: it releases the job (due at `runAt`, this worker's clock, when given). */
export class Interrupt extends Error {
  override readonly name = "Interrupt";
  constructor(
    readonly reason: InterruptReason,
    readonly runAt?: number,
  ) {
    super(`[threadmill] interrupted: ${reason}`);
  }
}

/** A retriable failure that must wait longer than this claim may: release with this delay. */
export class RetryLater extends Error {
  override readonly name = "RetryLater";
  constructor(
    readonly delayMs: number,
    readonly error: unknown,
  ) {
    super("[threadmill] retry later");
  }
}

/**
 * The failure a claim (or one of its stages or units) ended with, as telemetry and logs report it:
 * the abort reason when the claim's signal aborted, unwrapped from `RetryLater`; `undefined` for an
 * interrupt or a cancel, which are not failures.
 */
export function failureOf(signal: AbortSignal, thrown: unknown): unknown {
  const cause = signal.aborted ? signal.reason : thrown;
  if (cause instanceof Interrupt || CancelledError.isInstance(cause)) return undefined;
  return cause instanceof RetryLater ? cause.error : cause;
}
