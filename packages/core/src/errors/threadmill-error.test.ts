import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it, vi } from "vitest";
import { classifyError } from "../pipeline/classify-error.js";
import * as sourceErrors from "./index.js";
import {
  ConflictError,
  ExportFormatError,
  JobConfigurationError,
  LeaseLostError,
  ProviderError,
  RateLimitedError,
  StorageError,
  ThreadmillError,
} from "./index.js";

type ErrorsModule = typeof sourceErrors;

/** One instance of every error class, built from the given copy of the module. */
const samplesOf = (errors: ErrorsModule) => [
  new errors.ExportFormatError("not an export", {
    reason: "unknown-format",
    offset: 12,
    entry: "conversations.json",
  }),
  new errors.ConflictError({ existingJobId: "job-1", key: "singletonKey", tenant: "t" }),
  new errors.LeaseLostError("job-1", 3, 4),
  new errors.BudgetExceededError({ limit: 5, spent: 5.01, unit: "usd" }),
  new errors.RateLimitedError({ retryAfterMs: 1500, limiter: "anthropic" }),
  new errors.CancelledError({ jobId: "job-1" }),
  new errors.StorageError({ adapter: "redis", operation: "claim", cause: new Error("ECONNRESET") }),
  new errors.JobConfigurationError(
    "UNKNOWN_PIPELINE",
    'job j names pipeline "x", which this worker does not have',
  ),
  new errors.StoreLockedError({ path: "/tmp/store", ownerPid: 42 }),
  new errors.ProviderError({
    provider: "anthropic",
    status: 401,
    type: "authentication_error",
    retriable: false,
  }),
];

const samples = () => samplesOf(sourceErrors).slice(0, 8);

describe("ThreadmillError", () => {
  it("gives every error a stable code, a name equal to its class name and a [threadmill] message", () => {
    const codes = samples().map((e) => [e.constructor.name, e.name, e.code]);
    expect(codes).toEqual([
      ["ExportFormatError", "ExportFormatError", "EXPORT_FORMAT"],
      ["ConflictError", "ConflictError", "CONFLICT"],
      ["LeaseLostError", "LeaseLostError", "LEASE_LOST"],
      ["BudgetExceededError", "BudgetExceededError", "BUDGET_EXCEEDED"],
      ["RateLimitedError", "RateLimitedError", "RATE_LIMITED"],
      ["CancelledError", "CancelledError", "CANCELLED"],
      ["StorageError", "StorageError", "STORAGE"],
      ["JobConfigurationError", "JobConfigurationError", "JOB_CONFIGURATION"],
    ]);
    for (const e of samples()) {
      expect(e).toBeInstanceOf(Error);
      expect(e).toBeInstanceOf(ThreadmillError);
      expect(e.message.startsWith("[threadmill] ")).toBe(true);
    }
  });

  it("keeps structured fields and the cause", () => {
    const cause = new Error("socket closed");
    const storage = new StorageError({ adapter: "postgres", operation: "save checkpoint", cause });
    expect(storage.cause).toBe(cause);
    expect(storage.adapter).toBe("postgres");
    expect(storage.retriable).toBe(true);
    expect(storage.message).toBe("[threadmill] [postgres] save checkpoint failed: socket closed");
    const conflict = new ConflictError({ existingJobId: "abc", key: "idempotencyKey", tenant: "u1" });
    expect(conflict.existingJobId).toBe("abc");
    expect(new RateLimitedError({ retryAfterMs: 250 }).retryAfterMs).toBe(250);
    const format = new ExportFormatError("bad", { reason: "truncated", offset: 99 });
    expect([format.reason, format.offset, format.retriable]).toEqual(["truncated", 99, false]);
    const lease = new LeaseLostError("j", 1, 2);
    expect([lease.jobId, lease.epoch, lease.currentEpoch, lease.retriable]).toEqual(["j", 1, 2, true]);
    const config = new JobConfigurationError(
      "INVALID_OPTIONS",
      "import option maxTokens must be a whole number",
    );
    expect([config.reason, config.retriable]).toEqual(["INVALID_OPTIONS", false]);
    expect(config.message).toBe(
      "[threadmill] [INVALID_OPTIONS] import option maxTokens must be a whole number",
    );
    expect(JobConfigurationError.isInstance(config)).toBe(true);
    expect(ThreadmillError.isInstance(config)).toBe(true);
    expect(JobConfigurationError.isInstance(lease)).toBe(false);
    expect(classifyError(config)).toBe("fatal");
  });

  it("isInstance tells the classes apart", () => {
    const lease = new LeaseLostError("j", 1, 2);
    expect(ThreadmillError.isInstance(lease)).toBe(true);
    expect(LeaseLostError.isInstance(lease)).toBe(true);
    expect(ConflictError.isInstance(lease)).toBe(false);
    for (const value of [null, undefined, "LeaseLostError", 42, new Error("x"), { name: "LeaseLostError" }]) {
      expect(ThreadmillError.isInstance(value)).toBe(false);
      expect(LeaseLostError.isInstance(value)).toBe(false);
    }
  });

  it("isInstance holds across two copies of the module, where instanceof does not", async () => {
    vi.resetModules();
    // A query string makes the module runner load a second, separate instance of the module.
    const specifier = "./index.js?copy=2";
    const copy = (await import(/* @vite-ignore */ specifier)) as typeof import("./index.js");
    expect(copy.LeaseLostError).not.toBe(LeaseLostError);
    const foreign = new copy.LeaseLostError("j", 1, 2);
    expect(foreign instanceof LeaseLostError).toBe(false);
    expect(LeaseLostError.isInstance(foreign)).toBe(true);
    expect(ThreadmillError.isInstance(foreign)).toBe(true);
    expect(copy.ThreadmillError.isInstance(new LeaseLostError("j", 1, 2))).toBe(true);
    expect(ConflictError.isInstance(foreign)).toBe(false);
  });

  it("never puts a password, token or signed URL into a message", () => {
    const cause = new Error(
      "connect failed: postgres://app:hunter2@db.example.com:5432/x and https://x.supabase.co/storage/v1/object/sign/b/p?token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.abc123def456 with Bearer abc.def.ghi and sk-ant-api03-secretkey",
    );
    const e = new StorageError({ adapter: "postgres", cause });
    for (const secret of ["hunter2", "eyJhbGciOiJIUzI1NiJ9", "abc.def.ghi", "secretkey"]) {
      expect(e.message).not.toContain(secret);
    }
    expect(e.message).toContain("postgres://app:***@db.example.com");
  });

  it("isInstance survives minification: every class tells its own from its siblings' across a mangled bundle and the source", async () => {
    const dir = await mkdtemp(join(tmpdir(), "threadmill-minified-errors-"));
    try {
      // esbuild is not a dependency of core; reach it through tsup, which bundles the package with it.
      const requireFromTsup = createRequire(createRequire(import.meta.url).resolve("tsup"));
      const esbuild = requireFromTsup("esbuild") as { build(options: object): Promise<unknown> };
      const outfile = join(dir, "errors.min.mjs");
      await esbuild.build({
        entryPoints: [fileURLToPath(new URL("./index.ts", import.meta.url))],
        bundle: true,
        format: "esm",
        platform: "node",
        minify: true,
        keepNames: false,
        outfile,
        logLevel: "silent",
      });
      const code = await readFile(outfile, "utf8");
      expect(code).not.toMatch(/class (ThreadmillError|LeaseLostError)\b/);
      const minified = (await import(/* @vite-ignore */ pathToFileURL(outfile).href)) as ErrorsModule;
      expect(minified.LeaseLostError.name).not.toBe("LeaseLostError");

      const names = samplesOf(sourceErrors).map((error) => error.name);
      const errorClasses = Object.keys(sourceErrors).filter((key) => key !== "ThreadmillError");
      expect([...names].sort()).toEqual(errorClasses.sort());
      for (const [checking, built] of [
        [minified, sourceErrors],
        [sourceErrors, minified],
        [minified, minified],
      ] as const) {
        const instances = samplesOf(built);
        for (const error of instances) {
          expect(checking.ThreadmillError.isInstance(error)).toBe(true);
          for (const name of names) {
            const errorClass = checking[name as keyof ErrorsModule] as typeof ThreadmillError;
            expect([name, error.name, errorClass.isInstance(error)]).toEqual([
              name,
              error.name,
              name === error.name,
            ]);
          }
        }
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("ProviderError", () => {
  it("is retriable as its status says, carries the provider's wait, and never the key", () => {
    const cause = Object.assign(new Error("401 invalid x-api-key sk-ant-api03-abcdefghijkl"), {
      status: 401,
    });
    const refused = new ProviderError({
      provider: "anthropic",
      status: 401,
      type: "authentication_error",
      retriable: false,
      cause,
    });
    expect(refused).toMatchObject({
      code: "PROVIDER",
      status: 401,
      type: "authentication_error",
      retriable: false,
      retryAfterMs: 0,
    });
    expect(refused.message).toBe(
      "[threadmill] [anthropic] HTTP 401 authentication_error: 401 invalid x-api-key sk-ant-***",
    );
    expect(ProviderError.isInstance(refused)).toBe(true);
    const busy = new ProviderError({
      provider: "anthropic",
      status: null,
      retriable: true,
      retryAfterMs: 2000,
    });
    expect(busy).toMatchObject({ status: null, type: null, retriable: true, retryAfterMs: 2000 });
    expect(busy.message).toContain("no answer");
  });
});
