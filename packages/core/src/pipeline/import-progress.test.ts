import { createMemoryAdapter } from "@threadmill/adapter-memory";
import { generateExport } from "@threadmill/testkit";
import { describe, expect, it } from "vitest";
import { createImportPipeline } from "../node/create-node-import-pipeline.js";
import { createRunner } from "../node/create-node-runner.js";
import { createBytesSource } from "../source/create-bytes-source.js";

const TENANT = "progress-tenant";

async function exportBytes(): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of generateExport({ format: "chatgpt-json", seed: 3, conversations: 12 }).bytes()) {
    parts.push(part);
  }
  return Buffer.concat(parts);
}

describe("import progress", () => {
  it("every unit's progress carries the export's size as its total, also in claims that read less than the reader's progress interval", async () => {
    const bytes = await exportBytes();
    // Well under the reader's 4 MB progress interval: before, the total stayed unknown (a progress
    // bar at 0) until a claim had read that much.
    expect(bytes.length).toBeLessThan(1024 * 1024);
    const store = createMemoryAdapter();
    const runner = createRunner({
      store,
      pipelines: { import: createImportPipeline({ batchConversations: 1 }) },
      sources: { memory: () => createBytesSource(bytes) },
      progressEveryMs: 0,
    });
    const { job } = await runner.submit({ tenant: TENANT, pipeline: "import", input: { kind: "memory" } });
    expect((await runner.work()).runs[0]?.outcome).toBe("succeeded");
    const progress = (await store.events.read(TENANT, job.id, null, { limit: 1000 })).filter(
      (e) => e.type === "progress",
    );
    expect(progress.length).toBeGreaterThanOrEqual(10);
    for (const e of progress) expect(e.total).toBe(bytes.length);
    const done = progress.map((e) => e.done!);
    expect(done).toStrictEqual([...done].sort((a, b) => a - b));
    expect(done[0]).toBeGreaterThan(0);
    expect(done.at(-1)).toBe(bytes.length);
  });
});
