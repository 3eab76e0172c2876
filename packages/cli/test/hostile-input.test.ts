import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, deleteRedisKeys, IN_CI, jsonLines, redisUp, runBin, tempDir } from "./helpers.js";

const REDIS_URL = "redis://127.0.0.1:6379";
const POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/test";

async function postgresUp(): Promise<boolean> {
  const { default: postgres } = await import("postgres");
  const sql = postgres(POSTGRES_URL, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    await sql`select 1`;
    return true;
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

async function dropSchema(schema: string): Promise<void> {
  const { default: postgres } = await import("postgres");
  const sql = postgres(POSTGRES_URL, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`drop schema if exists "${schema}" cascade`);
  } finally {
    await sql.end({ timeout: 1 });
  }
}

const redisAvailable = await redisUp(REDIS_URL);
const postgresAvailable = await postgresUp();
if ((!redisAvailable || !postgresAvailable) && IN_CI)
  throw new Error(
    `[cli tests] Redis (${REDIS_URL}) and Postgres (${POSTGRES_URL}) are required when CI=true`,
  );

const DEPTH = 100_000;

/**
 * Three ChatGPT conversations; the middle one carries arrays nested 100,000 deep in its own
 * `metadata`, in a message's `metadata` and as a message's `create_time` (JSON.parse accepts them;
 * JSON.stringify, structuredClone and String() overflow the stack on them).
 */
function hostileExport(): string {
  const deep = "[".repeat(DEPTH) + "]".repeat(DEPTH);
  const conversation = (id: string, hostile: boolean) => {
    const message = (key: string, role: string, text: string) => ({
      id: key,
      author: { role },
      create_time: hostile && role === "user" ? "__DEEP__" : 1700000000,
      content: { content_type: "text", parts: [text] },
      metadata: hostile ? { trace: "__DEEP__" } : {},
    });
    return {
      id,
      title: `title ${id}`,
      create_time: 1700000000,
      update_time: 1700000100,
      current_node: "b",
      ...(hostile ? { metadata: "__DEEP__" } : {}),
      mapping: {
        a: { id: "a", parent: null, children: ["b"], message: message("a", "user", `question ${id}`) },
        b: { id: "b", parent: "a", children: [], message: message("b", "assistant", `answer ${id}`) },
      },
    };
  };
  const list = [conversation("c1", false), conversation("c2", true), conversation("c3", false)];
  return JSON.stringify(list).replaceAll('"__DEEP__"', deep);
}

let dir: { path: string; cleanup: () => void };
let file: string;
beforeAll(() => {
  assertBuilt();
  dir = tempDir();
  file = join(dir.path, "conversations.json");
  writeFileSync(file, hostileExport());
});
afterAll(() => dir?.cleanup());

/** Imports the hostile export into `store` and checks that all three conversations were stored. */
async function importsIntoStore(store: string): Promise<void> {
  const r = await runBin(["import", file, "--store", store, "--json", "--verbose"], { timeoutMs: 150_000 });
  expect(r.stderr).not.toMatch(/Maximum call stack|RangeError/);
  expect(r.code).toBe(0);
  const summary = jsonLines(r.stdout).at(-1)!;
  expect(summary).toMatchObject({ type: "summary", status: "succeeded", conversations: 3, messages: 6 });
  const deep = r.stderr.split("\n").filter((l) => l.startsWith("issue: nesting-too-deep [c2]"));
  expect(deep).toHaveLength(1);
  const exported = await runBin([
    "export",
    summary.jobId as string,
    "--what",
    "conversations",
    "--store",
    store,
  ]);
  expect(exported.code).toBe(0);
  const stored = jsonLines(exported.stdout);
  expect(stored.map((c) => c.id)).toEqual(["c1", "c2", "c3"]);
  expect(stored[1]).toMatchObject({ title: "title c2" });
}

describe("import of an export with values nested 100,000 deep", { timeout: 180_000 }, () => {
  it("into the embedded PGlite store: drops them with an issue, stores every conversation", async () => {
    await importsIntoStore(join(dir.path, "pglite"));
  });

  it.skipIf(!postgresAvailable)("into Postgres (a fresh schema)", async () => {
    const schema = `tm_cli_deep_${process.pid}_${Date.now()}`;
    try {
      await importsIntoStore(`${POSTGRES_URL}?schema=${schema}`);
    } finally {
      await dropSchema(schema);
    }
  });

  it.skipIf(!redisAvailable)("into Redis (a fresh key prefix)", async () => {
    const prefix = `tm-cli-test-${process.pid}-${Date.now()}-deep`;
    try {
      await importsIntoStore(`${REDIS_URL}?prefix=${prefix}`);
    } finally {
      await deleteRedisKeys(REDIS_URL, prefix);
    }
  });
});
