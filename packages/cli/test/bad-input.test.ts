import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, runBin, tempDir } from "./helpers.js";

const SECRET = "s3cr3t-pa55word";
let dir: { path: string; cleanup: () => void };

beforeAll(() => {
  assertBuilt();
  dir = tempDir();
  writeFileSync(join(dir.path, "notes.txt"), "these are my notes, not an export\n");
  writeFileSync(join(dir.path, "empty.json"), "[]");
});
afterAll(() => dir?.cleanup());

const noStack = (text: string) => expect(text).not.toMatch(/\n\s+at /);
/** Exactly one line on stderr, prefixed `threadmill: `. */
const oneLine = (stderr: string) => {
  expect(stderr.trimEnd().split("\n")).toHaveLength(1);
  expect(stderr).toMatch(/^threadmill: /);
};

describe("bad input: one line on stderr, exit 2, no stack, no secret", () => {
  it("a missing file", async () => {
    const r = await runBin(["import", "nope.zip", "--store", "memory"], { cwd: dir.path });
    expect(r.code).toBe(2);
    oneLine(r.stderr);
    expect(r.stderr).toContain("no such file or directory: nope.zip");
    expect(r.stdout).toBe("");
  });

  it("an input that is not an export (found after the job started: it fails with ExportFormatError)", async () => {
    const r = await runBin(["import", "notes.txt", "--store", "memory", "--json"], { cwd: dir.path });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/threadmill: import failed: .*(JSON|export)/i);
    noStack(r.stderr);
    const summary = JSON.parse(r.stdout.trim().split("\n").at(-1)!);
    expect(summary).toMatchObject({ type: "summary", status: "failed" });
  });

  it("an empty export is valid and imports nothing", async () => {
    const r = await runBin(["import", "empty.json", "--store", "memory", "--json"], { cwd: dir.path });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout.trim().split("\n").at(-1)!);
    expect(summary).toMatchObject({ type: "summary", status: "succeeded", conversations: 0, chunks: 0 });
  });

  it("an unreachable redis store: the password never shows", async () => {
    const r = await runBin(["status", "--store", `redis://admin:${SECRET}@127.0.0.1:1/0`]);
    expect(r.code).toBe(2);
    oneLine(r.stderr);
    expect(r.stderr).toContain("cannot connect to the store redis://admin:***@127.0.0.1:1/0");
    expect(r.stderr + r.stdout).not.toContain(SECRET);
  });

  it("an unreachable postgres store: the password never shows, also with --debug", async () => {
    const r = await runBin(["status", "--debug", "--store", `postgres://app:${SECRET}@127.0.0.1:1/db`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("cannot connect to the store postgres://app:***@127.0.0.1:1/db");
    expect(r.stderr).toMatch(/\n\s+at /); // --debug shows the stack...
    expect(r.stderr + r.stdout).not.toContain(SECRET); // ...still without the secret
  });

  it("a store URL with an unknown scheme, and a malformed one", async () => {
    const a = await runBin(["status", "--store", `mysql://root:${SECRET}@db/x`]);
    expect(a.code).toBe(2);
    oneLine(a.stderr);
    expect(a.stderr).toContain('unknown scheme "mysql://"');
    expect(a.stderr).not.toContain(SECRET);
    const b = await runBin(["status", "--store", `redis://:${SECRET}@[::1/`]);
    expect(b.code).toBe(2);
    oneLine(b.stderr);
    expect(b.stderr).toContain("is not a valid URL");
    expect(b.stderr).not.toContain(SECRET);
  });

  it("facts flags: the key is required, the others go with --facts, and bad values are named", async () => {
    const cases: [string[], RegExp, Record<string, string>?][] = [
      [
        ["import", "empty.json", "--store", "memory", "--facts"],
        /--facts needs an Anthropic API key in ANTHROPIC_API_KEY/,
      ],
      [["import", "empty.json", "--store", "memory", "--budget-usd", "5"], /--budget-usd goes with --facts/],
      [
        ["import", "empty.json", "--store", "memory", "--batch", "--model", "x"],
        /--model, --batch go with --facts/,
      ],
      [
        ["import", "empty.json", "--store", "memory", "--facts", "--budget-usd", "-1"],
        /--budget-usd must be a positive amount of dollars, got "-1"/,
        { ANTHROPIC_API_KEY: SECRET },
      ],
      [
        ["import", "empty.json", "--store", "memory", "--facts", "--model", "gpt-4"],
        /--model gpt-4 has no price/,
        { ANTHROPIC_API_KEY: SECRET },
      ],
      [["estimate", "empty.json"], /estimate needs --facts/],
    ];
    for (const [args, message, env] of cases) {
      const r = await runBin(args, { cwd: dir.path, env: { ANTHROPIC_API_KEY: undefined, ...env } });
      expect(r.code, args.join(" ")).toBe(2);
      oneLine(r.stderr);
      expect(r.stderr).toMatch(message);
      expect(r.stderr + r.stdout).not.toContain(SECRET);
    }
  });

  it("bad flag values", async () => {
    const cases: [string[], RegExp][] = [
      [
        ["import", "empty.json", "--store", "memory", "--max-tokens", "lots"],
        /--max-tokens must be a whole number/,
      ],
      [
        ["import", "empty.json", "--store", "memory", "--overlap", "400"],
        /--overlap 400 must be at most half/,
      ],
      [
        ["import", "empty.json", "--store", "memory", "--tokenizer", "gpt2"],
        /--tokenizer.*gpt2.*invalid|Allowed choices/,
      ],
      [
        ["import", "empty.json", "--store", "memory", "--branches", "some"],
        /Allowed choices are active, all/,
      ],
      [["worker", "--store", "memory", "--concurrency", "0"], /--concurrency must be a whole number from 1/],
      [
        ["import", "empty.json", "--store", "memory", "--threads", "many"],
        /--threads must be a whole number from 0 to 64/,
      ],
      [["worker", "--store", "memory", "--threads", "-1"], /--threads must be a whole number from 0 to 64/],
      [
        ["export", "j", "--what", "everything", "--store", "memory"],
        /--what must be conversations, chunks or facts/,
      ],
      [["purge", "--store", "memory"], /either a job id or --all/],
      [["import"], /missing required argument 'input'/],
      [["frobnicate"], /unknown command 'frobnicate'/],
      [["status", "--tenant", "", "--store", "memory"], /--tenant must be 1 to 200 characters/],
    ];
    for (const [args, message] of cases) {
      const r = await runBin(args, { cwd: dir.path });
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr, args.join(" ")).toMatch(message);
      noStack(r.stderr);
    }
  });

  it("an unknown job, for every command that addresses one", async () => {
    for (const args of [
      ["status", "0190-unknown"],
      ["events", "0190-unknown"],
      ["export", "0190-unknown", "--what", "chunks"],
      ["cancel", "0190-unknown"],
      ["purge", "0190-unknown"],
    ]) {
      const r = await runBin([...args, "--store", "memory"]);
      expect(r.code, args.join(" ")).toBe(2);
      oneLine(r.stderr);
      expect(r.stderr).toContain('no job 0190-unknown for tenant "local"');
    }
  });

  it("--help and --version exit 0", async () => {
    const help = await runBin(["--help"]);
    expect(help.code).toBe(0);
    for (const command of ["import", "worker", "status", "events", "export", "cancel", "purge"]) {
      expect(help.stdout).toContain(command);
    }
    const version = await runBin(["--version"]);
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+/);
  });
});
