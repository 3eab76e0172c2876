import { writeFileSync } from "node:fs";
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

// The operators' commands on the embedded PGlite store, through the built binary: a killed import
// is found by `jobs --stuck`, failed imports are listed and redriven once, and `cleanup` removes
// old finished jobs while the tenant's library stays.
let dir: { path: string; cleanup: () => void };
let store: string;

const json = (r: BinResult) => {
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as unknown;
};
const ids = (views: unknown) => (views as { jobId: string }[]).map((v) => v.jobId).sort();
const lastSummary = (r: BinResult) => jsonLines(r.stdout).at(-1) as { jobId: string; status: string };

beforeAll(() => {
  assertBuilt();
  dir = tempDir("threadmill-cli-ops-");
  store = join(dir.path, "store");
});
afterAll(() => dir?.cleanup());

describe("threadmill jobs, redrive and cleanup (PGlite store)", { timeout: 180_000 }, () => {
  const failed: string[] = [];
  let killed = "";
  let succeeded = "";

  it("jobs --stuck finds the import whose process was killed; jobs --status failed lists the failed ones", async () => {
    const big = join(dir.path, "big.json");
    await generateExportToFile(big, { format: "chatgpt-json", seed: 7, targetBytes: 12e6, truth: "counts" });
    const first = startBin(["import", big, "--store", store, "--json"]);
    const midway = (r: BinResult) =>
      jsonLines(r.stdout.slice(0, r.stdout.lastIndexOf("\n") + 1)).some((e) => e.type === "progress");
    await waitForOutput(first, midway, 120_000);
    first.kill("SIGKILL");
    await first.done;

    for (const [name, body] of [
      ["a.json", '{"x":1}'],
      ["b.json", '{"y":2}'],
    ] as const) {
      writeFileSync(join(dir.path, name), body);
      const r = await runBin(["import", join(dir.path, name), "--store", store, "--json"]);
      expect(r.code).toBe(2);
      failed.push(lastSummary(r).jobId);
    }
    const stuck = json(await runBin(["jobs", "--stuck", "--store", store, "--json"])) as {
      jobId: string;
      status: string;
      tenant: string;
    }[];
    expect(stuck.map((j) => [j.status, j.tenant])).toStrictEqual([["running", "local"]]);
    killed = stuck[0]!.jobId;
    expect(ids(json(await runBin(["jobs", "--status", "failed", "--store", store, "--json"])))).toStrictEqual(
      [...failed].sort(),
    );
    const human = await runBin(["jobs", "--stuck", "--store", store]);
    expect(human.stdout).toContain(`${killed}  running`);
    expect(human.stdout).toContain("lease expired");
  });

  it("redrive --dry-run changes nothing; redrive brings the failed jobs back once", async () => {
    const dry = json(await runBin(["redrive", "--dry-run", "--store", store, "--json"])) as {
      redriven: unknown;
    };
    expect(ids(dry.redriven)).toStrictEqual([...failed].sort());
    expect(ids(json(await runBin(["jobs", "--status", "failed", "--store", store, "--json"])))).toStrictEqual(
      [...failed].sort(),
    );

    const done = json(await runBin(["redrive", "--store", store, "--json"])) as {
      redriven: { status: string }[];
    };
    expect(ids(done.redriven)).toStrictEqual([...failed].sort());
    expect(done.redriven.map((j) => j.status)).toStrictEqual(["queued", "queued"]);
    expect(json(await runBin(["jobs", "--status", "failed", "--store", store, "--json"]))).toStrictEqual([]);
    const again = await runBin(["redrive", "--store", store]);
    expect(again.stdout).toContain("redrove 0 jobs.");
  });

  it("cleanup removes finished jobs older than --older-than and keeps the library", async () => {
    const ok = join(dir.path, "ok.json");
    await generateExportToFile(ok, { format: "chatgpt-json", seed: 3, targetBytes: 20e3, truth: "counts" });
    const r = await runBin(["import", ok, "--store", store, "--json"]);
    expect(r.code).toBe(0);
    succeeded = lastSummary(r).jobId;
    const library = await runBin(["export", "--library", "--what", "conversations", "--store", store]);
    expect(library.code).toBe(0);
    expect(jsonLines(library.stdout).length).toBeGreaterThan(0);

    expect(json(await runBin(["cleanup", "--older-than", "1h", "--store", store, "--json"]))).toMatchObject({
      jobs: 0,
    });
    expect(json(await runBin(["cleanup", "--older-than", "0s", "--store", store, "--json"]))).toMatchObject({
      jobs: 1,
    });
    const gone = await runBin(["status", succeeded, "--store", store]);
    expect(gone.code).toBe(2);
    const left = ids(json(await runBin(["jobs", "--store", store, "--json"])));
    expect(left).toStrictEqual([...failed, killed].sort());
    const after = await runBin(["export", "--library", "--what", "conversations", "--store", store]);
    expect(after.stdout).toBe(library.stdout);
    const bad = await runBin(["cleanup", "--older-than", "soon", "--store", store]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--older-than takes a duration");
  });
});
