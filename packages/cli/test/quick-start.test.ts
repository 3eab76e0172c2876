import { execFileSync, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { IN_CI, REPO, tempDir } from "./helpers.js";

/** The commands of the README's quick-start code block. */
function quickStart(): string[] {
  const readme = readFileSync(join(REPO, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Quick start"));
  const block = /```sh\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error("README.md: no ```sh block under ## Quick start");
  return block[1]!.split("\n").filter((line) => line.trim() !== "");
}

describe("the README's quick start", () => {
  it("is exactly two commands: install + build + import the sample ChatGPT export with the CLI, then the tests", () => {
    const commands = quickStart();
    expect(commands).toHaveLength(2);
    expect(commands[0]).toMatch(
      /^pnpm install && pnpm build && pnpm threadmill import examples\/data\/chatgpt-export\.zip$/,
    );
    expect(commands[1]).toBe("pnpm test");
    expect(existsSync(join(REPO, "examples/data/chatgpt-export.zip"))).toBe(true);
    const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8"));
    expect(pkg.scripts.threadmill).toBe("node packages/cli/dist/bin.js");
    expect(pkg.scripts.test).toBe("vitest run");
  });

  // A fresh clone installs (reusing the machine's pnpm store), builds everything and imports: minutes,
  // so it runs in CI (CI=true) and when THREADMILL_TEST_QUICKSTART=1, and is skipped otherwise.
  const run = IN_CI || process.env.THREADMILL_TEST_QUICKSTART === "1";
  const clone = tempDir("threadmill-quickstart-");
  afterAll(() => clone.cleanup());

  it.skipIf(!run)(
    "its first command works from a fresh git clone, on a terminal: progress bar, then the summary",
    async () => {
      const dest = join(clone.path, "threadmill");
      execFileSync("git", ["clone", "-q", "--no-hardlinks", REPO, dest], { stdio: "inherit" });
      const command = quickStart()[0]!;
      // `script` gives the command a terminal, as a user's shell would, so the bar is drawn.
      const child = spawn("script", ["-qfec", `stty cols 160 rows 40; ${command}`, "/dev/null"], {
        cwd: dest,
        env: { ...process.env, THREADMILL_STORE: undefined },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => {
        output += d;
      });
      child.stderr.setEncoding("utf8").on("data", (d: string) => {
        output += d;
      });
      const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
      expect(code, output.slice(-4000)).toBe(0);
      expect(output).toMatch(/import \|[\u2588\u2591]{20}\| +100%/);
      expect(output).toMatch(/done: 96 conversations, [\d,]+ messages -> [\d,]+ chunks/);
      expect(existsSync(join(dest, ".threadmill", "pgdata", "PG_VERSION"))).toBe(true);
    },
    900_000,
  );
});
