import { createPrng } from "../generator/create-prng.js";
import type { FakeAnswer } from "./answer-message.js";
import type { FakeAnthropicLogEntry } from "./fake-anthropic-log.js";
import { type FakeFault, type FaultQueue, faultError } from "./fake-fault.js";
import { errorReply, type FakeReply } from "./fake-reply.js";
import { type ValidRequest, validateMessageRequest } from "./validate-message-request.js";

/** How a batch request ends. */
export type FakeBatchOutcome = "succeeded" | "errored" | "expired" | "canceled";

/** How the fake's Message Batches behave. */
export interface FakeBatchOptions {
  /** Status polls (`GET /v1/messages/batches/:id`) that answer `in_progress` before one answers `ended`. @default 1 */
  readonly pollsUntilEnded?: number;
  /** Fake-clock time after its creation before a batch may end (and `pollsUntilEnded` is met). @default 0 */
  readonly endAfterMs?: number;
  /** Results in a seeded random order, as the API gives no order. @default true */
  readonly shuffle?: boolean;
  /** Seed of that order. @default 1 */
  readonly seed?: number;
  /** How each request ends; a `"succeeded"` one is answered (batch faults apply). @default () => "succeeded" */
  readonly outcome?: (customId: string, index: number) => FakeBatchOutcome;
}

interface BatchRequest {
  readonly custom_id: string;
  readonly params: unknown;
}

interface Batch {
  readonly id: string;
  readonly serial: number;
  readonly createdAt: number;
  readonly requests: BatchRequest[];
  polls: number;
  cancelAt: number | null;
  endedAt: number | null;
  results: string | null;
  counts: Record<"processing" | FakeBatchOutcome, number>;
}

/** What the batches need from the server: the clock, ids, faults, the answerer, the log and the options. */
export interface FakeBatchesDeps {
  readonly now: () => number;
  readonly url: () => string;
  readonly nextId: (prefix: string) => string;
  readonly faults: FaultQueue;
  readonly answer: (request: ValidRequest, fault: FakeFault | undefined) => FakeAnswer;
  readonly log: (entry: FakeAnthropicLogEntry) => void;
  readonly options: () => FakeBatchOptions;
}

const CUSTOM_ID = /^[a-zA-Z0-9_-]{1,64}$/;
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The fake's Message Batches: create, retrieve (which ends a batch when due), cancel and results. */
export class FakeBatches {
  private readonly batches = new Map<string, Batch>();

  constructor(private readonly deps: FakeBatchesDeps) {}

  /** `POST /v1/messages/batches`; returns the reply and the new batch's id (if one was made). */
  create(body: unknown): { reply: FakeReply; batchId?: string } {
    const requests = (body as { requests?: unknown } | null)?.requests;
    const extra =
      body && typeof body === "object" ? Object.keys(body).find((k) => k !== "requests") : undefined;
    if (extra)
      return { reply: errorReply(400, "invalid_request_error", `${extra}: Extra inputs are not permitted`) };
    if (!Array.isArray(requests) || requests.length === 0 || requests.length > 100_000) {
      return {
        reply: errorReply(400, "invalid_request_error", "requests: 1 to 100,000 requests are required"),
      };
    }
    const seen = new Set<string>();
    for (const [i, r] of (requests as Partial<BatchRequest>[]).entries()) {
      if (typeof r?.custom_id !== "string" || !CUSTOM_ID.test(r.custom_id)) {
        return {
          reply: errorReply(400, "invalid_request_error", `requests.${i}.custom_id: 1-64 of [a-zA-Z0-9_-]`),
        };
      }
      if (seen.has(r.custom_id)) {
        return {
          reply: errorReply(
            400,
            "invalid_request_error",
            `requests.${i}.custom_id: duplicate ${r.custom_id}`,
          ),
        };
      }
      seen.add(r.custom_id);
      if (typeof r.params !== "object" || r.params === null) {
        return { reply: errorReply(400, "invalid_request_error", `requests.${i}.params: Field required`) };
      }
    }
    const batch: Batch = {
      id: this.deps.nextId("msgbatch"),
      serial: this.batches.size,
      createdAt: this.deps.now(),
      requests: requests as BatchRequest[],
      polls: 0,
      cancelAt: null,
      endedAt: null,
      results: null,
      counts: { processing: requests.length, succeeded: 0, errored: 0, expired: 0, canceled: 0 },
    };
    this.batches.set(batch.id, batch);
    return { reply: { status: 200, json: this.view(batch) }, batchId: batch.id };
  }

  /** `GET /v1/messages/batches/:id`: counts a poll and ends the batch when it is due. */
  retrieve(id: string): FakeReply {
    const batch = this.batches.get(id);
    if (!batch) return notFound(id);
    if (batch.endedAt === null) {
      const o = this.deps.options();
      batch.polls++;
      const due =
        batch.polls > (o.pollsUntilEnded ?? 1) && this.deps.now() >= batch.createdAt + (o.endAfterMs ?? 0);
      if (due || batch.cancelAt !== null) this.end(batch);
    }
    return { status: 200, json: this.view(batch) };
  }

  /** `GET /v1/messages/batches`: the newest first, `limit` of them (default 20, at most 1000) after `after_id`. */
  list(query: URLSearchParams): FakeReply {
    const limit = Math.min(1000, Math.max(1, Number(query.get("limit") ?? 20) || 20));
    const all = [...this.batches.values()].reverse();
    const after = query.get("after_id");
    const from = after === null ? 0 : all.findIndex((b) => b.id === after) + 1;
    const rest = from === 0 && after !== null ? [] : all.slice(from);
    const data = rest.slice(0, limit).map((b) => this.view(b));
    return {
      status: 200,
      json: {
        data,
        has_more: rest.length > limit,
        first_id: (data[0]?.id as string | undefined) ?? null,
        last_id: (data.at(-1)?.id as string | undefined) ?? null,
      },
    };
  }

  /** `POST /v1/messages/batches/:id/cancel`: the batch ends, every request canceled, at its next poll. */
  cancel(id: string): FakeReply {
    const batch = this.batches.get(id);
    if (!batch) return notFound(id);
    if (batch.endedAt === null && batch.cancelAt === null) batch.cancelAt = this.deps.now();
    return { status: 200, json: this.view(batch) };
  }

  /** `GET` of a batch's `results_url`: JSONL, one line per request, once it has ended. */
  results(id: string): FakeReply {
    const batch = this.batches.get(id);
    if (!batch) return notFound(id);
    if (batch.results === null) {
      return errorReply(
        404,
        "not_found_error",
        `fake-anthropic: batch ${id} has not ended; its results do not exist yet`,
      );
    }
    return { status: 200, text: batch.results, headers: { "content-type": "application/binary" } };
  }

  private end(batch: Batch): void {
    const o = this.deps.options();
    const lines: string[] = [];
    for (const [index, request] of batch.requests.entries()) {
      const outcome: FakeBatchOutcome =
        batch.cancelAt !== null ? "canceled" : (o.outcome?.(request.custom_id, index) ?? "succeeded");
      let result: Record<string, unknown>;
      if (outcome === "succeeded") {
        result = this.process(batch, request);
      } else if (outcome === "errored") {
        this.logItem(batch, request, { status: 500, result: outcome, errorType: "api_error" });
        result = errored("api_error", "fake-anthropic: errored by the batch outcome knob");
      } else {
        this.logItem(batch, request, { status: 0, result: outcome });
        result = { type: outcome };
      }
      batch.counts[result.type as FakeBatchOutcome]++;
      lines.push(JSON.stringify({ custom_id: request.custom_id, result }));
    }
    if (o.shuffle ?? true) {
      const rng = createPrng((o.seed ?? 1) + batch.serial);
      for (let i = lines.length - 1; i > 0; i--) {
        const j = rng.int(0, i);
        [lines[i], lines[j]] = [lines[j]!, lines[i]!];
      }
    }
    batch.counts.processing = 0;
    batch.results = lines.map((l) => `${l}\n`).join("");
    batch.endedAt = this.deps.now();
  }

  /** Answers one request as `/v1/messages` would; status faults and invalid params make it `errored`. */
  private process(batch: Batch, request: BatchRequest): Record<string, unknown> {
    const valid = validateMessageRequest(request.params);
    if ("problem" in valid) {
      this.logItem(batch, request, {
        status: valid.problem.status,
        result: "errored",
        errorType: valid.problem.type,
      });
      return errored(valid.problem.type, valid.problem.message);
    }
    const fault = this.deps.faults.take();
    const error = faultError(fault);
    if (error) {
      this.logItem(batch, request, { status: error.status, result: "errored", errorType: error.type, fault });
      return errored(error.type, error.message);
    }
    const { message, answered } = this.deps.answer(valid, fault);
    this.logItem(batch, request, {
      status: 200,
      result: "succeeded",
      usage: message.usage,
      stopReason: message.stop_reason,
      answered,
      ...(fault ? { fault } : {}),
    });
    return { type: "succeeded", message };
  }

  private logItem(batch: Batch, request: BatchRequest, fields: Partial<FakeAnthropicLogEntry>): void {
    const model = (request.params as { model?: unknown }).model;
    this.deps.log({
      at: this.deps.now(),
      kind: "batch_item",
      method: "BATCH",
      path: `/v1/messages/batches/${batch.id}`,
      status: 0,
      authorized: true,
      body: request.params,
      batchId: batch.id,
      customId: request.custom_id,
      ...(typeof model === "string" ? { model } : {}),
      ...fields,
    });
  }

  private view(batch: Batch): Record<string, unknown> {
    const ended = batch.endedAt !== null;
    return {
      id: batch.id,
      type: "message_batch",
      processing_status: ended ? "ended" : batch.cancelAt !== null ? "canceling" : "in_progress",
      request_counts: { ...batch.counts },
      ended_at: iso(batch.endedAt),
      created_at: iso(batch.createdAt),
      expires_at: iso(batch.createdAt + 86_400_000),
      archived_at: null,
      cancel_initiated_at: iso(batch.cancelAt),
      results_url: ended ? `${this.deps.url()}/v1/messages/batches/${batch.id}/results` : null,
    };
  }
}

function errored(type: string, message: string): Record<string, unknown> {
  return { type: "errored", error: { type: "error", error: { type, message }, request_id: null } };
}

function notFound(id: string): FakeReply {
  return errorReply(404, "not_found_error", `message_batch: no batch ${JSON.stringify(id)}`);
}
