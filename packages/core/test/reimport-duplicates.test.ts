// A conversation id that comes twice in one export (a damaged or hand-edited file): the first copy is
// imported, each later copy is skipped with a `duplicate-conversation` issue, and the library counts
// the conversation once, whether the later copy is the same bytes or an edited one and however many
// units lie between them. The library tracker keeps no version it wrote past its unit, so a 1 GB
// import's memory does not grow with the export; a later copy must not take that for a new
// conversation and leave the first copy's chunks in the library.
import { createMemoryAdapter } from "@threadmill/adapter-memory";
import { collectBytes, createFaultyAdapter, generateExport } from "@threadmill/testkit";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import {
  type Adapter,
  createBytesSource,
  createImportPipeline,
  createRunner,
  type ParseIssue,
} from "../src/index.js";
import { chunkIds, flat, freshChunks, TENANT } from "./support/reimport-setup.js";

type ChatgptConversation = {
  id: string;
  mapping: Record<string, { message?: { content?: { parts?: unknown[] } } }>;
};

/** A copy of `conversation` with the first text part of its messages changed. */
function edited(conversation: ChatgptConversation): ChatgptConversation {
  const copy = structuredClone(conversation);
  for (const node of Object.values(copy.mapping)) {
    const parts = node.message?.content?.parts;
    const at = parts?.findIndex((p) => typeof p === "string" && p.length > 0) ?? -1;
    if (parts && at >= 0) {
      parts[at] = `${String(parts[at])} (edited in the later copy)`;
      return copy;
    }
  }
  throw new Error("no text part to edit");
}

function runnerOf(store: Adapter, bytes: Uint8Array, issues: ParseIssue[], leaseMs = 2_000) {
  return createRunner({
    store,
    pipelines: {
      import: createImportPipeline({ batchConversations: 4, onIssue: (issue) => issues.push(issue) }),
    },
    sources: { memory: () => createBytesSource(bytes) },
    leaseMs,
    renewEveryMs: leaseMs / 3,
    pollMs: 20,
    retry: { minTimeoutMs: 10, maxTimeoutMs: 40 },
  });
}

let list: ChatgptConversation[];
let base: Uint8Array;
let doubled: Uint8Array;
let fresh: string[];

beforeAll(async () => {
  base = await collectBytes(
    generateExport({ format: "chatgpt-json", seed: 31, conversations: 12, branches: 0 }).bytes(),
  );
  list = JSON.parse(new TextDecoder().decode(base)) as ChatgptConversation[];
  // Three units of 4 later: an edited copy of the first conversation and a byte-equal copy of the
  // second (which the reader could skip unparsed by its bytes' hash).
  doubled = new TextEncoder().encode(JSON.stringify([...list, edited(list[0]!), list[1]]));
  fresh = flat(await freshChunks(base));
});

describe("a conversation twice in one export", () => {
  it("imports the first copy, skips each later one with an issue, and counts the conversation once", async () => {
    const store = createMemoryAdapter();
    const issues: ParseIssue[] = [];
    const { job: submitted } = await runnerOf(store, doubled, issues).submit({
      tenant: TENANT,
      pipeline: "import",
      input: { kind: "memory" },
    });
    await runnerOf(store, doubled, issues).work();
    const job = (await store.jobs.get(TENANT, submitted.id))!;

    expect(job.status).toBe("succeeded");
    const duplicates = issues.filter((i) => i.code === "duplicate-conversation");
    expect(duplicates.map((i) => i.conversationId)).toEqual([list[0]!.id, list[1]!.id]);
    expect(job.counts).toMatchObject({ conversations: 12, new: 12, changed: 0, unchanged: 0 });
    // The library is a fresh import of the export without the later copies.
    expect(await chunkIds(store, { library: true })).toEqual(fresh);
  });

  it("keeps the first copy when a kill at any store call splits the job between runs", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 60 }),
        fc.constantFrom("before", "after"),
        async (call, when) => {
          const store = createMemoryAdapter();
          const issues: ParseIssue[] = [];
          const { job } = await runnerOf(store, doubled, issues).submit({
            tenant: TENANT,
            pipeline: "import",
            input: { kind: "memory" },
          });
          const view = createFaultyAdapter(store, { killAt: { call, when } });
          let returned = false;
          void runnerOf(view.adapter, doubled, issues, 300)
            .work()
            .then(() => {
              returned = true;
            });
          while (!returned && !view.killed) await new Promise((r) => setTimeout(r, 5));
          if (view.killed) await new Promise((r) => setTimeout(r, 320)); // its lease lapses
          await runnerOf(store, doubled, issues, 300).work();
          expect((await store.jobs.get(TENANT, job.id))!.status).toBe("succeeded");
          // After a resume the edited copy meets the first copy's version, written by this job in an
          // earlier run, instead of `seen`: it is still the later copy, and skipped.
          expect(await chunkIds(store, { library: true })).toEqual(fresh);
          expect(
            issues.some((i) => i.code === "duplicate-conversation" && i.conversationId === list[0]!.id),
          ).toBe(true);
        },
      ),
      { numRuns: 12 },
    );
  }, 60_000);
});
