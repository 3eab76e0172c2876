import { execFile } from "node:child_process";
import { createServer, get, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { createMemoryAdapter } from "@threadmill/adapter-memory";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Adapter } from "../ports/adapter.js";
import { type ProgressEvent, progressEventSchema } from "../ports/event.js";
import { toSSEResponse } from "./to-sse-response.js";

const TENANT = "t-sse";

/** Parses complete SSE blocks out of a growing buffer; returns the events and the unparsed rest. */
function parseBlocks(buffer: string): { events: ProgressEvent[]; comments: number; rest: string } {
  const events: ProgressEvent[] = [];
  let comments = 0;
  let rest = buffer;
  for (;;) {
    const end = rest.indexOf("\n\n");
    if (end === -1) break;
    const block = rest.slice(0, end);
    rest = rest.slice(end + 2);
    const data = block
      .split("\n")
      .filter((l) => l.startsWith("data: "))
      .map((l) => l.slice(6))
      .join("\n");
    if (data) events.push(progressEventSchema.parse(JSON.parse(data)));
    else if (block.startsWith(":")) comments += 1;
  }
  return { events, comments, rest };
}

let store: Adapter;
let server: Server;
let base: string;

beforeAll(async () => {
  store = createMemoryAdapter({ eventRetention: 10_000 });
  server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const abort = new AbortController();
    res.on("close", () => abort.abort());
    const header = req.headers["last-event-id"];
    const response = await toSSEResponse(store, {
      tenant: TENANT,
      jobId: url.searchParams.get("job") ?? "",
      lastEventId: typeof header === "string" ? header : null,
      signal: abort.signal,
      heartbeatMs: Number(url.searchParams.get("hb") ?? 15_000),
      retryMs: Number(url.searchParams.get("retry") ?? 1_000),
    });
    res.writeHead(response.status, Object.fromEntries(response.headers));
    if (response.body === null) {
      res.end();
      return;
    }
    const body = Readable.fromWeb(response.body as import("node:stream/web").ReadableStream);
    body.on("error", () => res.destroy());
    body.pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await store.close();
});

/**
 * One connection: reads until the server ends the stream or `cutAfterBytes` arrived, then drops the
 * socket. Returns the complete events received and whether the stream ended.
 */
function connect(
  jobId: string,
  lastEventId: string | null,
  cutAfterBytes: number,
  hb = 15_000,
): Promise<{ events: ProgressEvent[]; ended: boolean; comments: number; res: IncomingMessage | null }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = lastEventId ? { "last-event-id": lastEventId } : {};
    let buffer = "";
    let bytes = 0;
    const events: ProgressEvent[] = [];
    let comments = 0;
    let settled = false;
    const finish = (ended: boolean, res: IncomingMessage | null) => {
      if (settled) return;
      settled = true;
      resolve({ events, ended, comments, res });
    };
    const req = get(`${base}/?job=${jobId}&hb=${hb}`, { headers }, (res) => {
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        if (settled) return;
        let text = chunk;
        if (bytes + text.length > cutAfterBytes) text = text.slice(0, Math.max(0, cutAfterBytes - bytes));
        bytes += text.length;
        const parsed = parseBlocks(buffer + text);
        buffer = parsed.rest;
        events.push(...parsed.events);
        comments += parsed.comments;
        if (bytes >= cutAfterBytes) {
          req.destroy();
          finish(false, res);
        }
      });
      res.on("end", () => finish(true, res));
      res.on("error", () => finish(false, res));
    });
    req.on("error", (error) => (settled ? undefined : reject(error)));
  });
}

async function startJob(): Promise<{
  jobId: string;
  produce: (count: number, everyMs: number) => Promise<void>;
}> {
  const { job } = await store.jobs.create({ tenant: TENANT, pipeline: "p", input: { kind: "x" } });
  await store.events.append(
    { tenant: TENANT, jobId: job.id },
    { type: "queued", status: "queued", attempt: 0, epoch: 0, at: Date.now() },
  );
  const claim = await store.queue.claim("w", 60_000, { tenant: TENANT, jobId: job.id });
  const lease = claim!.lease;
  return {
    jobId: job.id,
    async produce(count, everyMs) {
      for (let i = 1; i <= count; i++) {
        await store.events.append(lease, {
          type: "progress",
          status: "running",
          stage: "import",
          done: i,
          total: count,
          unit: "conversations",
          message: "x".repeat(i % 7),
          attempt: 1,
          epoch: lease.epoch,
          at: Date.now(),
        });
        if (everyMs > 0) await new Promise((r) => setTimeout(r, everyMs));
      }
      await store.queue.complete(lease, { status: "succeeded" });
    },
  };
}

/**
 * A client that reconnects as the HTML spec's `EventSource` does: it sends the last dispatched
 * event's id as `Last-Event-ID`, reconnects after `retry` ms when a 200 stream ends, and stops
 * (readyState CLOSED) on any other status, 204 included. `closed` settles when it stops.
 */
function openEventSource(url: string, lastEventId = "") {
  const abort = new AbortController();
  const events: { id: string; type: string; data: string }[] = [];
  const connections: { lastEventId: string; status: number }[] = [];
  let heartbeats = 0;
  let retryMs = 1_000;

  async function connectOnce(): Promise<boolean> {
    const headers: Record<string, string> = { accept: "text/event-stream", "cache-control": "no-store" };
    if (lastEventId !== "") headers["last-event-id"] = lastEventId;
    const response = await fetch(url, { headers, signal: abort.signal });
    connections.push({ lastEventId, status: response.status });
    if (response.status !== 200 || !response.headers.get("content-type")?.startsWith("text/event-stream")) {
      await response.body?.cancel();
      return false; // "fail the connection": no reconnect
    }
    let idBuffer = lastEventId;
    let type = "";
    let data: string[] = [];
    let pending = "";
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      pending += value;
      const lines = pending.split(/\r\n|\n|\r/);
      pending = lines.pop()!;
      for (const line of lines) {
        if (line === "") {
          lastEventId = idBuffer;
          if (data.length > 0)
            events.push({ id: lastEventId, type: type || "message", data: data.join("\n") });
          type = "";
          data = [];
          continue;
        }
        if (line.startsWith(":")) {
          heartbeats += 1;
          continue;
        }
        const colon = line.indexOf(":");
        const field = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "id" && !value.includes("\0")) idBuffer = value;
        else if (field === "event") type = value;
        else if (field === "data") data.push(value);
        else if (field === "retry" && /^\d+$/.test(value)) retryMs = Number(value);
      }
    }
    return true; // the stream ended: reconnect
  }

  const closed = (async () => {
    try {
      while (await connectOnce()) await new Promise((resolve) => setTimeout(resolve, retryMs));
    } catch (error) {
      if (!abort.signal.aborted) throw error;
    }
  })();
  return {
    events,
    connections,
    heartbeats: () => heartbeats,
    /** Whether the client stopped by itself within `ms`; it is closed by force either way. */
    async stopsWithin(ms: number): Promise<boolean> {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const stopped = await Promise.race([
        closed.then(() => true),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(false), ms);
        }),
      ]);
      clearTimeout(timer);
      abort.abort();
      await closed;
      return stopped;
    },
  };
}

async function finishedJob(): Promise<{ jobId: string; log: ProgressEvent[] }> {
  const { jobId, produce } = await startJob();
  await produce(3, 0);
  return { jobId, log: await store.events.read(TENANT, jobId, null, { limit: 100 }) };
}

describe("toSSEResponse over node:http", () => {
  it("a client that disconnects at random points and reconnects with Last-Event-ID gets every event once, in order", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 900 }), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 0, max: 3 }),
        async (cuts, everyMs) => {
          const { jobId, produce } = await startJob();
          const producing = produce(40, everyMs);
          const received: ProgressEvent[] = [];
          let last: string | null = null;
          let connections = 0;
          for (;;) {
            const cut = cuts[connections % cuts.length]! + (connections >= cuts.length ? 10_000 : 0);
            connections += 1;
            const { events, ended } = await connect(jobId, last, cut);
            received.push(...events);
            if (events.length > 0) last = events.at(-1)!.id;
            if (ended) break;
            expect(connections).toBeLessThan(200);
          }
          await producing;
          const log = await store.events.read(TENANT, jobId, null, { limit: 10_000 });
          expect(received.map((e) => e.id)).toEqual(log.map((e) => e.id));
          expect(received).toEqual(log);
          expect(received.at(-1)?.type).toBe("succeeded");
        },
      ),
      { numRuns: 12 },
    );
  });

  it("sends heartbeats while idle and ends after the terminal event", async () => {
    const { jobId, produce } = await startJob();
    const first = await connect(jobId, null, 150, 40); // queued event, then heartbeats
    expect(first.events.map((e) => e.type)).toEqual(["queued"]);
    expect(first.comments).toBeGreaterThan(0);
    expect(first.res?.headers["content-type"]).toContain("text/event-stream");
    await produce(3, 0);
    const rest = await connect(jobId, first.events[0]!.id, 1_000_000, 40);
    expect(rest.ended).toBe(true);
    expect(rest.events.map((e) => e.type)).toEqual(["progress", "progress", "progress", "succeeded"]);
  });

  it("a reader behind retention gets a reset first, and a terminal reset ends the stream", async () => {
    const small = createMemoryAdapter({ eventRetention: 3 });
    const { job } = await small.jobs.create({ tenant: TENANT, pipeline: "p", input: { kind: "x" } });
    const claim = (await small.queue.claim("w", 60_000))!;
    for (let i = 0; i < 6; i++) {
      await small.events.append(claim.lease, {
        type: "progress",
        done: i,
        attempt: 1,
        epoch: claim.lease.epoch,
        at: Date.now(),
      });
    }
    await small.queue.complete(claim.lease, { status: "succeeded" });
    const response = await toSSEResponse(small, { tenant: TENANT, jobId: job.id, lastEventId: "1" });
    const text = await response.text();
    const { events } = parseBlocks(text.replace(/^retry: \d+\n\n/, ""));
    expect(events[0]).toMatchObject({ type: "reset", status: "succeeded" });
    // The reset already says the job ended: the stream stops there.
    expect(events).toHaveLength(1);
  });

  it("ends when the request's signal aborts", async () => {
    const { jobId } = await startJob();
    const abort = new AbortController();
    const response = await toSSEResponse(store, { tenant: TENANT, jobId, signal: abort.signal });
    const reader = response.body!.getReader();
    await reader.read(); // retry line
    await reader.read(); // queued event
    setTimeout(() => abort.abort(), 30);
    const next = await reader.read();
    expect(next.done).toBe(true);
  });
});

describe("toSSEResponse after the end", () => {
  it("an EventSource reconnecting with the terminal event's id gets 204 and stops", async () => {
    const { jobId, log } = await finishedJob();
    const client = openEventSource(`${base}/?job=${jobId}&hb=50&retry=20`);
    const stopped = await client.stopsWithin(3_000);
    expect({ stopped, connections: client.connections }).toEqual({
      stopped: true,
      connections: [
        { lastEventId: "", status: 200 },
        { lastEventId: log.at(-1)!.id, status: 204 },
      ],
    });
    expect(client.events.map((e) => e.id)).toEqual(log.map((e) => e.id));
  });

  it("answers 204 at once to an id the log does not know, for an ended job", async () => {
    const { jobId } = await finishedJob();
    const client = openEventSource(`${base}/?job=${jobId}&hb=50&retry=20`, "999999999");
    const stopped = await client.stopsWithin(3_000);
    expect({ stopped, connections: client.connections }).toEqual({
      stopped: true,
      connections: [{ lastEventId: "999999999", status: 204 }],
    });
    expect(client.events).toEqual([]);
  });

  it("ends an idle stream once its job ended with nothing left after the client's id, then answers 204", async () => {
    const { jobId, produce } = await startJob();
    const client = openEventSource(`${base}/?job=${jobId}&hb=50&retry=20`, "999999999");
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(client.heartbeats()).toBeGreaterThan(0); // running: the stream stays open meanwhile
    await produce(2, 0);
    const stopped = await client.stopsWithin(3_000);
    expect({ stopped, connections: client.connections }).toEqual({
      stopped: true,
      connections: [
        { lastEventId: "999999999", status: 200 },
        { lastEventId: "999999999", status: 204 },
      ],
    });
  });

  it("answers 404 for an unknown job or another tenant's, and the client stops", async () => {
    const { jobId } = await finishedJob();
    const other = await toSSEResponse(store, { tenant: "someone-else", jobId });
    expect(other.status).toBe(404);
    const client = openEventSource(`${base}/?job=no-such-job&hb=50&retry=20`);
    const stopped = await client.stopsWithin(3_000);
    expect({ stopped, connections: client.connections }).toEqual({
      stopped: true,
      connections: [{ lastEventId: "", status: 404 }],
    });
  });

  it("curl with the terminal event's id as Last-Event-ID gets 204 and exits at once", async () => {
    const { jobId, log } = await finishedJob();
    const startedAt = Date.now();
    const { code, stdout } = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(
        "curl",
        ["-sN", "--max-time", "5", "-o", "/dev/null", "-w", "%{http_code}"].concat([
          "-H",
          `Last-Event-ID: ${log.at(-1)!.id}`,
          `${base}/?job=${jobId}&hb=50`,
        ]),
        (error, stdout) => resolve({ code: typeof error?.code === "number" ? error.code : 0, stdout }),
      );
    });
    expect({ code, stdout }).toEqual({ code: 0, stdout: "204" });
    expect(Date.now() - startedAt).toBeLessThan(2_000);
  });
});
