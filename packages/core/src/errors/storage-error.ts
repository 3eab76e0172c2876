import { redactSecrets } from "../util/redact.js";
import { ThreadmillError } from "./threadmill-error.js";

const marker = "threadmill.error.STORAGE";
const symbol = Symbol.for(marker);

/** Which adapter a storage failure came from. */
export type StorageAdapterName =
  | "memory"
  | "redis"
  | "postgres"
  | "pglite"
  | "supabase-storage"
  | "http"
  | "file";

/**
 * A driver or service failure, wrapped with the adapter's name. Retriable unless the adapter says
 * otherwise. The message never carries a password, token or signed URL.
 */
export class StorageError extends ThreadmillError {
  override readonly name = "StorageError";
  readonly code = "STORAGE";
  override readonly retriable: boolean;
  readonly adapter: StorageAdapterName;

  protected get [symbol]() {
    return true;
  }

  /** Whether `error` is a StorageError, from any copy of the package. */
  static override isInstance(error: unknown): error is StorageError {
    return ThreadmillError.hasMarker(error, marker);
  }

  constructor(fields: {
    adapter: StorageAdapterName;
    operation?: string;
    cause?: unknown;
    retriable?: boolean;
    message?: string;
  }) {
    const detail =
      fields.message ??
      (fields.cause instanceof Error
        ? fields.cause.message
        : fields.cause === undefined
          ? ""
          : String(fields.cause));
    super(
      redactSecrets(
        `[threadmill] [${fields.adapter}] ${fields.operation ? `${fields.operation} failed` : "storage failure"}${detail ? `: ${detail}` : ""}`,
      ),
      { cause: fields.cause },
    );
    this.adapter = fields.adapter;
    this.retriable = fields.retriable ?? true;
  }
}
