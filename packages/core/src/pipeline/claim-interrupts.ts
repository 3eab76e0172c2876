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
