import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { migrate } from "../src/index.js";
import { POSTGRES_URL, probePostgres, testClient, uniqueSchema } from "./support/test-postgres.js";

const here = dirname(fileURLToPath(import.meta.url));
const unreachable = await probePostgres();

describe.skipIf(unreachable !== null)(
  `duplicate-upload race on Postgres${unreachable ? ` (${unreachable})` : ""}`,
  () => {
    const sql = unreachable ? (null as never) : testClient();

    it("50 concurrent creates from 5 processes (same idempotency and singleton key) make exactly one job", async () => {
      const schema = uniqueSchema(sql, "race");
      await migrate(sql, { schema });
      const tenant = `user-${Math.random().toString(36).slice(2)}`;
      const procs = Array.from({ length: 5 }, () =>
        spawn(
          process.execPath,
          [
            "--import",
            "tsx",
            // core's Lua imports as text (`.lua`), which tsx alone cannot load.
            "--import",
            join(here, "..", "..", "..", "scripts", "register-lua-text.mjs"),
            join(here, "fixtures", "create-racer.ts"),
            POSTGRES_URL,
            schema,
            tenant,
            "upload-sha256-abc",
            "10",
          ],
          {
            cwd: join(here, ".."),
            stdio: ["pipe", "pipe", "inherit"],
          },
        ),
      );
      const ready: Promise<void>[] = [];
      const outputs = procs.map(
        (p) =>
          new Promise<{ id?: string; created?: boolean; error?: string; existing?: string }[]>(
            (resolve, reject) => {
              let out = "";
              let signalReady: () => void = () => {};
              ready.push(new Promise<void>((r) => (signalReady = r)));
              p.stdout!.on("data", (d: Buffer) => {
                out += d.toString();
                if (out.startsWith("ready\n")) signalReady();
              });
              p.once("exit", (code) =>
                code === 0
                  ? resolve(JSON.parse(out.trim().split("\n").at(-1)!))
                  : reject(new Error(`racer exited ${code}`)),
              );
            },
          ),
      );
      // Every process connected: fire them together.
      await Promise.all(ready);
      for (const p of procs) p.stdin!.write("go\n");
      const results = (await Promise.all(outputs)).flat();
      expect(results).toHaveLength(50);
      const rows = await sql.unsafe<{ id: string }[]>(`select id from "${schema}".jobs where tenant = $1`, [
        tenant,
      ]);
      expect(rows).toHaveLength(1);
      const only = rows[0]!.id;
      for (const r of results) expect(r.id ?? r.existing).toBe(only);
      expect(results.filter((r) => r.created === true)).toHaveLength(1);
    }, 60_000);
  },
);
