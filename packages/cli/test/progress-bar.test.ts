import { execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { generateExportToFile } from "@threadmill/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, BIN, IN_CI, tempDir } from "./helpers.js";

// `script` (util-linux) runs the binary on a pseudo-terminal, so stdout and stderr are TTYs there.
const hasScript = (() => {
  try {
    execFileSync("script", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();
if (!hasScript && IN_CI)
  throw new Error("[cli tests] `script` (util-linux) is needed for the TTY test when CI=true");

let dir: { path: string; cleanup: () => void };
let input: string;
beforeAll(async () => {
  assertBuilt();
  dir = tempDir("threadmill-cli-tty-");
  input = join(dir.path, "conversations.json");
  // Large enough that the import lasts several progress periods (1 s) even on worker threads.
  await generateExportToFile(input, { format: "chatgpt-json", seed: 7, targetBytes: 60e6, truth: "counts" });
}, 120_000);
afterAll(() => dir?.cleanup());

function onTty(command: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn("script", ["-qfec", `stty cols 160 rows 40; ${command}`, "/dev/null"], {
      cwd: dir.path,
      env: { ...process.env, THREADMILL_STORE: undefined, CI: undefined },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      output += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      output += d;
    });
    child.on("close", (code) => resolve({ code, output }));
  });
}

describe.skipIf(!hasScript)("on a terminal", { timeout: 180_000 }, () => {
  it("import draws a progress bar per stage (amount, rate, ETA, counts) on stderr and a readable summary, no JSON", async () => {
    const { code, output } = await onTty(`${process.execPath} ${BIN} import ${input} --store memory`);
    expect(code).toBe(0);
    const text = output.replace(/\r|\u001b\[1G/g, "\n");
    // cli-progress redraws its line in place: frames of the "import" stage's bar, the last one full.
    const frames = text.split("\n").filter((line) => /\bimport \|[\u2588\u2591]{20}\| +(\d+|\?)%/.test(line));
    expect(frames.length).toBeGreaterThan(1);
    const percents = frames.map((f) => Number(/\| +(\d+)%/.exec(f)?.[1] ?? 0));
    expect(Math.min(...percents)).toBeLessThan(100);
    expect(new Set(percents).size).toBeGreaterThan(2); // it moved
    expect(percents.at(-1)).toBe(100);
    expect(frames.at(-1)).toMatch(
      /\d+(\.\d+)? MB\/60\.\d+ MB \| [\d.]+ MB\/s \| ETA \S+ \| [\d,]+ conv \u00b7 [\d,]+ chunks/,
    );
    expect(output).toContain("\u001b[?25l"); // the cursor is hidden while the bar draws
    expect(text).toMatch(
      /done: [\d,]+ conversations, [\d,]+ messages -> [\d,]+ chunks.* in [\d.]+ s \u00b7 job \S+/,
    );
    expect(text).toMatch(/library: 0 unchanged, 0 changed, [\d,]+ new, 0 missing/);
    expect(text).not.toContain('"type":"summary"');
  });

  it("stdout redirected to a file: JSON lines go to the file, the bar stays on the terminal (stderr)", async () => {
    const out = join(dir.path, "out.jsonl");
    const { code, output } = await onTty(
      `${process.execPath} ${BIN} import ${input} --store memory > ${out}`,
    );
    expect(code).toBe(0);
    expect(output).toMatch(/import \|[\u2588\u2591]{20}\| +100%/);
    expect(output).not.toContain('"type"');
    const lines = readFileSync(out, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.at(-1)).toMatchObject({ type: "summary", status: "succeeded" });
    expect(lines.some((e) => e.type === "progress")).toBe(true);
  });

  it("--json on a terminal prints JSON lines and no bar", async () => {
    const { code, output } = await onTty(`${process.execPath} ${BIN} import ${input} --store memory --json`);
    expect(code).toBe(0);
    expect(output).not.toMatch(/import \|[\u2588\u2591]+\|/);
    expect(output).toContain('"type":"summary"');
  });
});
