import { type ChildProcess, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { contentHash } from "@threadmill/core";
import { afterAll, describe, expect, it } from "vitest";
import { createPostgresAdapter, migrate } from "../src/index.js";
import { POSTGRES_URL, probePostgres, testClient, uniqueSchema } from "./support/test-postgres.js";

const here = dirname(fileURLToPath(import.meta.url));
const unreachable = await probePostgres();

const JOBS = 24;
const UNITS = 24;
const PER_UNIT = 4;
const UNIT_MS = 120;
const WORKERS = 4;
const KILLS = 32;

describe.skipIf(unreachable !== null)(
  `chaos on Postgres with real processes${unreachable ? ` (${unreachable})` : ""}`,
  () => {
    const sql = unreachable ? (null as never) : testClient();
    const procs = new Set<ChildProcess>();
    afterAll(() => {
      for (const p of procs) p.kill("SIGKILL");
    });

    function startWorker(schema: string, id: string): Promise<ChildProcess> {
      const proc = spawn(
        process.execPath,
        [
          "--import",
          "tsx",
          // core's Lua imports as text (`.lua`), which tsx alone cannot load.
          "--import",
          join(here, "..", "..", "..", "scripts", "register-lua-text.mjs"),
          join(here, "fixtures", "chaos-worker.ts"),
          POSTGRES_URL,
          schema,
          id,
        ],
        {
          cwd: join(here, ".."),
          stdio: ["ignore", "pipe", "inherit"],
        },
      );
      procs.add(proc);
      proc.once("exit", () => procs.delete(proc));
      return new Promise((resolve, reject) => {
        proc.stdout!.once("data", () => resolve(proc));
        proc.once("exit", (code, signal) =>
          reject(new Error(`worker ${id} exited early (${code ?? signal})`)),
        );
      });
    }

    it(`${KILLS}+ job-interrupting SIGKILLs, pg_terminate_backend of the workers' connections and statement_timeout hits: every job finishes, nothing lost or duplicated`, async () => {
      const schema = uniqueSchema(sql, "chaos");
      await migrate(sql, { schema });
      const adapter = createPostgresAdapter({ sql, schema });
      const tenant = "chaos";
      const jobIds: string[] = [];
      for (let i = 0; i < JOBS; i++) {
        const { job } = await adapter.jobs.create({
          tenant,
          pipeline: "chaos",
          input: { kind: "memory" },
          options: { units: UNITS, chunksPerUnit: PER_UNIT, unitMs: UNIT_MS },
          maxAttempts: 1000,
        });
        jobIds.push(job.id);
      }
      const workers = new Map<string, ChildProcess>();
      let next = 0;
      const spawnOne = async () => {
        const id = `w${next++}`;
        workers.set(id, await startWorker(schema, id));
      };
      const pending = new Set<Promise<void>>();
      /** Replaces a killed worker without waiting for it to boot, so kills keep coming. */
      const respawn = () => {
        const p = spawnOne().finally(() => pending.delete(p));
        pending.add(p);
      };
      await Promise.all(Array.from({ length: WORKERS }, spawnOne));

      let interruptingKills = 0;
      let terminated = 0;
      let timeouts = 0;
      const started = Date.now();
      const active = async () =>
        (
          await sql.unsafe<{ n: number }[]>(
            `select count(*)::int as n from "${schema}".jobs where status in ('queued', 'running')`,
          )
        )[0]!.n;
      let round = 0;
      while ((await active()) > 0) {
        expect(Date.now() - started, "chaos must finish within 300 s").toBeLessThan(300_000);
        round += 1;
        await new Promise((r) => setTimeout(r, 300));
        if (interruptingKills < KILLS) {
          // Kill a worker that holds a live lease right now: that kill interrupts a job.
          const holders = await sql.unsafe<{ worker_id: string }[]>(
            `select distinct worker_id from "${schema}".jobs where status = 'running' and lease_expires_at > now()`,
          );
          const victim = holders.map((h) => h.worker_id).find((w) => workers.has(w));
          if (victim) {
            workers.get(victim)!.kill("SIGKILL");
            workers.delete(victim);
            interruptingKills += 1;
            respawn();
          }
        }
        if (round % 7 === 0) {
          const rows = await sql.unsafe<{ ok: boolean }[]>(
            "select pg_terminate_backend(pid) as ok from pg_stat_activity where application_name like 'tm-chaos-%' and state = 'active'",
          );
          terminated += rows.filter((r) => r.ok).length;
        }
        if (round === 12 || round === 40 || round === 80) {
          // Hold the jobs table for longer than the workers' statement_timeout (1.5 s).
          await sql.begin(async (tx) => {
            await tx.unsafe(`lock table "${schema}".jobs in access exclusive mode`);
            await tx.unsafe("select pg_sleep(2)");
          });
          timeouts += 1;
        }
      }
      await Promise.allSettled(pending);
      for (const w of workers.values()) w.kill("SIGKILL");

      expect(interruptingKills).toBeGreaterThanOrEqual(KILLS);
      expect(terminated + timeouts).toBeGreaterThan(0);
      for (const jobId of jobIds) {
        const job = (await adapter.jobs.get(tenant, jobId))!;
        expect(job.status, `job ${jobId}`).toBe("succeeded");
        expect(job.counts).toEqual({ chunks: UNITS * PER_UNIT, units: UNITS });
        const expected = Array.from({ length: UNITS }, (_, u) =>
          Array.from({ length: PER_UNIT }, (_, k) => contentHash(jobId, u, k)),
        )
          .flat()
          .sort();
        const stored = await adapter.chunks.list(tenant, { jobId, limit: 10_000 });
        expect(stored.map((c) => c.id)).toEqual(expected);
        const events = await adapter.events.read(tenant, jobId, null, { limit: 1000 });
        expect(events.filter((e) => e.type === "succeeded")).toHaveLength(1);
      }
      expect(await adapter.chunks.count(tenant)).toBe(JOBS * UNITS * PER_UNIT);
      console.info(
        `chaos: ${interruptingKills} job-interrupting SIGKILLs, ${terminated} backends terminated, ${timeouts} statement_timeout windows, ${Date.now() - started} ms`,
      );
    }, 360_000);
  },
);
