import { ThreadmillError } from "./threadmill-error.js";

const marker = "threadmill.error.RATE_LIMITED";
const symbol = Symbol.for(marker);

/** A call was refused by a rate limit (ours or the provider's); retry after `retryAfterMs`. */
export class RateLimitedError extends ThreadmillError {
  override readonly name = "RateLimitedError";
  readonly code = "RATE_LIMITED";
  override readonly retriable = true;
  readonly retryAfterMs: number;

  protected get [symbol]() {
    return true;
  }

  /** Whether `error` is a RateLimitedError, from any copy of the package. */
  static override isInstance(error: unknown): error is RateLimitedError {
    return ThreadmillError.hasMarker(error, marker);
  }

  constructor(fields: { retryAfterMs: number; limiter?: string; cause?: unknown }) {
    super(
      `[threadmill] rate limited${fields.limiter ? ` by ${fields.limiter}` : ""}; retry in ${fields.retryAfterMs} ms.`,
      { cause: fields.cause },
    );
    this.retryAfterMs = fields.retryAfterMs;
  }
}
