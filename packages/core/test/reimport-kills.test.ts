import { createMemoryAdapter } from "@threadmill/adapter-memory";
import { createFaultyAdapter, type EvolvedExport } from "@threadmill/testkit";
import fc from "fast-check";
import { beforeAll, expect, it } from "vitest";
import type { Adapter } from "../src/index.js";
import {
  byConversation,
  chunkIds,
  flat,
  importNamed,
  reimportFixture,
  reimportRunner,
  TENANT,
} from "./support/reimport-setup.js";

let exports: EvolvedExport;
let before: Map<string, Set<string>>;
let after: Map<string, Set<string>>;

beforeAll(async () => {
  ({ exports, before, after } = await reimportFixture(11, 24));
});

const same = (a: Set<string> | undefined, b: Set<string> | undefined) =>
  (a?.size ?? 0) === (b?.size ?? 0) && [...(a ?? [])].every((id) => b?.has(id));

/**
 * The store, read as a reader of the library would after every call any worker makes: each
 * conversation's chunks in the library must be exactly its old version's or its new one's (or none,
 * for one being added or deleted). What broke that is pushed to `mixes`.
 */
function watched(store: Adapter, mixes: string[]): Adapter {
  const check = async (what: string) => {
    const library = byConversation(await store.chunks.list(TENANT, { library: true, limit: 1_000_000 }));
    for (const id of new Set([...before.keys(), ...after.keys()])) {
      const now = library.get(id);
      if (!same(now, before.get(id)) && !same(now, after.get(id)) && now !== undefined) {
        mixes.push(`${id} after ${what}: ${now.size} chunks, neither version`);
      }
    }
  };
  const wrap = <T extends object>(port: T, name: string): T =>
    new Proxy(port, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (typeof value !== "function") return value;
        return async (...args: unknown[]) => {
          const result = await value.apply(target, args);
          await check(`${name}.${String(prop)}`);
          return result;
        };
      },
    });
  return {
    ...store,
    conversations: wrap(store.conversations, "conversations"),
    chunks: wrap(store.chunks, "chunks"),
    library: wrap(store.library!, "library"),
  };
}

it("kills at any store call of a re-import end in a fresh import's library, and no reader ever sees a conversation's old and new chunks together", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 140 }),
      fc.constantFrom("before", "after"),
      async (call, when) => {
        const store = createMemoryAdapter();
        const exportsByName = { base: exports.base, next: exports.bytes };
        await importNamed(store, reimportRunner(store, exportsByName), "base");
        const mixes: string[] = [];
        const checked = watched(store, mixes);
        const fast = { leaseMs: 300, renewEveryMs: 100 };
        const { job } = await reimportRunner(checked, exportsByName).submit({
          tenant: TENANT,
          pipeline: "import",
          input: { kind: "memory", name: "next" },
          options: { missing: "delete" },
        });
        const view = createFaultyAdapter(checked, { killAt: { call, when } });
        let returned = false;
        void reimportRunner(view.adapter, exportsByName, fast)
          .work()
          .then(() => {
            returned = true;
          });
        while (!returned && !view.killed) await new Promise((r) => setTimeout(r, 5));
        if (view.killed) await new Promise((r) => setTimeout(r, 320)); // its lease lapses
        await reimportRunner(checked, exportsByName, fast).work();
        const done = (await store.jobs.get(TENANT, job.id))!;
        expect(done.status).toBe("succeeded");
        expect(mixes).toEqual([]);
        expect(await chunkIds(store, { library: true })).toEqual(flat(after));
        const changed = exports.edited.length + exports.switched.length;
        expect(done.counts).toMatchObject({
          changed,
          new: exports.added.length,
          missing: exports.removed.length,
          unchanged: after.size - changed - exports.added.length,
        });
      },
    ),
    { numRuns: 16 },
  );
}, 120_000);
