import { redactSecrets } from "../util/redact.js";

/** An error as a log line or a span carries it: never the error object (its cause may hold a connection string). */
export interface SerializedError {
  readonly name: string;
  /** The error's `code` (a `ThreadmillError`'s, a driver's `ECONNREFUSED`), when it has one. */
  readonly code?: string;
  /** The message with secrets redacted (`redactSecrets`). */
  readonly message: string;
}

/** `{ name, code, message }` of any thrown value, the message redacted; the cause and stack are left out. */
export function serializeError(error: unknown): SerializedError {
  if (typeof error !== "object" || error === null)
    return { name: "Error", message: redactSecrets(String(error)) };
  const { name, code, message } = error as { name?: unknown; code?: unknown; message?: unknown };
  const text = typeof message === "string" ? message : String(error);
  return {
    name: typeof name === "string" && name !== "" ? name : "Error",
    ...(typeof code === "string" || typeof code === "number" ? { code: String(code) } : {}),
    message: redactSecrets(text),
  };
}
