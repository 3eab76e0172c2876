import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { collectBytes, evolveChatgptExport, generateExport } from "@threadmill/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, jsonLines, runBin, tempDir } from "./helpers.js";

type Summary = {
  jobId: string;
  status: string;
  chunks: number;
  library: { unchanged: number; changed: number; new: number; missing: number };
};

describe("threadmill import of a newer export, and export --library", () => {
  const dir = tempDir();
  let base: string;
  let next: string;
  let changes: ReturnType<typeof evolveChatgptExport>;

  beforeAll(async () => {
    assertBuilt();
    const generate = (seed: number, conversations: number) =>
      collectBytes(generateExport({ format: "chatgpt-json", seed, conversations, branches: 0.3 }).bytes());
    const [bytes, extra] = await Promise.all([generate(91, 30), generate(92, 3)]);
    changes = evolveChatgptExport(bytes, { seed: 91, edit: 0.2, remove: 0.1, addFrom: extra });
    base = join(dir.path, "base.json");
    next = join(dir.path, "next.json");
    writeFileSync(base, changes.base);
    writeFileSync(next, changes.bytes);
  });
  afterAll(() => dir.cleanup());

  it("says what changed, and the library then reads as a fresh import of the newer export", async () => {
    const store = join(dir.path, "store");
    expect((await runBin(["import", base, "--store", store, "--json"])).code).toBe(0);
    const r = await runBin(["import", next, "--missing", "delete", "--store", store, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const summary = jsonLines(r.stdout).at(-1) as Summary;
    expect(summary.status).toBe("succeeded");
    expect(summary.library).toEqual({
      unchanged: 30 - changes.removed.length - changes.edited.length,
      changed: changes.edited.length,
      new: changes.added.length,
      missing: changes.removed.length,
    });

    const fresh = join(dir.path, "fresh");
    const f = await runBin(["import", next, "--store", fresh, "--json"]);
    const freshJob = (jsonLines(f.stdout).at(-1) as Summary).jobId;
    const freshChunks = await runBin(["export", freshJob, "--what", "chunks", "--store", fresh]);
    const library = await runBin(["export", "--library", "--what", "chunks", "--store", store]);
    expect(library.code, library.stderr).toBe(0);
    const ids = (out: string) => (jsonLines(out) as { id: string }[]).map((c) => c.id).sort();
    expect(ids(library.stdout)).toEqual(ids(freshChunks.stdout));
    expect(ids(library.stdout).length).toBeGreaterThan(summary.chunks);
  });

  it("refuses export with both a job id and --library, or neither", async () => {
    const store = join(dir.path, "store-human");
    const both = await runBin(["export", "some-job", "--library", "--what", "chunks", "--store", store]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("--library");
    const neither = await runBin(["export", "--what", "chunks", "--store", store]);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain("--library");
  });
});
