const MARKER = Symbol.for("threadmill.error");

/** Every stable error code threadmill throws; one per error class. */
export type ThreadmillErrorCode =
  | "EXPORT_FORMAT"
  | "CONFLICT"
  | "LEASE_LOST"
  | "BUDGET_EXCEEDED"
  | "RATE_LIMITED"
  | "CANCELLED"
  | "STORAGE"
  | "STORE_LOCKED"
  | "JOB_CONFIGURATION";

/**
 * Base class of every error threadmill throws: a stable `code`, a `name` equal to the class name,
 * structured fields on the subclasses, and the underlying `cause` when there is one.
 */
export abstract class ThreadmillError extends Error {
  abstract override readonly name: string;
  abstract readonly code: ThreadmillErrorCode;
  /** Whether retrying the same operation may succeed. Subclasses override. */
  readonly retriable: boolean = false;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    Object.defineProperty(this, MARKER, { value: true, enumerable: false });
  }

  /**
   * `instanceof` that also holds across duplicate copies of the package (two versions installed,
   * or ESM and CJS builds loaded side by side), through a `Symbol.for` marker. On a subclass it
   * also checks the `name`, so `LeaseLostError.isInstance(err)` is true only for lease losses.
   */
  static isInstance<T extends ThreadmillError>(
    this: abstract new (
      ...args: never[]
    ) => T,
    value: unknown,
  ): value is T {
    if (typeof value !== "object" || value === null || (value as Record<symbol, unknown>)[MARKER] !== true) {
      return false;
    }
    if ((this as unknown) === ThreadmillError) return true;
    return (value as { name?: unknown }).name === this.name;
  }
}
