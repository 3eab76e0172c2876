// `@opentelemetry/api` is an optional peer: without it, a runner must work exactly as before. This
// builds core and the memory adapter with their own tsup configs (no .d.ts) into a temporary
// node_modules, and runs a small import, from ESM and from CJS, in a child Node whose module
// resolution fails for `@opentelemetry/api` as it does when the package is not installed.
import { execFile, execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const PACKAGES = fileURLToPath(new URL("../../..", import.meta.url));
const BUILD = `const { build } = await import("tsup"); await build({ dts: false, outDir: process.argv[1], silent: true });`;

/** `packages/<name>` built by its tsup config into `<dir>/node_modules/@threadmill/<name>`, beside its package.json. */
async function tsupInto(dir: string, name: string): Promise<string> {
  const target = join(dir, "node_modules/@threadmill", name);
  mkdirSync(target, { recursive: true });
  copyFileSync(join(PACKAGES, name, "package.json"), join(target, "package.json"));
  await promisify(execFile)(process.execPath, ["--input-type=module", "-e", BUILD, join(target, "dist")], {
    cwd: join(PACKAGES, name),
    timeout: 60_000,
  });
  return target;
}

// Throws what Node throws for a package that is not installed; imports of anything else go through.
const HOOK = `
export async function resolve(specifier, context, next) {
  if (specifier === "@opentelemetry/api" || specifier.startsWith("@opentelemetry/api/")) {
    const error = new Error("Cannot find package '" + specifier + "' (hidden by the test)");
    error.code = "ERR_MODULE_NOT_FOUND";
    throw error;
  }
  return next(specifier, context);
}`;
const REGISTER = `import { register } from "node:module";\nregister(new URL("./hook.mjs", import.meta.url));\n`;
// require() does not pass module.register's hooks on Node 20: a CJS build that require()d the peer
// would find it. This makes require fail the same way.
const BLOCK_REQUIRE = `
const Module = require("node:module");
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === "@opentelemetry/api" || request.startsWith("@opentelemetry/api/")) {
    const error = new Error("Cannot find module '" + request + "' (hidden by the test)");
    error.code = "MODULE_NOT_FOUND";
    throw error;
  }
  return resolve.call(this, request, ...rest);
};`;

/** A tiny ChatGPT export imported by the child, and what it prints. */
const MAIN = (load: string) => `
${load}
let peer = "found";
try {
  await import("@opentelemetry/api");
} catch (error) {
  peer = error.code;
}
const conversation = (i) => ({
  id: "c" + i,
  title: "Conversation " + i,
  create_time: 1700000000 + i,
  mapping: {
    root: { id: "root", message: null, parent: null, children: ["m" + i] },
    ["m" + i]: {
      id: "m" + i,
      parent: "root",
      children: [],
      message: { id: "m" + i, author: { role: "user" }, create_time: 1700000000 + i, content: { content_type: "text", parts: ["Hello " + i] } },
    },
  },
  current_node: "m" + i,
});
const bytes = new TextEncoder().encode(JSON.stringify([0, 1, 2].map(conversation)));
const store = createMemoryAdapter();
const runner = createRunner({
  store,
  pipelines: { import: createImportPipeline() },
  sources: { memory: () => createBytesSource(bytes) },
});
const { job } = await runner.submit({ tenant: "t", pipeline: "import", input: { kind: "memory" } });
const { runs } = await runner.work();
const done = await store.jobs.get("t", job.id);
console.log(JSON.stringify({ peer, outcome: runs[0]?.outcome, conversations: done.counts.conversations }));
`;

let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "threadmill-without-otel-"));
  const [core] = await Promise.all([tsupInto(dir, "core"), tsupInto(dir, "adapter-memory")]);
  // Core's dependencies (zod, p-retry, ...) and its dev dependency @opentelemetry/api, installed for
  // core and for the child's own scripts: only the hook hides it.
  symlinkSync(join(PACKAGES, "core/node_modules"), join(core, "node_modules"), "dir");
  symlinkSync(
    join(PACKAGES, "core/node_modules/@opentelemetry"),
    join(dir, "node_modules/@opentelemetry"),
    "dir",
  );
  writeFileSync(join(dir, "hook.mjs"), HOOK);
  writeFileSync(join(dir, "register-hook.mjs"), REGISTER);
  writeFileSync(join(dir, "block-require.cjs"), BLOCK_REQUIRE);
  const names = "createBytesSource, createImportPipeline, createRunner";
  writeFileSync(
    join(dir, "esm.mjs"),
    MAIN(`import { ${names} } from "@threadmill/core";
import { createMemoryAdapter } from "@threadmill/adapter-memory";`),
  );
  // The CJS builds, through require().
  writeFileSync(
    join(dir, "cjs.mjs"),
    MAIN(`import { createRequire } from "node:module";
const require = createRequire(import.meta.url);
const { ${names} } = require("@threadmill/core");
const { createMemoryAdapter } = require("@threadmill/adapter-memory");`),
  );
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `script` in a child Node (exit code 0 or it throws) and parses the line it printed. */
function child(script: string, hidePeer: boolean): { peer: string; outcome: string; conversations: number } {
  const args = hidePeer
    ? ["--import", join(dir, "register-hook.mjs"), "--require", join(dir, "block-require.cjs")]
    : [];
  const out = execFileSync(process.execPath, [...args, join(dir, script)], {
    cwd: dir,
    encoding: "utf8",
    timeout: 30_000,
  });
  return JSON.parse(out.trim().split("\n").at(-1)!);
}

describe("without @opentelemetry/api installed", () => {
  it.each(["esm.mjs", "cjs.mjs"])("the built core (%s) imports a small export and exits 0", (script) => {
    expect(child(script, true)).toEqual({
      peer: "ERR_MODULE_NOT_FOUND",
      outcome: "succeeded",
      conversations: 3,
    });
  });

  it("the same child finds the peer when it is not hidden (the hook is what hides it)", () => {
    expect(child("esm.mjs", false)).toEqual({ peer: "found", outcome: "succeeded", conversations: 3 });
  });
});
