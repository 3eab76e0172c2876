// The library tracker's memory stays that of one unit: a version it wrote is handed to the unit's
// writes and not kept, so once those writes drop it the garbage collector can take it. Kept, every
// version of a 1 GB import (30k conversations, 300k chunk ids) stayed on the heap until the job ended.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { createMemoryAdapter } from "@threadmill/adapter-memory";
import { collectBytes, generateExport } from "@threadmill/testkit";
import { expect, it } from "vitest";
import { LibraryTracker } from "../src/library/library-tracker.js";
import { readExport } from "../src/index.js";
import type { StoredConversation } from "../src/ports/conversation-store.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

it("keeps no version it wrote once the unit's writes are taken", async () => {
  const bytes = await collectBytes(
    generateExport({ format: "chatgpt-json", seed: 5, conversations: 40, branches: 0 }).bytes(),
  );
  const conversations: StoredConversation[] = [];
  for await (const { cursor: _cursor, ...c } of readExport(bytes)) conversations.push(c);
  const library = createMemoryAdapter().library!;
  const tracker = await LibraryTracker.load({
    store: library,
    tenant: "t",
    jobId: "job-1",
    settings: "s",
    missing: "keep",
  });

  // In a function of its own, so that no local of this test's frame holds the last version.
  const write = () => {
    const refs: WeakRef<object>[] = [];
    // Units of 8 conversations, as the import stage takes them.
    for (let at = 0; at < conversations.length; at += 8) {
      for (const conversation of conversations.slice(at, at + 8)) {
        const change = tracker.parsed(conversation);
        if (change === null || change === "duplicate") throw new Error("a new conversation expected");
        const chunkIds = Array.from({ length: 10 }, (_, i) => `${conversation.id}:chunk-${i}`);
        tracker.written(conversation, `raw-${conversation.id}`, change, chunkIds, 1);
      }
      for (const version of tracker.take().writes.versions) refs.push(new WeakRef(version));
    }
    return refs;
  };
  const versions = write();
  expect(versions).toHaveLength(40);

  // Let the WeakRefs' targets go: they are only held across a turn of the event loop.
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  const alive = versions.filter((v) => v.deref() !== undefined).length;
  expect(alive, "versions the tracker still holds").toBe(0);
  // And it still knows what it met: a later copy of a conversation it wrote is a duplicate.
  expect(tracker.parsed(conversations[3]!)).toBe("duplicate");
});
