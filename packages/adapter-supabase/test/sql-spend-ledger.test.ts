import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import {
  BudgetExceededError,
  capsKey,
  chargeExpired,
  createSpendLedger,
  createSpendTenantState,
  readSpend,
  reserveSpend,
  settleSpend,
  type SpendAmount,
  type SpendCaps,
  type SpendScope,
  spendPeriod,
  StorageError,
} from "@threadmill/core";
import fc from "fast-check";
import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import { createPgliteAdapter, createPostgresAdapter } from "../src/index.js";
import { type LimitsTarget, openLimitsTargets } from "./support/limits-targets.js";
import { POSTGRES_URL } from "./support/test-postgres.js";

const { targets, missing } = await openLimitsTargets("spend");
let counter = 0;
const unique = (label: string) => `${label}-${process.pid}-${++counter}`;

describe.each(targets.map((t) => [t.name, t] as const))("SQL SpendLedgerStore on %s", (_, target) => {
  it("200 concurrent reservations against a tenant's monthly cap admit exactly what fits (142 x $0.007 of $1)", async () => {
    const ledger = createSpendLedger({ store: target.adapter.spend });
    const tenant = unique("t");
    await ledger.setCaps({ tenant }, { microUsd: 1_000_000 });
    const results = await Promise.allSettled(
      Array.from({ length: 200 }, () => ledger.reserve({ tenant }, { microUsd: 7_000, tokens: 3 })),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(142);
    for (const r of results) {
      if (r.status === "rejected") {
        expect(BudgetExceededError.isInstance(r.reason)).toBe(true);
        expect(r.reason).toMatchObject({ scope: "tenant", unit: "usd", limit: 1, spent: 0, reserved: 0.994 });
      }
    }
    const totals = await ledger.spent({ tenant });
    expect(totals).toMatchObject({
      spent: { microUsd: 0, tokens: 0 },
      reserved: { microUsd: 994_000, tokens: 426 },
      caps: { microUsd: 1_000_000 },
    });
  });

  it("200 concurrent reservations against a job's token cap admit exactly what fits, in the job and its tenant's month", async () => {
    const ledger = createSpendLedger({ store: target.adapter.spend });
    const scope = { tenant: unique("t"), jobId: "job-1" };
    await ledger.setCaps(scope, { tokens: 1_300 });
    const results = await Promise.allSettled(
      Array.from({ length: 200 }, () => ledger.reserve(scope, { microUsd: 1, tokens: 10 })),
    );
    const admitted = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    expect(admitted).toHaveLength(130);
    for (const r of results) {
      if (r.status === "rejected")
        expect(r.reason).toMatchObject({ scope: "job", unit: "tokens", limit: 1_300 });
    }
    expect((await ledger.spent(scope)).reserved).toEqual({ microUsd: 130, tokens: 1_300 });
    await Promise.all(admitted.map((reservation) => ledger.settle(reservation, { microUsd: 1, tokens: 4 })));
    expect(await ledger.spent(scope)).toEqual({
      spent: { microUsd: 130, tokens: 520 },
      reserved: { microUsd: 0, tokens: 0 },
      caps: { tokens: 1_300 },
      period: null,
    });
    expect((await ledger.spent({ tenant: scope.tenant })).spent).toEqual({ microUsd: 130, tokens: 520 });
  });

  it("a reservation whose worker died is charged at its reserved amount once it expires, and can no longer be settled", async () => {
    const ledger = createSpendLedger({ store: target.adapter.spend });
    const scope = { tenant: unique("t"), jobId: "job-1" };
    const reservation = await ledger.reserve(scope, { microUsd: 500, tokens: 50 }, { ttlMs: 1 });
    await new Promise((r) => setTimeout(r, 10));
    expect(await ledger.settle(reservation, { microUsd: 1, tokens: 1 })).toBe(false);
    for (const s of [scope, { tenant: scope.tenant }]) {
      expect(await ledger.spent(s)).toMatchObject({
        spent: { microUsd: 500, tokens: 50 },
        reserved: { microUsd: 0, tokens: 0 },
      });
    }
  });

  it("works exactly as core's reference ledger, on the store's clock (fuzzed setCaps / reserve / settle / read)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(operation(), { minLength: 30, maxLength: 30 }), (ops) => replay(target, ops)),
      {
        numRuns: 10,
        endOnFailure: true,
      },
    );
  });
});

if (missing.length > 0) {
  describe.skip(`SQL SpendLedgerStore (${missing.join("; ")})`, () => {
    it("needs Postgres and pgbouncer", () => {});
  });
}

describe("spend_period: the month of core's spendPeriod at month and year boundaries, whatever the session's TimeZone", () => {
  const instants = [
    Date.UTC(2023, 11, 31, 23, 59, 59, 999),
    Date.UTC(2024, 0, 1),
    Date.UTC(2024, 0, 1) - 0.5, // fractional: truncated to the millisecond, as a Date does
    Date.UTC(2024, 0, 31, 23, 59, 59, 999) + 0.999,
    Date.UTC(2024, 1, 1),
    Date.UTC(2024, 1, 29, 23, 59, 59, 999),
    Date.UTC(2024, 2, 1),
    Date.UTC(2025, 11, 31, 23, 59, 59, 999),
    Date.UTC(2026, 0, 1),
    Date.UTC(2038, 0, 19, 3, 14, 8),
  ];
  const expected = instants.map((t) => spendPeriod(t));
  const zones = ["Pacific/Kiritimati", "America/Los_Angeles"];

  const postgresTarget = targets.find((t) => t.name === "postgres");
  it.skipIf(!postgresTarget)("on Postgres", async () => {
    for (const TimeZone of zones) {
      const sql = postgres(POSTGRES_URL, { prepare: false, max: 1, connection: { TimeZone } });
      try {
        const got = await Promise.all(
          instants.map(
            async (t) =>
              (await sql.unsafe(`select ${postgresTarget!.s}.spend_period($1::float8) as p`, [t]))[0]!.p,
          ),
        );
        expect(got).toEqual(expected);
      } finally {
        await sql.end({ timeout: 1 });
      }
    }
  });

  it("on PGlite", async () => {
    const pglite = targets.find((t) => t.name === "pglite")!;
    for (const zone of zones) {
      await pglite.query(`set timezone = '${zone}'`);
      const got: unknown[] = [];
      for (const t of instants) {
        got.push(
          (await pglite.query<{ p: string }>(`select ${pglite.s}.spend_period($1::float8) as p`, [t]))[0]!.p,
        );
      }
      expect(got).toEqual(expected);
    }
    await pglite.query("reset timezone");
  });
});

describe("durability", () => {
  const dir = mkdtempSync(join(tmpdir(), "tm-spend-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("PGlite: caps, spent and open reservations survive close and reopen of the same directory; one that expired meanwhile is charged", async () => {
    const tenant = "local";
    // The directory starts as a copy of this file's PGlite (initialised already): initdb costs seconds.
    const seed = new PGlite(join(dir, "pgdata"), {
      loadDataDir: await targets.find((t) => t.name === "pglite")!.pglite!.dumpDataDir("none"),
    });
    await seed.waitReady;
    await seed.close();
    let adapter = await createPgliteAdapter({ dataDir: dir });
    let ledger = createSpendLedger({ store: adapter.spend });
    await ledger.setCaps({ tenant }, { microUsd: 10_000 });
    const settled = await ledger.reserve({ tenant, jobId: "j" }, { microUsd: 3_000, tokens: 30 });
    await ledger.settle(settled, { microUsd: 2_500, tokens: 25 });
    await ledger.reserve({ tenant, jobId: "j" }, { microUsd: 4_000, tokens: 40 }, { ttlMs: 50 });
    await adapter.close();
    await new Promise((r) => setTimeout(r, 60));

    adapter = await createPgliteAdapter({ dataDir: dir });
    ledger = createSpendLedger({ store: adapter.spend });
    try {
      expect(await ledger.spent({ tenant })).toMatchObject({
        spent: { microUsd: 6_500, tokens: 65 },
        reserved: { microUsd: 0, tokens: 0 },
        caps: { microUsd: 10_000 },
      });
      await expect(ledger.reserve({ tenant }, { microUsd: 3_501 })).rejects.toMatchObject({
        scope: "tenant",
      });
      await ledger.reserve({ tenant }, { microUsd: 3_500 });
    } finally {
      await adapter.close();
    }
  }, 30_000);
});

describe("driver failures", () => {
  const clients: postgres.Sql[] = [];
  afterAll(() => Promise.all(clients.map((c) => c.end({ timeout: 1 }))));
  // A client per call: postgres.js backs off longer after each failed connect (seconds by the 6th).
  const down = () => {
    const sql = postgres("postgres://postgres:s3cr3t-pw@127.0.0.1:1/test", {
      prepare: false,
      max: 1,
      connect_timeout: 2,
    });
    clients.push(sql);
    return createPostgresAdapter({ sql, schema: "nowhere" });
  };

  it("Postgres down: every operation of both stores rejects with StorageError({ adapter: 'postgres' }), retriable, no password", async () => {
    const calls: [string, () => Promise<unknown>][] = [
      ["rateLimits.acquire", () => down().rateLimits.acquire({ limiter: "l", holdId: "h", charges: [] })],
      [
        "rateLimits.adjust",
        () =>
          down().rateLimits.adjust({ limiter: "l", adjustments: [{ key: "k", emissionMs: 1, delta: 1 }] }),
      ],
      ["rateLimits.release", () => down().rateLimits.release({ limiter: "l", keys: ["k"], holdId: "h" })],
      ["spend.setCaps", () => down().spend.setCaps({ tenant: "t" }, { microUsd: 1 })],
      [
        "spend.reserve",
        () =>
          down().spend.reserve({
            id: "r",
            scope: { tenant: "t" },
            amount: { microUsd: 1, tokens: 1 },
            ttlMs: 1,
          }),
      ],
      [
        "spend.settle",
        () => down().spend.settle({ tenant: "t", id: "r", actual: { microUsd: 1, tokens: 1 } }),
      ],
      ["spend.read", () => down().spend.read({ tenant: "t" })],
    ];
    for (const [operation, call] of calls) {
      const error = await call().catch((e: unknown) => e);
      expect(StorageError.isInstance(error), operation).toBe(true);
      expect(error).toMatchObject({ adapter: "postgres", retriable: true });
      expect((error as Error).message).toMatch(
        new RegExp(`^\\[threadmill\\] \\[postgres\\] ${operation.replace(".", "\\.")} failed`),
      );
      expect((error as Error).message).not.toContain("s3cr3t");
    }
  });

  it("a function missing on PGlite: StorageError({ adapter: 'pglite' }) naming it", async () => {
    const pglite = targets.find((t) => t.name === "pglite")!;
    const adapter = await createPgliteAdapter({ pglite: pglite.pglite!, schema: "spend_dropped" });
    await pglite.query('drop function "spend_dropped".spend_read(text, text, double precision)');
    const error = await adapter.spend.read({ tenant: "t" }).catch((e: unknown) => e);
    expect(StorageError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ adapter: "pglite" });
    expect((error as Error).message).toMatch(/spend\.read failed: .*spend_read.*does not exist/);
  });
});

type Op =
  | { kind: "setCaps"; scope: number; caps: SpendCaps }
  | { kind: "reserve"; scope: number; amount: SpendAmount; ttlMs: number }
  | { kind: "settle"; which: number; actual: SpendAmount }
  | { kind: "read"; scope: number }
  | { kind: "sleep"; ms: number };

function operation(): fc.Arbitrary<Op> {
  const scope = fc.integer({ min: 0, max: 2 }); // the tenant, job j1, job j2
  const amount = fc.record({
    microUsd: fc.integer({ min: 0, max: 900 }),
    tokens: fc.integer({ min: 0, max: 90 }),
  });
  const cap = fc.option(fc.integer({ min: 0, max: 3_000 }), { nil: undefined });
  return fc.oneof(
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("setCaps" as const),
        scope,
        caps: fc.record({ microUsd: cap, tokens: cap }, { requiredKeys: [] }),
      }),
    },
    {
      weight: 5,
      arbitrary: fc.record({
        kind: fc.constant("reserve" as const),
        scope,
        amount,
        ttlMs: fc.integer({ min: 1, max: 25 }),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({ kind: fc.constant("settle" as const), which: fc.nat(), actual: amount }),
    },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("read" as const), scope }) },
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant("sleep" as const), ms: fc.integer({ min: 1, max: 8 }) }),
    },
  );
}

/** Runs the operations through the SQL functions and core's reference at the clock each call reported. */
async function replay(target: LimitsTarget, ops: readonly Op[]): Promise<void> {
  const tenant = unique("fuzz");
  const state = createSpendTenantState();
  const scopes: SpendScope[] = [{ tenant }, { tenant, jobId: "j1" }, { tenant, jobId: "j2" }];
  const ids: string[] = [];
  const call = async (fn: string, params: unknown[]): Promise<Record<string, unknown> & { now: number }> => {
    const rows = await target.query<{ r: string }>(`select ${target.s}.${fn}::text as r`, params);
    return JSON.parse(rows[0]!.r);
  };
  for (const op of ops) {
    if (op.kind === "setCaps") {
      const scope = scopes[op.scope]!;
      const { now } = await call("spend_set_caps($1::text, $2::text, $3::bigint, $4::bigint)", [
        tenant,
        capsKey(scope),
        op.caps.microUsd ?? null,
        op.caps.tokens ?? null,
      ]);
      chargeExpired(state, now);
      state.caps.set(capsKey(scope), { ...op.caps });
    } else if (op.kind === "reserve") {
      const scope = scopes[op.scope]!;
      const id = `r${ids.length}`;
      ids.push(id);
      const { now, ...got } = await call(
        "spend_reserve($1::text, $2::text, $3::text, $4::bigint, $5::bigint, $6::float8)",
        [tenant, scope.jobId ?? null, id, op.amount.microUsd, op.amount.tokens, op.ttlMs],
      );
      const want = reserveSpend(state, { id, scope, amount: op.amount, ttlMs: op.ttlMs }, now);
      expect(got).toEqual(
        want.ok
          ? { ok: true, period: want.reservation.period, expiresAt: want.reservation.expiresAt }
          : { ok: false, refusal: want.refusal },
      );
    } else if (op.kind === "settle") {
      const id = ids.length === 0 || op.which % 5 === 4 ? "unknown" : ids[op.which % ids.length]!;
      const { now, ...got } = await call("spend_settle($1::text, $2::text, $3::bigint, $4::bigint)", [
        tenant,
        id,
        op.actual.microUsd,
        op.actual.tokens,
      ]);
      expect(got).toEqual(settleSpend(state, id, op.actual, now));
    } else if (op.kind === "read") {
      const scope = scopes[op.scope]!;
      const { now, ...got } = await call("spend_read($1::text, $2::text)", [tenant, scope.jobId ?? null]);
      expect(got).toEqual(readSpend(state, scope, now));
    } else {
      await new Promise((r) => setTimeout(r, op.ms));
    }
  }
}
