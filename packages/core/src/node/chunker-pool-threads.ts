import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type {
  ChunkerPoolRequest,
  ChunkerPoolResponse,
  ChunkerPoolWorkerData,
  PackedChunks,
  PackedSpan,
} from "./chunker-pool-protocol.js";

interface Pending {
  resolve(result: PackedChunks | PackedSpan): void;
  reject(error: unknown): void;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
  /** Messages sent and not answered yet. */
  messages: number;
}

// Messages a worker holds at once: the one it is chunking and the next.
const IN_FLIGHT = 2;
// A message carries the requests queued when it is sent, up to this many and this many characters
// of text (a single bigger request goes alone): each message costs about 100 µs of CPU across the
// threads (cloning, waking the thread, dispatching), a tiny conversation's whole chunking 10 µs.
const BATCH_REQUESTS = 64;
const BATCH_CHARS = 65_536;

/** Characters of text a request carries. */
const requestChars = (request: ChunkerPoolRequest): number =>
  "paths" in request
    ? request.paths.reduce((n, path) => n + path.text.length, 0)
    : request.layout.text.length;

const SOURCE_WORKER = ["./chunker-pool-worker", "ts"].join(".");

// Built package: dist/chunker-pool-worker.js beside the bundle (ESM; the CJS bundle starts it too).
// Sources (this repo's tests): the .ts worker, loaded through tsx's module hooks.
function workerEntry(): { code: URL | string; evaluate: boolean } {
  const built = new URL("./chunker-pool-worker.js", import.meta.url);
  if (existsSync(fileURLToPath(built))) return { code: built, evaluate: false };
  // Not a literal: a bundler (Next.js's Turbopack) resolves `new URL("<literal>", import.meta.url)` at
  // build time, and the sources are not in a published package.
  const source = new URL(SOURCE_WORKER, import.meta.url);
  if (existsSync(fileURLToPath(source))) {
    const tsx = createRequire(import.meta.url).resolve("tsx/package.json");
    const api = pathToFileURL(join(dirname(tsx), "dist", "esm", "api", "index.mjs")).href;
    const code = `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(source.href)}); });`;
    return { code, evaluate: true };
  }
  throw new Error(
    `[threadmill] chunker pool worker not found next to ${import.meta.url}; reinstall @threadmill/core.`,
  );
}

/** @internal A chunker pool's worker threads, and the queue of requests waiting for one. */
export interface PoolWorkers {
  /** Queues a request for the next worker with room (started on first use). */
  send<T extends PackedChunks | PackedSpan>(request: ChunkerPoolRequest): Promise<T>;
  /** Stops every worker; pending, queued and later requests reject. Idempotent. */
  close(): Promise<void>;
  readonly closed: boolean;
  /** Messages sent to worker threads (each a batch of one or more requests). */
  readonly messages: number;
}

/** @internal Up to `threads` workers started with `data`, each when first needed. */
export function createPoolWorkers(threads: number, data: ChunkerPoolWorkerData): PoolWorkers {
  const slots: (Slot | null)[] = Array.from({ length: threads }, () => null);
  let closed = false;
  let messages = 0;

  const start = (index: number): Slot => {
    const entry = workerEntry();
    const worker = new Worker(entry.code, { workerData: data, eval: entry.evaluate });
    const slot: Slot = { worker, pending: new Map(), messages: 0 };
    const fail = (error: unknown): void => {
      if (slots[index] === slot) slots[index] = null;
      for (const p of slot.pending.values()) p.reject(error);
      slot.pending.clear();
      slot.messages = 0;
      pump();
    };
    worker.on("message", (responses: ChunkerPoolResponse[]) => {
      slot.messages--;
      for (const response of responses) {
        const p = slot.pending.get(response.id);
        if (p === undefined) continue;
        slot.pending.delete(response.id);
        if ("error" in response) p.reject(response.error);
        else p.resolve("span" in response ? response.span : response.packed);
      }
      if (slot.pending.size === 0) worker.unref();
      pump();
    });
    worker.on("error", (error) => fail(error));
    worker.on("exit", (code) => {
      fail(
        new Error(
          `[threadmill] chunker pool worker exited (code ${code}) with work pending; retry the call.`,
        ),
      );
    });
    worker.unref();
    slots[index] = slot;
    return slot;
  };

  // Requests wait here, in order, and go to a worker only when it has fewer than `IN_FLIGHT`
  // messages: one it is chunking and one queued behind it, so it never waits for the next message,
  // while the last conversations go to whichever thread frees up first (no idle thread at the end).
  // A message takes what has queued up meanwhile, in one batch.
  const queue: { request: ChunkerPoolRequest; pending: Pending }[] = [];
  const pump = (): void => {
    while (queue.length > 0 && !closed) {
      let best = -1;
      let bestLoad = IN_FLIGHT;
      for (let i = 0; i < slots.length; i++) {
        const load = slots[i]?.messages ?? 0;
        if (load < bestLoad) {
          best = i;
          bestLoad = load;
        }
      }
      if (best === -1) return;
      const slot = slots[best] ?? start(best);
      const batch: ChunkerPoolRequest[] = [];
      let chars = 0;
      while (queue.length > 0 && batch.length < BATCH_REQUESTS) {
        const next = requestChars(queue[0]!.request);
        if (batch.length > 0 && chars + next > BATCH_CHARS) break;
        const { request, pending } = queue.shift()!;
        slot.pending.set(request.id, pending);
        batch.push(request);
        chars += next;
      }
      slot.messages++;
      messages++;
      slot.worker.ref();
      slot.worker.postMessage(batch);
    }
  };

  return {
    send<T extends PackedChunks | PackedSpan>(request: ChunkerPoolRequest): Promise<T> {
      if (closed) return Promise.reject(new Error("[threadmill] the chunker pool is closed."));
      return new Promise<PackedChunks | PackedSpan>((resolve, reject) => {
        queue.push({ request, pending: { resolve, reject } });
        pump();
      }) as Promise<T>;
    },
    async close() {
      if (closed) return;
      closed = true;
      const running = slots.filter((s): s is Slot => s !== null);
      slots.fill(null);
      for (const slot of running) {
        for (const p of slot.pending.values())
          p.reject(new Error("[threadmill] the chunker pool was closed."));
        slot.pending.clear();
      }
      for (const { pending } of queue.splice(0)) {
        pending.reject(new Error("[threadmill] the chunker pool was closed."));
      }
      await Promise.all(running.map((s) => s.worker.terminate()));
    },
    get closed() {
      return closed;
    },
    get messages() {
      return messages;
    },
  };
}
