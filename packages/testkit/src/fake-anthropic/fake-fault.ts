/**
 * A fault the fake injects in place of its real answer. Status faults answer an error (as
 * `errored` results in a batch); the others answer 200 with a broken message; `slow` delays the
 * real answer (it has no effect on a batch item).
 */
export type FakeFault =
  | { readonly kind: "rate_limit"; readonly retryAfterS: number }
  | { readonly kind: "overloaded" }
  | { readonly kind: "server" }
  | { readonly kind: "max_tokens" }
  | { readonly kind: "invalid" }
  | { readonly kind: "refusal" }
  | { readonly kind: "slow"; readonly delayMs: number }
  | { readonly kind: "text" };

/** The error a status fault answers: its HTTP status, API error type, message and headers. */
export interface FaultError {
  readonly status: 429 | 500 | 529;
  readonly type: "rate_limit_error" | "api_error" | "overloaded_error";
  readonly message: string;
  readonly headers: Record<string, string>;
}

/** The error `fault` answers, or `null` when it answers 200. */
export function faultError(fault: FakeFault | undefined): FaultError | null {
  switch (fault?.kind) {
    case "rate_limit":
      return {
        status: 429,
        type: "rate_limit_error",
        message: "Number of request tokens has exceeded your per-minute rate limit (fake-anthropic fault).",
        headers: { "retry-after": String(fault.retryAfterS) },
      };
    case "overloaded":
      return {
        status: 529,
        type: "overloaded_error",
        message: "Overloaded (fake-anthropic fault).",
        headers: {},
      };
    case "server":
      return {
        status: 500,
        type: "api_error",
        message: "Internal server error (fake-anthropic fault).",
        headers: {},
      };
    default:
      return null;
  }
}

/** Faults waiting for the next requests, first in first out: `add(3, f)` fails the next three. */
export class FaultQueue {
  private readonly queue: { fault: FakeFault; left: number }[] = [];

  /** Queues `fault` for the next `count` requests, after any queued before. */
  add(count: number, fault: FakeFault): void {
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`fail(count): ${count} is not a count`);
    if (count > 0) this.queue.push({ fault, left: count });
  }

  /** The fault for this request, if one is queued (consumed). */
  take(): FakeFault | undefined {
    const head = this.queue[0];
    if (!head) return undefined;
    if (--head.left === 0) this.queue.shift();
    return head.fault;
  }

  /** How many requests are still to fail. */
  get pending(): number {
    return this.queue.reduce((n, q) => n + q.left, 0);
  }

  /** Drops every queued fault. */
  clear(): void {
    this.queue.length = 0;
  }
}
