import {
  type Adapter,
  createBytesSource,
  createImportPipeline,
  createRunner,
  type JsonObject,
} from "@threadmill/core";
import { beforeAll, describe, expect, it } from "vitest";
import { collectBytes } from "../../generator/collect-bytes.js";
import { type EvolvedExport, evolveChatgptExport } from "../../generator/evolve-export.js";
import { generateExport } from "../../generator/generate-export.js";
import { type AdapterConformanceOptions, openAdapter, uniqueTenant } from "../conformance-context.js";

/** Imports `bytes` for `tenant` through a runner on `adapter`, to the job's end; the job. */
async function importBytes(adapter: Adapter, tenant: string, bytes: Uint8Array, options: JsonObject = {}) {
  const runner = createRunner({
    store: adapter,
    // Small units, prefetching: the last unit is read while the ones before it are being written.
    pipelines: { import: createImportPipeline({ batchConversations: 3 }) },
    sources: { memory: () => createBytesSource(bytes) },
    pollMs: 20,
  });
  const { job } = await runner.submit({ tenant, pipeline: "import", input: { kind: "memory" }, options });
  await runner.work();
  return (await adapter.jobs.get(tenant, job.id))!;
}

const libraryChunkIds = async (
  adapter: Adapter,
  tenant: string,
  scope: { library?: boolean; jobId?: string },
) => (await adapter.chunks.list(tenant, { ...scope, limit: 100_000 })).map((c) => c.id).sort();

/**
 * The re-import through the runner on this adapter's stores: a newer export (edited, switched,
 * trimmed and extended) over an older one leaves the library equal to a fresh import of the newer
 * export, with the job counting what changed. Runs when the adapter has a library.
 */
export function runReimportConformance(options: AdapterConformanceOptions): void {
  describe(`${options.name}: re-import`, () => {
    let exports: EvolvedExport;
    beforeAll(async () => {
      const generate = (seed: number, conversations: number) =>
        collectBytes(generateExport({ format: "chatgpt-json", seed, conversations, branches: 0.4 }).bytes());
      const [base, extra] = await Promise.all([generate(301, 16), generate(302, 3)]);
      exports = evolveChatgptExport(base, {
        seed: 301,
        edit: 0.2,
        switchBranch: 0.3,
        remove: 0.15,
        addFrom: extra,
      });
    });

    it('a newer export over an older one: the library equals a fresh import of it (missing: "delete"), and the job counts what changed', async (context) => {
      const adapter = await openAdapter(options);
      if (!adapter.library) {
        if (options.requireLibrary) throw new Error(`conformance: adapter "${adapter.name}" has no library`);
        context.skip(
          "the adapter has no adapter.library (optional for your own adapters; requireLibrary makes it fail)",
        );
      }
      const tenant = uniqueTenant();
      const fresh = uniqueTenant("fresh");
      const first = await importBytes(adapter, tenant, exports.base);
      expect(first.counts).toMatchObject({ new: 16, unchanged: 0, changed: 0, missing: 0 });
      const job = await importBytes(adapter, tenant, exports.bytes, { missing: "delete" });
      const reference = await importBytes(adapter, fresh, exports.bytes);
      expect(job.status).toBe("succeeded");
      const expected = await libraryChunkIds(adapter, fresh, { jobId: reference.id });
      expect(await libraryChunkIds(adapter, tenant, { library: true })).toStrictEqual(expected);
      expect(await libraryChunkIds(adapter, tenant, { jobId: job.id })).toStrictEqual(expected);
      const changed = exports.edited.length + exports.switched.length;
      expect(job.counts).toMatchObject({
        changed,
        new: exports.added.length,
        missing: exports.removed.length,
        unchanged: 16 - exports.removed.length - changed,
      });
      expect(await adapter.conversations.count(tenant, { library: true })).toBe(
        16 - exports.removed.length + exports.added.length,
      );
    });
  });
}
