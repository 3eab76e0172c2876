import { ThreadmillError } from "./threadmill-error.js";

/** A call was refused by a rate limit (ours or the provider's); retry after `retryAfterMs`. */
export class RateLimitedError extends ThreadmillError {
  override readonly name = "RateLimitedError";
  readonly code = "RATE_LIMITED";
  override readonly retriable = true;
  readonly retryAfterMs: number;

  constructor(fields: { retryAfterMs: number; limiter?: string; cause?: unknown }) {
    super(
      `[threadmill] rate limited${fields.limiter ? ` by ${fields.limiter}` : ""}; retry in ${fields.retryAfterMs} ms.`,
      { cause: fields.cause },
    );
    this.retryAfterMs = fields.retryAfterMs;
  }
}
