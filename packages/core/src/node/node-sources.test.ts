import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMemoryAdapter } from "@threadmill/adapter-memory";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExportFormatError } from "../errors/export-format-error.js";
import { JobConfigurationError } from "../errors/job-configuration-error.js";
import type { SourceRef } from "../ports/job.js";
import { createImportPipeline } from "./create-node-import-pipeline.js";
import { createRunner } from "./create-node-runner.js";

const TENANT = "sources-tenant";

let server: Server;
let base = "";
let dir = "";

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "threadmill-node-sources-"));
  server = createServer((req, res) => {
    const status = Number(new URL(req.url!, "http://x").pathname.slice(1));
    res.writeHead(Number.isInteger(status) && status >= 400 ? status : 404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

/** A Node runner with the stock sources and short retry delays (a retried job ends within a second or two). */
function setup() {
  const store = createMemoryAdapter();
  const runner = createRunner({
    store,
    pipelines: { import: createImportPipeline() },
    leaseMs: 2_000,
    renewEveryMs: 500,
    pollMs: 20,
    retry: { minTimeoutMs: 10, maxTimeoutMs: 40 },
  });
  return { store, runner };
}

describe("nodeSources: malformed or missing inputs fail at once", () => {
  it.each<[string, SourceRef]>([
    ["a file ref without a path", { kind: "file" }],
    ["a file ref with an empty path", { kind: "file", path: "" }],
    ["a url ref without a url", { kind: "url" }],
    ["a url ref whose url is not an http(s) URL", { kind: "url", url: "not a url" }],
  ])("submit rejects %s with JobConfigurationError (INVALID_INPUT) and creates no job", async (_, input) => {
    const { store, runner } = setup();
    const startedAt = performance.now();
    const error = await runner.submit({ tenant: TENANT, pipeline: "import", input }).catch((e: unknown) => e);
    expect(performance.now() - startedAt).toBeLessThan(1_000);
    expect(JobConfigurationError.isInstance(error)).toBe(true);
    expect((error as JobConfigurationError).reason).toBe("INVALID_INPUT");
    expect((error as JobConfigurationError).retriable).toBe(false);
    expect((error as Error).message).toContain(`"${input.kind}"`);
    expect(await store.jobs.list(TENANT)).toEqual([]);
  });

  it.each<[string, () => SourceRef]>([
    ["a file that does not exist", () => ({ kind: "file", path: join(dir, "missing.zip") })],
    ["a URL answering 404", () => ({ kind: "url", url: `${base}/404` })],
    ["a URL answering 410", () => ({ kind: "url", url: `${base}/410` })],
    ["a URL answering 401", () => ({ kind: "url", url: `${base}/401` })],
    ["a URL answering 403", () => ({ kind: "url", url: `${base}/403` })],
  ])("%s fails at its first claim as ExportFormatError (unreadable), not retried", async (_, input) => {
    const { runner } = setup();
    const { job } = await runner.submit({ tenant: TENANT, pipeline: "import", input: input() });
    const startedAt = performance.now();
    const final = await runner.run(TENANT, job.id);
    expect(performance.now() - startedAt).toBeLessThan(1_000);
    expect(final?.status).toBe("failed");
    expect(final?.attempts).toBe(1);
    expect(final?.epoch).toBe(1);
    expect(final?.error).toMatchObject({
      code: "EXPORT_FORMAT",
      name: "ExportFormatError",
      retriable: false,
    });
  });

  it("a malformed ref that reached the queue another way fails at its first claim, not retried", async () => {
    const { store, runner } = setup();
    const { job } = await store.jobs.create({ tenant: TENANT, pipeline: "import", input: { kind: "file" } });
    const startedAt = performance.now();
    const final = await runner.run(TENANT, job.id);
    expect(performance.now() - startedAt).toBeLessThan(1_000);
    expect(final).toMatchObject({ status: "failed", attempts: 1 });
    expect(final?.error).toMatchObject({ code: "JOB_CONFIGURATION", retriable: false });
    expect(final?.error?.message).toContain("[INVALID_INPUT]");
  });

  it("the unreadable-file error is an ExportFormatError naming the path", async () => {
    const { runner } = setup();
    const path = join(dir, "nope.json");
    const { job } = await runner.submit({
      tenant: TENANT,
      pipeline: "import",
      input: { kind: "file", path },
    });
    const final = await runner.run(TENANT, job.id);
    expect(final?.error?.name).toBe(ExportFormatError.name);
    expect(final?.error?.message).toContain(path);
  });
});
