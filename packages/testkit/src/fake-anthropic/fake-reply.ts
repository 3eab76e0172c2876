/** An HTTP answer of the fake, before it is written: a JSON value or raw text, with extra headers. */
export interface FakeReply {
  readonly status: number;
  readonly json?: unknown;
  readonly text?: string;
  readonly headers?: Record<string, string>;
  /** The API error type, when `status` is an error. */
  readonly errorType?: string;
}

/** An error answer in the API's shape: `{ type: "error", error: { type, message }, request_id }`. */
export function errorReply(
  status: number,
  type: string,
  message: string,
  headers: Record<string, string> = {},
): FakeReply {
  return { status, json: { type: "error", error: { type, message } }, headers, errorType: type };
}
