// The whole promise in a real browser (Debian's Chromium through playwright-core) against `next start`
// on Postgres: upload a generated 20 MB export, watch the bar advance, reload mid-way, open a second
// tab with the same file, SIGKILL the server mid-import and start it again, and see the job finish
// with exactly the chunk ids of a CLI import of the same file, in 10-second slices.
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { createPostgresAdapter } from "@threadmill/adapter-supabase";
import { collectBytes, createFakeAnthropic, type FakeAnthropic, generateExport } from "@threadmill/testkit";
import postgres from "postgres";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP_DIR, type NextServer, startNext } from "./next-server.js";
import { startStorageStandIn } from "./storage-stand-in.js";

const run = promisify(execFile);
const CHROMIUM = "/usr/bin/chromium";
const DATABASE_URL = process.env.THREADMILL_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const CLI = join(APP_DIR, "../../packages/cli/dist/bin.js");
const ARTIFACTS = join(APP_DIR, "test-results");
const CRON_SECRET = randomBytes(16).toString("hex");
const ANTHROPIC_KEY = `sk-ant-test-${randomBytes(8).toString("hex")}`;
const SCHEMA = `e2e_${randomBytes(4).toString("hex")}`;
const CI = process.env.CI === "true";

async function missing(): Promise<string | null> {
  if (!existsSync(CHROMIUM)) return "Chromium is not installed (apt-get install -y chromium)";
  if (!existsSync(join(APP_DIR, ".next/BUILD_ID"))) return "the app is not built (pnpm build)";
  if (!existsSync(CLI)) return "the CLI is not built (pnpm build)";
  const sql = postgres(DATABASE_URL, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    await sql`select 1`;
    return null;
  } catch {
    return `Postgres is not reachable at ${DATABASE_URL.replace(/\/\/[^@]*@/, "//")}`;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

const why = await missing();
if (why && CI) throw new Error(`The browser tests need what CI provides: ${why}.`);

describe.skipIf(why !== null)(`the Next.js app in Chromium${why ? ` (skipped: ${why})` : ""}`, () => {
  let dir: string;
  let file: string;
  let browser: Browser;
  let server: NextServer;
  let fake: FakeAnthropic;
  const port = 3200 + Math.floor(Math.random() * 500);
  const env = () => ({
    DATABASE_URL,
    DATABASE_SCHEMA: SCHEMA,
    THREADMILL_UPLOAD_DIR: join(dir, "uploads"),
    // `next start` enforces no maxDuration: the slice length stands in for it (10 s, as the issue asks).
    THREADMILL_SLICE_MS: "10000",
    // Small units, each paced, so a 20 MB import lasts long enough to reload and kill mid-way.
    THREADMILL_BATCH_BYTES: String(512 * 1024),
    THREADMILL_UNIT_DELAY_MS: "300",
    // A killed server's job comes back after its lease: 4 s here instead of 15.
    THREADMILL_LEASE_MS: "4000",
    CRON_SECRET,
    // Facts go to testkit's fake Anthropic server through the real SDK.
    ANTHROPIC_API_KEY: ANTHROPIC_KEY,
    ANTHROPIC_BASE_URL: fake.url,
    THREADMILL_ANTHROPIC_TIER: "4",
  });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "tm-next-e2e-"));
    await mkdir(ARTIFACTS, { recursive: true });
    file = join(dir, "chatgpt-export.zip");
    await writeFile(
      file,
      await collectBytes(generateExport({ format: "chatgpt-zip", seed: 21, targetBytes: 20e6 }).bytes()),
    );
    fake = await createFakeAnthropic({ apiKey: ANTHROPIC_KEY });
    // Until the first test's SIGKILL, each unit takes a second: everything it does before the kill
    // (a reload, a network drop, a second upload of 20 MB) must fit well inside the import on a
    // loaded machine. The server it restarts runs at the usual pace.
    server = await startNext(port, { ...env(), THREADMILL_UNIT_DELAY_MS: "1000" });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
      ],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.kill("SIGKILL");
    await fake?.close();
    const sql = postgres(DATABASE_URL, { max: 1, onnotice: () => {} });
    await sql.unsafe(`drop schema if exists ${SCHEMA} cascade`);
    await sql.end();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** A new session uploads a generated export with planted facts, asking for facts: the estimate shows. */
  async function estimateFacts(name: string, seed: number, conversations: number) {
    const path = join(dir, name);
    const facts = { perConversation: 2, seed };
    await writeFile(
      path,
      await collectBytes(generateExport({ format: "chatgpt-zip", seed, conversations, facts }).bytes()),
    );
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(server.url);
    await page.getByLabel("Also extract facts").check();
    await page.getByLabel("export file").setInputFiles(path);
    await expect.poll(() => page.getByTestId("estimate").isVisible(), { timeout: 60_000 }).toBe(true);
    return { context, page };
  }

  /** The tenant of a browser context's session (the cookie is `<tenant>.<signature>`). */
  const tenantOf = async (context: BrowserContext) => {
    const session = (await context.cookies()).find((c) => c.name === "tm_session")!.value;
    return session.slice(0, session.lastIndexOf("."));
  };

  const barValue = async (page: Page) => Number(await page.getByTestId("bar").getAttribute("aria-valuenow"));

  async function upload(page: Page): Promise<string> {
    await page.goto(server.url);
    await page.getByLabel("export file").setInputFiles(file);
    await page.waitForURL(/\/imports\/[0-9a-f-]+$/, { timeout: 60_000 });
    return page.url().split("/").pop()!;
  }

  it("uploads, shows progress, survives a reload, a second tab and a SIGKILL, and ends with the CLI's chunks", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const jobId = await upload(page);

    // The bar advances.
    await expect.poll(() => barValue(page), { timeout: 30_000 }).toBeGreaterThan(0);
    await page.screenshot({ path: join(ARTIFACTS, "progress.png") });

    // A reload resumes the stream and the bar keeps going from where it was.
    const beforeReload = await barValue(page);
    await page.reload();
    await expect.poll(() => barValue(page), { timeout: 30_000 }).toBeGreaterThan(beforeReload);

    // A network drop: the EventSource reconnects by itself, sends Last-Event-ID, and the bar goes on.
    await context.setOffline(true);
    await page.waitForTimeout(1_500);
    const offlineAt = await barValue(page);
    await context.setOffline(false);
    await expect.poll(() => barValue(page), { timeout: 30_000 }).toBeGreaterThan(offlineAt);

    // A second tab uploading the same file lands on the same job.
    const second = await context.newPage();
    expect(await upload(second)).toBe(jobId);
    await second.close();

    // SIGKILL the server mid-import, start it again: the cron picks the job up once its lease expires.
    const status = async () =>
      ((await (await page.request.get(`${server.url}/api/imports/${jobId}`)).json()) as { status: string })
        .status;
    expect(["queued", "running"]).toContain(await status());
    const killedAt = await barValue(page);
    expect(killedAt).toBeLessThan(100);
    await server.kill("SIGKILL");
    server = await startNext(port, env());
    await expect
      .poll(
        async () => {
          await fetch(`${server.url}/api/cron`, { headers: { authorization: `Bearer ${CRON_SECRET}` } });
          return status();
        },
        { timeout: 120_000, interval: 2_000 },
      )
      .toBe("succeeded");

    await page.goto(`${server.url}/imports/${jobId}`);
    await expect.poll(() => page.getByTestId("result").isVisible(), { timeout: 30_000 }).toBe(true);
    await expect.poll(() => page.getByTestId("state").textContent(), { timeout: 30_000 }).toContain("Done");
    await expect.poll(() => barValue(page)).toBe(100);
    await page.waitForTimeout(400); // the bar's CSS transition
    await page.screenshot({ path: join(ARTIFACTS, "result.png"), fullPage: false });

    // Exactly the chunk ids of a CLI import of the same file.
    const tenant = await tenantOf(context);
    const ids = await chunkIdsOf(tenant, jobId);
    expect(ids.length).toBeGreaterThan(1000);
    expect(ids).toEqual(await cliChunkIds());
    // The import ran in more than one 10-second slice (the kill cut one more).
    const sql = postgres(DATABASE_URL, { max: 1, onnotice: () => {} });
    try {
      const events = await createPostgresAdapter({ sql, schema: SCHEMA }).events.read(tenant, jobId, null, {
        limit: 10_000,
        waitMs: 0,
      });
      expect(events.filter((e) => e.type === "yielded").length).toBeGreaterThanOrEqual(1);
    } finally {
      await sql.end();
    }
    await context.close();
  }, 300_000);

  it("with facts: shows the estimate, spends only once confirmed, and shows the spend and the facts", async () => {
    const { context, page } = await estimateFacts("small-export.zip", 5, 40);
    expect(await page.getByTestId("estimate-usd").textContent()).toMatch(/^\$\d+\.\d+$/);
    // Nothing is sent before the user confirms.
    const before = fake.messageRequestCount();
    await page.waitForTimeout(500);
    expect(fake.messageRequestCount()).toBe(before);

    await page.getByRole("button", { name: "Import and extract facts" }).click();
    await page.waitForURL(/\/imports\/[0-9a-f-]+$/, { timeout: 30_000 });
    const spent = async () => Number((await page.getByTestId("spent").textContent())?.replace("$", ""));
    // The spend starts at nothing and rises as the facts stage answers.
    await expect.poll(() => page.getByTestId("spend").isVisible(), { timeout: 30_000 }).toBe(true);
    await expect
      .poll(() => page.getByTestId("state").textContent(), { timeout: 120_000 })
      .toMatch(/Done|Failed|Cancelled/);
    const facted = page.url().split("/").pop()!;
    const job = (await (await page.request.get(`${server.url}/api/imports/${facted}`)).json()) as {
      status: string;
      error: unknown;
    };
    expect(job.status, JSON.stringify(job.error)).toBe("succeeded");
    await expect.poll(spent, { timeout: 10_000 }).toBeGreaterThan(0);
    expect(fake.messageRequestCount()).toBeGreaterThan(before);
    await expect.poll(() => page.getByTestId("facts").isVisible(), { timeout: 30_000 }).toBe(true);
    expect(await page.getByTestId("fact").count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(ARTIFACTS, "facts.png"), fullPage: true });
    await context.close();
  }, 180_000);

  it("the local upload route: stores per session, only a body whose SHA-256 is its name, and dedupes", async () => {
    const body = new TextEncoder().encode('[{"id":"c1","title":"t","mapping":{}}]');
    const hash = createHash("sha256").update(body).digest("hex");
    const route = `${server.url}/api/uploads/${hash}`;
    // A visit gives a session cookie (proxy.ts); every call carries it.
    const cookie = (await fetch(server.url)).headers.get("set-cookie")!.split(";")[0]!;
    const as = (init: RequestInit) => fetch(route, { ...init, headers: { cookie } });
    expect((await as({ method: "HEAD" })).status).toBe(404);
    const altered = await fetch(`${server.url}/api/uploads/${"0".repeat(64)}`, {
      method: "PUT",
      body,
      headers: { cookie },
    });
    expect(altered.status).toBe(422);
    expect(
      (await fetch(`${server.url}/api/uploads/not-a-hash`, { method: "PUT", body, headers: { cookie } }))
        .status,
    ).toBe(400);
    expect(await (await as({ method: "PUT", body })).json()).toEqual({ hash, size: body.length });
    expect((await as({ method: "HEAD" })).headers.get("x-upload-size")).toBe(String(body.length));
    // Another session does not see it.
    const other = (await fetch(server.url)).headers.get("set-cookie")!.split(";")[0]!;
    expect((await fetch(route, { method: "HEAD", headers: { cookie: other } })).status).toBe(404);
  });

  it("cancels a running import from its page, and it stays cancelled", async () => {
    const export5 = join(dir, "cancel-export.zip");
    await writeFile(
      export5,
      await collectBytes(generateExport({ format: "chatgpt-zip", seed: 11, targetBytes: 8e6 }).bytes()),
    );
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(server.url);
    await page.getByLabel("export file").setInputFiles(export5);
    await page.waitForURL(/\/imports\/[0-9a-f-]+$/, { timeout: 60_000 });
    await expect.poll(() => barValue(page), { timeout: 30_000 }).toBeGreaterThan(0);
    await page.getByRole("button", { name: "Cancel" }).click();
    await expect
      .poll(() => page.getByTestId("state").textContent(), { timeout: 30_000 })
      .toContain("Cancelled");
    const jobId = page.url().split("/").pop()!;
    const status = async () =>
      ((await (await page.request.get(`${server.url}/api/imports/${jobId}`)).json()) as { status: string })
        .status;
    expect(await status()).toBe("cancelled");
    // The cron finds nothing to resume.
    await fetch(`${server.url}/api/cron`, { headers: { authorization: `Bearer ${CRON_SECRET}` } });
    await page.waitForTimeout(1_000);
    expect(await status()).toBe("cancelled");
    await context.close();
  }, 120_000);

  it("says when the budget is reached and what the facts cover, having spent no more than it", async () => {
    const { context, page } = await estimateFacts("budget-export.zip", 9, 60);
    // Room for one request's worst case and little more: the run cannot finish within it.
    const reserve = Number(
      (await page.getByTestId("estimate").textContent())!.match(/worst case \(\$([\d.]+)\)/)![1],
    );
    const budgetUsd = Math.ceil(reserve * 1.2 * 10_000) / 10_000;
    await page.getByLabel("budget", { exact: true }).fill(String(budgetUsd));
    await page.getByRole("button", { name: "Import and extract facts" }).click();
    await page.waitForURL(/\/imports\/[0-9a-f-]+$/, { timeout: 30_000 });
    await expect.poll(() => page.getByTestId("budget-reached").isVisible(), { timeout: 120_000 }).toBe(true);
    expect(await page.getByTestId("budget-reached").textContent()).toMatch(
      /facts cover \d+ of 60 conversations/,
    );
    // The job record (polled) may tell before the stream's "failed" event arrives.
    await expect.poll(() => page.getByTestId("state").textContent(), { timeout: 30_000 }).toContain("Failed");
    const jobId = page.url().split("/").pop()!;
    const job = (await (await page.request.get(`${server.url}/api/imports/${jobId}`)).json()) as {
      counts: Record<string, number>;
    };
    expect(job.counts.factCostMicroUsd ?? 0).toBeLessThanOrEqual(budgetUsd * 1e6);
    await page.screenshot({ path: join(ARTIFACTS, "budget-reached.png") });
    await context.close();
  }, 180_000);

  /** The chunk ids of a job, read from the store. */
  async function chunkIdsOf(tenant: string, jobId: string): Promise<string[]> {
    const sql = postgres(DATABASE_URL, { max: 2, onnotice: () => {} });
    try {
      const adapter = createPostgresAdapter({ sql, schema: SCHEMA });
      const ids: string[] = [];
      for (let after: string | undefined; ; ) {
        const page = await adapter.chunks.list(tenant, { jobId, limit: 5000, ...(after ? { after } : {}) });
        if (page.length === 0) break;
        ids.push(...page.map((c) => c.id));
        after = page[page.length - 1]!.id;
      }
      return ids.sort();
    } finally {
      await sql.end();
    }
  }

  it("uploads straight to Supabase Storage (TUS above 6 MB, a signed PUT below), and the worker signs its own downloads", async () => {
    const serviceRoleKey = `service-${randomBytes(8).toString("hex")}`;
    const storage = await startStorageStandIn(serviceRoleKey);
    const supabasePort = port + 1000;
    const supabaseServer = await startNext(supabasePort, {
      ...env(),
      THREADMILL_UNIT_DELAY_MS: "0",
      SUPABASE_URL: storage.url,
      SUPABASE_SERVICE_ROLE_KEY: serviceRoleKey,
      SUPABASE_ANON_KEY: "anon-key",
    });
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const done = async (jobId: string) =>
        (
          (await (await page.request.get(`${supabaseServer.url}/api/imports/${jobId}`)).json()) as {
            status: string;
          }
        ).status;
      const uploadTo = async (path: string) => {
        await page.goto(supabaseServer.url);
        await page.getByLabel("export file").setInputFiles(path);
        await page.waitForURL(/\/imports\/[0-9a-f-]+$/, { timeout: 60_000 });
        const jobId = page.url().split("/").pop()!;
        await expect.poll(() => done(jobId), { timeout: 120_000 }).toBe("succeeded");
        return jobId;
      };
      // 14 MB of JSON: resumable, in 6 MB chunks (the first with the creation request), stored whole.
      const large = join(dir, "large-upload.json");
      const largeBytes = await collectBytes(
        generateExport({ format: "chatgpt-json", seed: 8, targetBytes: 14e6 }).bytes(),
      );
      await writeFile(large, largeBytes);
      await uploadTo(large);
      const patches = storage.seen.filter(
        (r) => r.method === "PATCH" && r.path.includes("/upload/resumable/sign/"),
      );
      expect(patches.length).toBeGreaterThanOrEqual(2);
      expect(storage.objects.size).toBe(1);
      expect(Buffer.from(largeBytes).equals([...storage.objects.values()][0]!)).toBe(true);
      // The 20 MB export, a ZIP of a few MB: one signed PUT.
      const big = await uploadTo(file);
      expect(
        storage.seen.some((r) => r.method === "PUT" && r.path.startsWith("/storage/v1/object/upload/sign/")),
      ).toBe(true);
      expect(storage.objects.size).toBe(2);

      // The job holds a reference to the object, never a signed URL; the worker signed its own download.
      const tenant = await tenantOf(context);
      const sql = postgres(DATABASE_URL, { max: 1, onnotice: () => {} });
      try {
        const job = await createPostgresAdapter({ sql, schema: SCHEMA }).jobs.get(tenant, big);
        expect(job!.input).toEqual({
          kind: "supabase",
          bucket: "exports",
          path: expect.stringMatching(new RegExp(`^${tenant}/[0-9a-f]{64}\\.export$`)),
        });
      } finally {
        await sql.end();
      }
      expect(
        storage.seen.some((r) => r.method === "GET" && r.path.startsWith("/storage/v1/object/sign/")),
      ).toBe(true);
      expect(await chunkIdsOf(tenant, big)).toEqual(await cliChunkIds());
    } finally {
      await context.close();
      await supabaseServer.kill("SIGKILL");
      await storage.close();
    }
  }, 240_000);

  let reference: Promise<string[]> | undefined;
  function cliChunkIds(): Promise<string[]> {
    reference ??= runCli();
    return reference;
  }

  async function runCli(): Promise<string[]> {
    const store = join(dir, "cli-store");
    const imported = await run(process.execPath, [CLI, "import", file, "--store", store, "--json"], {
      maxBuffer: 64 * 1024 * 1024,
    });
    const summary = imported.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { jobId?: string; type?: string })
      .findLast((line) => line.jobId !== undefined);
    const exported = await run(
      process.execPath,
      [CLI, "export", summary!.jobId!, "--what", "chunks", "--store", store],
      {
        maxBuffer: 512 * 1024 * 1024,
      },
    );
    return exported.stdout
      .trim()
      .split("\n")
      .map((line) => (JSON.parse(line) as { id: string }).id)
      .sort();
  }
});
