import { ThreadmillError } from "./threadmill-error.js";

const marker = "threadmill.error.STORE_LOCKED";
const symbol = Symbol.for(marker);

/**
 * An embedded store (a PGlite directory) is already open in another live process; only one process
 * may open it at a time. Carries the owner's pid. The CLI maps it to exit code 2.
 */
export class StoreLockedError extends ThreadmillError {
  override readonly name = "StoreLockedError";
  readonly code = "STORE_LOCKED";
  /** The store's directory. */
  readonly path: string;
  /** Pid of the live process that holds the store. */
  readonly ownerPid: number;

  protected get [symbol]() {
    return true;
  }

  /** Whether `error` is a StoreLockedError, from any copy of the package. */
  static override isInstance(error: unknown): error is StoreLockedError {
    return ThreadmillError.hasMarker(error, marker);
  }

  constructor(fields: { path: string; ownerPid: number }) {
    super(
      `[threadmill] the store ${fields.path} is in use by process ${fields.ownerPid}; wait for it to finish, or use a postgres:// or redis:// store to run several processes at once.`,
    );
    this.path = fields.path;
    this.ownerPid = fields.ownerPid;
  }
}
