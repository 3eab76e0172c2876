import type { IncomingMessage, ServerResponse } from "node:http";
import { answerMessage } from "./answer-message.js";
import { countFakeInputTokens } from "./count-fake-tokens.js";
import type { FakeAnthropicLogEntry, FakeRequestKind } from "./fake-anthropic-log.js";
import { type FakeBatchOptions, FakeBatches } from "./fake-batches.js";
import { FaultQueue, faultError } from "./fake-fault.js";
import { FakePromptCache } from "./fake-prompt-cache.js";
import { errorReply, type FakeReply } from "./fake-reply.js";
import { validateCountTokensRequest, validateMessageRequest } from "./validate-message-request.js";

/** A log entry while its request is served. */
type EntryDraft = { -readonly [K in keyof FakeAnthropicLogEntry]?: FakeAnthropicLogEntry[K] };

const MESSAGES_LIMIT = 32 * 1024 * 1024;
const BATCH_LIMIT = 256 * 1024 * 1024;
const BATCH_PATH = /^\/v1\/messages\/batches\/([^/]+)(\/cancel|\/results)?$/;

/**
 * The state and request handling behind `createFakeAnthropic`: authentication, routing, faults,
 * the prompt cache, batches and the log. It holds no socket; `handle` serves one request.
 */
export class FakeAnthropicServer {
  readonly log: FakeAnthropicLogEntry[] = [];
  readonly faults = { messages: new FaultQueue(), batch: new FaultQueue() };
  batchOptions: FakeBatchOptions;
  /** The base URL, once the server listens (for batches' `results_url`). */
  url = "";
  private readonly cache: FakePromptCache;
  private readonly batches: FakeBatches;
  private readonly timers = new Set<{ timer: NodeJS.Timeout; done: () => void }>();
  private serial = 0;

  constructor(
    private readonly now: () => number,
    private readonly apiKey: string | undefined,
    batchOptions: FakeBatchOptions,
  ) {
    this.batchOptions = { ...batchOptions };
    this.cache = new FakePromptCache(now);
    this.batches = new FakeBatches({
      now,
      url: () => this.url,
      nextId: this.nextId,
      faults: this.faults.batch,
      answer: (request, fault) =>
        answerMessage(request, fault, { cache: this.cache, nextId: this.nextId, batch: true }),
      log: (entry) => this.log.push(entry),
      options: () => this.batchOptions,
    });
  }

  /** Ends every pending slow answer at once (their clients are being disconnected). */
  releaseTimers(): void {
    for (const t of [...this.timers]) {
      clearTimeout(t.timer);
      t.done();
    }
  }

  /** Serves one request, logs it, and writes the answer unless the client already went away. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const kind = kindOf(req.method ?? "GET", path);
    const entry: EntryDraft = {
      at: this.now(),
      kind,
      method: req.method ?? "GET",
      path,
      authorized: isAuthorized(req, this.apiKey),
    };
    // A client that gave up (a timeout, an abort) before the answer was written.
    let closed = false;
    res.on("close", () => {
      if (!res.writableFinished) closed = true;
    });
    const gone = () => closed || res.destroyed;
    let reply: FakeReply;
    try {
      reply = await this.serve(kind, req, await readBody(req), entry, gone);
    } catch (error) {
      reply = errorReply(500, "api_error", `fake-anthropic bug: ${(error as Error).message}`);
    }
    if (reply.errorType) entry.errorType = reply.errorType;
    entry.status = gone() ? 499 : reply.status;
    if (entry.status === 499) entry.answered = [];
    this.log.push(entry as FakeAnthropicLogEntry);
    if (gone()) return;
    const requestId = this.nextId("req");
    const headers = { "request-id": requestId, ...reply.headers };
    if (reply.text !== undefined) {
      res.writeHead(reply.status, { "content-type": "text/plain", ...headers });
      res.end(reply.text);
    } else {
      const json = reply.errorType ? { ...(reply.json as object), request_id: requestId } : reply.json;
      res.writeHead(reply.status, { "content-type": "application/json", ...headers });
      res.end(JSON.stringify(json));
    }
  }

  private readonly nextId = (prefix: string) => `${prefix}_fake_${String(++this.serial).padStart(6, "0")}`;

  private async serve(
    kind: FakeRequestKind,
    req: IncomingMessage,
    raw: Buffer,
    entry: EntryDraft,
    gone: () => boolean,
  ): Promise<FakeReply> {
    if (!entry.authorized) return errorReply(401, "authentication_error", "invalid x-api-key");
    if (!req.headers["anthropic-version"]) {
      return errorReply(400, "invalid_request_error", "anthropic-version: header is required");
    }
    if (raw.length > (kind === "batch_create" ? BATCH_LIMIT : MESSAGES_LIMIT)) {
      return errorReply(413, "request_too_large", "Request exceeds the maximum allowed number of bytes.");
    }
    let body: unknown;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString("utf8"));
      } catch {
        return errorReply(
          400,
          "invalid_request_error",
          "There was an error parsing the body of your request.",
        );
      }
      entry.body = body;
      const model = (body as { model?: unknown } | null)?.model;
      if (typeof model === "string") entry.model = model;
    }
    const id = BATCH_PATH.exec(entry.path!)?.[1] ?? "";
    if (kind.startsWith("batch_") && kind !== "batch_create") entry.batchId = id;
    switch (kind) {
      case "messages":
        return this.messages(body, entry, gone);
      case "count_tokens": {
        const problem = validateCountTokensRequest(body);
        if (problem) return errorReply(problem.status, problem.type, problem.message);
        return { status: 200, json: { input_tokens: countFakeInputTokens(body as object) } };
      }
      case "batch_create": {
        const { reply, batchId } = this.batches.create(body);
        if (batchId) entry.batchId = batchId;
        return reply;
      }
      case "batch_retrieve":
        return this.batches.retrieve(id);
      case "batch_cancel":
        return this.batches.cancel(id);
      case "batch_results":
        return this.batches.results(id);
      case "batch_list":
        return this.batches.list(new URL(req.url ?? "/", "http://x").searchParams);
      default:
        return errorReply(404, "not_found_error", `fake-anthropic: no route ${entry.method} ${entry.path}`);
    }
  }

  private async messages(body: unknown, entry: EntryDraft, gone: () => boolean): Promise<FakeReply> {
    const valid = validateMessageRequest(body);
    if ("problem" in valid)
      return errorReply(valid.problem.status, valid.problem.type, valid.problem.message);
    const fault = this.faults.messages.take();
    if (fault) entry.fault = fault;
    const error = faultError(fault);
    if (error) return errorReply(error.status, error.type, error.message, error.headers);
    if (fault?.kind === "slow") await this.sleep(fault.delayMs);
    if (gone()) return { status: 499 };
    const { message, answered } = answerMessage(valid, fault, {
      cache: this.cache,
      nextId: this.nextId,
      batch: false,
    });
    Object.assign(entry, { usage: message.usage, stopReason: message.stop_reason, answered });
    return { status: 200, json: message };
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const entry = {
        timer: setTimeout(() => entry.done(), ms),
        done: () => {
          this.timers.delete(entry);
          resolve();
        },
      };
      this.timers.add(entry);
    });
  }
}

function kindOf(method: string, path: string): FakeRequestKind {
  if (method === "POST" && path === "/v1/messages") return "messages";
  if (method === "POST" && path === "/v1/messages/count_tokens") return "count_tokens";
  if (method === "POST" && path === "/v1/messages/batches") return "batch_create";
  if (method === "GET" && path === "/v1/messages/batches") return "batch_list";
  const m = BATCH_PATH.exec(path);
  if (m && method === "GET" && !m[2]) return "batch_retrieve";
  if (m && method === "POST" && m[2] === "/cancel") return "batch_cancel";
  if (m && method === "GET" && m[2] === "/results") return "batch_results";
  return "other";
}

// SDK 1.12 sends an API key as `Authorization: Bearer <key>`; the API also takes `x-api-key`.
function isAuthorized(req: IncomingMessage, apiKey: string | undefined): boolean {
  const header = req.headers["x-api-key"];
  const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
  const key = typeof header === "string" && header !== "" ? header : bearer;
  return key !== undefined && key !== "" && (apiKey === undefined || key === apiKey);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
