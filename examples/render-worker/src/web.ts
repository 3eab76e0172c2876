import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { checkReadiness, toSSEResponse } from "@threadmill/core";
import { createImportPipeline, createRunner } from "@threadmill/core/node";
import { log } from "./log.js";
import { openStore } from "./open-store.js";

/**
 * Render's web service: submits imports, reports them and streams their progress; the background
 * worker does the work. The tenant comes from the `x-tenant` header here: put your authentication in
 * front (the tenant is then your user's id). `GET /healthz` is the health check Render polls.
 */
const store = await openStore();
// Submitting only (it checks the input against the pipeline's sources): never started, it claims nothing.
const runner = createRunner({ store: store.adapter, pipelines: { import: createImportPipeline() } });

async function json(req: IncomingMessage): Promise<Record<string, unknown> | null> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of req as AsyncIterable<Buffer>) {
    size += part.length;
    if (size > 64 * 1024) return null;
    parts.push(part);
  }
  try {
    // Decoded whole: a character split across two chunks stays one character.
    const value = JSON.parse(Buffer.concat(parts).toString("utf8")) as unknown;
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

/** Ready when the store answers within 2 s with every migration applied (503 with why otherwise). */
async function health(res: ServerResponse): Promise<void> {
  const readiness = await checkReadiness(store.adapter);
  send(res, readiness.ready ? 200 : 503, { ...readiness, store: store.kind });
}

async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://localhost");
  if (req.method === "GET" && url.pathname === "/healthz") return health(res);
  const tenant = req.headers["x-tenant"];
  if (typeof tenant !== "string" || !/^[A-Za-z0-9_-]{1,64}$/.test(tenant)) {
    return send(res, 401, { error: "x-tenant must name the user (letters, digits, _ and -)." });
  }
  if (req.method === "POST" && url.pathname === "/imports") {
    const body = await json(req);
    const source = body?.url;
    if (typeof source !== "string" || !/^https?:\/\//.test(source)) {
      return send(res, 400, { error: "url must be the export's http(s) URL." });
    }
    const key = typeof body?.idempotencyKey === "string" ? body.idempotencyKey : undefined;
    const { job, created } = await runner.submit({
      tenant,
      pipeline: "import",
      input: { kind: "url", url: source },
      ...(key ? { idempotencyKey: key } : {}),
    });
    return send(res, created ? 201 : 200, { jobId: job.id, status: job.status });
  }
  const match = /^\/imports\/([\w-]+)(\/events)?$/.exec(url.pathname);
  if (req.method === "GET" && match) {
    const jobId = match[1]!;
    if (!match[2]) {
      const job = await store.adapter.jobs.get(tenant, jobId);
      if (!job) return send(res, 404, { error: "No such import." });
      const { input: _input, ...view } = job; // the input may hold a URL the client need not see
      return send(res, 200, view);
    }
    const aborted = new AbortController();
    req.once("close", () => aborted.abort());
    const lastEventId = req.headers["last-event-id"];
    const response = await toSSEResponse(store.adapter, {
      tenant,
      jobId,
      lastEventId: typeof lastEventId === "string" ? lastEventId : null,
      signal: aborted.signal,
    });
    res.writeHead(response.status, Object.fromEntries(response.headers));
    if (!response.body) return void res.end();
    Readable.fromWeb(response.body as never).pipe(res);
    return;
  }
  send(res, 404, { error: "Not found." });
}

const server = createServer((req, res) => {
  route(req, res).catch((error: unknown) => {
    log("error", { path: req.url, message: String((error as Error)?.message ?? error) });
    if (!res.headersSent) send(res, 500, { error: "Internal error." });
    else res.end();
  });
});
const port = Number(process.env.PORT) || 10000; // Render's default port
server.listen(port, () => log("listening", { port, store: store.kind }));

process.once("SIGTERM", () => {
  // Render stops sending requests, then waits for open ones: close, let streams end, close the store.
  server.close(() => void store.close().then(() => process.exit(0)));
  server.closeAllConnections();
});
