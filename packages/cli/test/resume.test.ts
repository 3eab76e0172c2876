import { join } from "node:path";
import { generateExportToFile } from "@threadmill/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  assertBuilt,
  type BinResult,
  jsonLines,
  runBin,
  startBin,
  tempDir,
  waitForOutput,
} from "./helpers.js";

// A generated 30 MB ChatGPT export, imported on the embedded PGlite store: interrupted (SIGINT,
// SIGTERM, kill -9) and resumed by running the same command again, it must end with exactly the
// chunks of an uninterrupted run.
let dir: { path: string; cleanup: () => void };
let input: string;
let reference: { summary: Record<string, unknown>; chunkIds: string[] };

async function chunkIds(store: string, jobId: string): Promise<string[]> {
  const r = await runBin(["export", jobId, "--what", "chunks", "--store", store]);
  expect(r.code).toBe(0);
  return jsonLines(r.stdout).map((c) => c.id as string);
}

/** Waits until the import has checkpointed at least one unit but is not done. */
const midway = (r: BinResult) =>
  jsonLines(r.stdout.slice(0, r.stdout.lastIndexOf("\n") + 1)).some(
    (e) => e.type === "progress" && (e.done as number) > 0 && (e.done as number) < (e.total as number),
  );

beforeAll(async () => {
  assertBuilt();
  dir = tempDir("threadmill-cli-resume-");
  input = join(dir.path, "conversations.json");
  await generateExportToFile(input, { format: "chatgpt-json", seed: 30, targetBytes: 30e6, truth: "counts" });
  const store = join(dir.path, "reference");
  const r = await runBin(["import", input, "--store", store, "--json"], { timeoutMs: 240_000 });
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  const summary = jsonLines(r.stdout).at(-1)!;
  expect(summary).toMatchObject({ type: "summary", status: "succeeded" });
  reference = { summary, chunkIds: await chunkIds(store, summary.jobId as string) };
  expect(reference.chunkIds.length).toBe(summary.chunks);
}, 300_000);
afterAll(() => dir?.cleanup());

describe("interrupted imports resume from their checkpoint (generated 30 MB export, PGlite store)", {
  timeout: 300_000,
}, () => {
  it("kill -9 mid-import, then the same command completes with the same chunk ids as an uninterrupted run, no duplicates", async () => {
    const store = join(dir.path, "killed");
    const first = startBin(["import", input, "--store", store, "--json"]);
    await waitForOutput(first, midway, 240_000);
    first.kill("SIGKILL");
    const killed = await first.done;
    expect(killed.signal).toBe("SIGKILL");
    expect(killed.stdout).not.toContain('"type":"summary"');

    const again = await runBin(["import", input, "--store", store, "--json"], { timeoutMs: 240_000 });
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/resuming job \S+ from its checkpoint \([1-9][\d,]* conversations done\)/);
    const summary = jsonLines(again.stdout).at(-1)!;
    expect(summary).toMatchObject({
      status: "succeeded",
      conversations: reference.summary.conversations,
      messages: reference.summary.messages,
      chunks: reference.summary.chunks,
      issues: reference.summary.issues,
    });
    const ids = await chunkIds(store, summary.jobId as string);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual([...reference.chunkIds].sort());
  });

  it("Ctrl-C (SIGINT) checkpoints, releases, prints how to resume and exits 130; SIGTERM exits 143; the same command finishes the job", async () => {
    const store = join(dir.path, "interrupted");
    const args = ["import", input, "--store", store, "--json"];
    const first = startBin(args);
    await waitForOutput(first, midway, 240_000);
    first.kill("SIGINT");
    const stopped = await first.done;
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toContain("SIGINT: saving the checkpoint");
    expect(stopped.stderr).toMatch(
      /interrupted; job \S+ is saved at [1-9][\d,]* conversations\. Run the same command to resume:/,
    );
    expect(stopped.stderr).toContain(`threadmill import ${input} --store ${store} --json`);
    expect(stopped.stderr).not.toMatch(/\n\s+at /);
    const events = jsonLines(stopped.stdout);
    expect(events.at(-1)).toMatchObject({ type: "yielded", status: "queued" });
    const status = JSON.parse((await runBin(["status", "--store", store, "--json"])).stdout);
    expect(status).toMatchObject([{ status: "queued" }]);
    expect(status[0].counts.conversations).toBeGreaterThan(0);
    const jobId = status[0].jobId as string;

    const second = startBin(args);
    await waitForOutput(
      second,
      (r) => r.stderr.includes("resuming") && jsonLines(r.stdout).some((e) => e.type === "started"),
      240_000,
    );
    second.kill("SIGTERM");
    const terminated = await second.done;
    expect(terminated.code).toBe(143);
    expect(terminated.stderr).toContain("Run the same command to resume");

    const last = await runBin(args, { timeoutMs: 240_000 });
    expect(last.code).toBe(0);
    const summary = jsonLines(last.stdout).at(-1)!;
    expect(summary).toMatchObject({ jobId, status: "succeeded", chunks: reference.summary.chunks });
    const ids = await chunkIds(store, jobId);
    expect(ids.sort()).toEqual([...reference.chunkIds].sort());
  });
});
