import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { FakeAnthropicLogEntry } from "./fake-anthropic-log.js";
import { FakeAnthropicServer } from "./fake-anthropic-server.js";
import type { FakeBatchOptions } from "./fake-batches.js";
import type { FakeFault } from "./fake-fault.js";

/** Options of `createFakeAnthropic`. */
export interface FakeAnthropicOptions {
  /** The only key accepted; any non-empty key when absent. Never stored or printed. @default undefined */
  readonly apiKey?: string;
  /** The fake's clock (epoch ms): log times, prompt-cache lifetimes, batch times. @default Date.now */
  readonly now?: () => number;
  /** How Message Batches behave; see `FakeBatchOptions`. @default {} */
  readonly batches?: FakeBatchOptions;
}

/** Where `fail` applies: `/v1/messages` requests, or the requests of batches as they end. */
export type FakeFaultTarget = "messages" | "batch";

/** A running fake Anthropic API; see `createFakeAnthropic`. */
export interface FakeAnthropic {
  /** Base URL for the SDK's `baseURL`, such as `http://127.0.0.1:40123`. */
  readonly url: string;
  /** Every request served and batch item processed, in order. */
  readonly log: FakeAnthropicLogEntry[];
  /** The next `count` requests of `where` (default `"messages"`) fail with `fault`, after those queued before. */
  fail(count: number, fault: FakeFault, options?: { readonly where?: FakeFaultTarget }): void;
  /** Faults still queued for `where` (default `"messages"`). */
  pendingFaults(where?: FakeFaultTarget): number;
  /** Drops every queued fault. */
  clearFaults(): void;
  /** Merges batch options into the current ones (for batches that end from now on). */
  setBatchOptions(options: FakeBatchOptions): void;
  /** How many `POST /v1/messages` requests arrived, whatever their answer. */
  messageRequestCount(): number;
  /** Every user message id answered in full (here and in batches), in order, repeats kept. */
  answeredMessageIds(): string[];
  /** The ids of every batch created, in order. */
  batchIds(): string[];
  /** Stops the server, dropping open connections and pending slow answers. */
  close(): Promise<void>;
}

/**
 * Starts a fake Anthropic Messages API on 127.0.0.1 (a random port) for the real `@anthropic-ai/sdk`:
 * it answers the facts wire contract with the planted facts it finds in the user messages, counts
 * tokens its own way, caches prompts, runs Message Batches and injects faults on demand.
 * @example
 * const fake = await createFakeAnthropic();
 * const client = new Anthropic({ apiKey: "test", baseURL: fake.url, maxRetries: 0 });
 * fake.fail(1, { kind: "rate_limit", retryAfterS: 3 }); // the next call throws a RateLimitError
 */
export async function createFakeAnthropic(options: FakeAnthropicOptions = {}): Promise<FakeAnthropic> {
  const state = new FakeAnthropicServer(options.now ?? Date.now, options.apiKey, options.batches ?? {});
  const server = createServer((req, res) => {
    state.handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { log, faults } = state;
  const queue = (where: FakeFaultTarget = "messages") => faults[where];
  return {
    url: state.url,
    log,
    fail: (count, fault, o) => queue(o?.where).add(count, fault),
    pendingFaults: (where) => queue(where).pending,
    clearFaults: () => {
      faults.messages.clear();
      faults.batch.clear();
    },
    setBatchOptions: (o) => {
      state.batchOptions = { ...state.batchOptions, ...o };
    },
    messageRequestCount: () => log.filter((e) => e.kind === "messages").length,
    answeredMessageIds: () => log.flatMap((e) => e.answered ?? []),
    batchIds: () => log.flatMap((e) => (e.kind === "batch_create" && e.batchId ? [e.batchId] : [])),
    close: async () => {
      state.releaseTimers();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
