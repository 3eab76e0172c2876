const marker = "threadmill.error";
const symbol = Symbol.for(marker);

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
  | "JOB_CONFIGURATION"
  | "PROVIDER";

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
  }

  // The marker isInstance looks for. Each class has its own (a getter, so it lives on the prototype:
  // a spread or JSON copy of an error does not carry it, and `util.inspect` does not show it).
  protected get [symbol]() {
    return true;
  }

  /**
   * `instanceof` that also holds across duplicate copies of the package (two versions installed,
   * ESM and CJS builds side by side, a minified bundle), through a `Symbol.for` marker: class names
   * are not compared, as a minifier renames them. Each subclass checks its own marker the same way.
   */
  static isInstance(error: unknown): error is ThreadmillError {
    return ThreadmillError.hasMarker(error, marker);
  }

  /** Whether `error` carries the `Symbol.for(marker)` marker of some copy of an error class. */
  protected static hasMarker(error: unknown, marker: string): boolean {
    return (
      typeof error === "object" &&
      error !== null &&
      (error as Record<symbol, unknown>)[Symbol.for(marker)] === true
    );
  }
}
