import type { FakeUsage } from "./answer-message.js";
import type { FakeFault } from "./fake-fault.js";

/** Which endpoint a log entry is about; `batch_item` is one request of a batch, processed as it ends. */
export type FakeRequestKind =
  | "messages"
  | "count_tokens"
  | "batch_create"
  | "batch_retrieve"
  | "batch_cancel"
  | "batch_results"
  | "batch_list"
  | "batch_item"
  | "other";

/**
 * One request the fake served (or one batch item it processed). It holds no header, so never the
 * API key: only whether the request was `authorized`.
 */
export interface FakeAnthropicLogEntry {
  /** The fake's clock when the request arrived (epoch ms). */
  readonly at: number;
  readonly kind: FakeRequestKind;
  /** The HTTP method (`"BATCH"` for a batch item). */
  readonly method: string;
  /** The URL path without its query (a batch item: its batch's path). */
  readonly path: string;
  /**
   * The status answered; 499 when the client went away before a slow answer was written. A batch
   * item: 200 succeeded, its error status when errored, 0 when expired or canceled.
   */
  readonly status: number;
  readonly authorized: boolean;
  /** The API error type of an error answer (or of an errored batch item). */
  readonly errorType?: string;
  readonly model?: string;
  /** The parsed request JSON (a batch item: its `params`). */
  readonly body?: unknown;
  readonly usage?: FakeUsage;
  readonly stopReason?: string;
  /** The injected fault this request consumed. */
  readonly fault?: FakeFault;
  readonly batchId?: string;
  readonly customId?: string;
  /** A batch item's result type. */
  readonly result?: "succeeded" | "errored" | "expired" | "canceled";
  /** User message ids a complete answer (stop_reason `tool_use`, valid input) covered. */
  readonly answered?: readonly string[];
}
