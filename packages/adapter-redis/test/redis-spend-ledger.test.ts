// The spend ledger on the shared Redis: exact admission of concurrent reservations against a cap, the
// month computed in Lua equal to spendPeriod at every month boundary, durable keys, and a
// call-for-call comparison with core's reference algorithm on a test clock that crosses months and lets
// reservations expire.
import {
  BudgetExceededError,
  createSpendLedger,
  createSpendTenantState,
  readSpend,
  reserveSpend,
  type SpendAmount,
  type SpendScope,
  settleSpend,
  spendPeriod,
} from "@threadmill/core";
import type { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import periodLua from "../../core/src/spend/lua/includes/period.lua";
import { createRedisAdapter } from "../src/index.js";
import { createRedisSpendLedger } from "../src/redis-spend-ledger.js";
import { fixedClockContext } from "./limits-fixed-clock.js";
import { deletePrefix, newClient, redisAvailable, uniquePrefix } from "./redis-env.js";

// A small seeded generator, so a failing sequence can be replayed.
function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe.skipIf(!redisAvailable)("redis spend ledger", () => {
  const clients: Redis[] = [];
  const prefix = uniquePrefix("sp");
  const client = () => {
    const c = newClient();
    clients.push(c);
    return c;
  };
  const control = client();
  const ledgers = Array.from({ length: 4 }, () =>
    createSpendLedger({ store: createRedisAdapter({ client: client(), keyPrefix: prefix }).spend }),
  );
  afterAll(async () => {
    await deletePrefix(control, prefix);
    for (const c of clients) c.disconnect();
  });

  async function tally(runs: Promise<unknown>[]) {
    const results = await Promise.allSettled(runs);
    const reasons = results.flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
    return {
      admitted: results.length - reasons.length,
      refused: reasons.filter((e) => BudgetExceededError.isInstance(e)).length,
      others: reasons.filter((e) => !BudgetExceededError.isInstance(e)),
    };
  }

  it("admits exactly what fits of 200 concurrent reservations, against a tenant's cap and a job's", async () => {
    await ledgers[0]!.setCaps({ tenant: "cap-t" }, { microUsd: 150_500 });
    const byTenant = await tally(
      Array.from({ length: 200 }, (_, i) =>
        ledgers[i % 4]!.reserve({ tenant: "cap-t" }, { microUsd: 1_000 }),
      ),
    );
    expect(byTenant).toEqual({ admitted: 150, refused: 50, others: [] });
    expect((await ledgers[0]!.spent({ tenant: "cap-t" })).reserved).toEqual({ microUsd: 150_000, tokens: 0 });

    const job = { tenant: "cap-j", jobId: "job-1" };
    await ledgers[0]!.setCaps(job, { tokens: 50_999 });
    const byJob = await tally(
      Array.from({ length: 200 }, (_, i) => ledgers[i % 4]!.reserve(job, { microUsd: 10, tokens: 1_000 })),
    );
    expect(byJob).toEqual({ admitted: 50, refused: 150, others: [] });
    const month = await ledgers[0]!.spent({ tenant: "cap-j" });
    expect(month.reserved).toEqual({ microUsd: 500, tokens: 50_000 });
  });

  it("computes the month in Lua exactly as spendPeriod, at every month boundary 1900-2400", async () => {
    const times: number[] = [];
    for (let year = 1900; year <= 2400; year++) {
      for (let month = 0; month < 12; month++) {
        const start = Date.UTC(year, month, 1);
        // The last microsecond of the month before as the server clock makes it (s * 1000 + us / 1000).
        const lastMicro = Math.floor((start - 1) / 1000) * 1000 + 999_999 / 1000;
        times.push(start, start - 1, start + 0.5, start - 0.5, lastMicro, start + 86_399_999);
      }
    }
    const periods = (await control.eval(
      `${periodLua}\nlocal out = {}\nfor i = 1, #ARGV do out[i] = period_of(tonumber(ARGV[i])) end\nreturn out`,
      0,
      ...times.map(String),
    )) as string[];
    const mismatches = times
      .map((ms, i) => ({ ms, lua: periods[i], js: spendPeriod(ms) }))
      .filter((m) => m.lua !== m.js);
    expect(mismatches).toEqual([]);
    expect(times.length).toBeGreaterThan(30_000);
  });

  it("keeps a tenant's ledger durable (no TTL) under its own hash tag, whatever the tenant holds", async () => {
    const tenant = "t{x}:ü";
    const ledger = ledgers[0]!;
    await ledger.setCaps({ tenant }, { microUsd: 5_000 });
    const reservation = await ledger.reserve({ tenant, jobId: "j:1" }, { microUsd: 1_200, tokens: 3 });
    expect(reservation.period).toBe(spendPeriod(Date.now()));
    expect(await ledger.settle(reservation, { microUsd: 900, tokens: 2 })).toBe(true);
    expect(await ledger.settle(reservation, { microUsd: 900, tokens: 2 })).toBe(false);
    await ledger.reserve({ tenant }, { microUsd: 100 }, { ttlMs: 60_000 });
    const root = `{${prefix}:sp:${Buffer.byteLength(tenant)}:${tenant}}:`;
    for (const key of ["caps", "totals", "res", "exp"])
      expect(await control.pttl(`${root}${key}`), key).toBe(-1);
    // A tenant whose name starts like another's shares nothing with it.
    expect((await ledger.spent({ tenant: "t{x}" })).spent).toEqual({ microUsd: 0, tokens: 0 });
    expect(await ledger.spent({ tenant })).toEqual({
      spent: { microUsd: 900, tokens: 2 },
      reserved: { microUsd: 100, tokens: 0 },
      caps: { microUsd: 5_000 },
      period: spendPeriod(Date.now()),
    });
    expect(await ledger.spent({ tenant, jobId: "j:1" })).toEqual({
      spent: { microUsd: 900, tokens: 2 },
      reserved: { microUsd: 0, tokens: 0 },
      caps: {},
      period: null,
    });
  });

  it("charges a reservation at its reserved amount once it expires, on the server's clock", async () => {
    const ledger = ledgers[0]!;
    const reservation = await ledger.reserve(
      { tenant: "expiring", jobId: "j" },
      { microUsd: 700 },
      { ttlMs: 1 },
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await ledger.settle(reservation, { microUsd: 1 })).toBe(false);
    const job = await ledger.spent({ tenant: "expiring", jobId: "j" });
    expect(job.spent).toEqual({ microUsd: 700, tokens: 0 });
    expect(job.reserved).toEqual({ microUsd: 0, tokens: 0 });
  });

  it("answers exactly as core's reference algorithm on a test clock crossing months", async () => {
    const rand = random(1_706_745_599);
    // Into February of a leap year, into March, into a new year.
    const starts = [Date.UTC(2024, 0, 31, 23), Date.UTC(2024, 1, 29, 22), Date.UTC(2024, 11, 31, 22)];
    let micros = 0;
    const now = () => Math.floor(micros / 1e6) * 1000 + (micros % 1e6) / 1000;
    const store = createRedisSpendLedger(fixedClockContext(control, prefix, now));
    const seen = { reserved: 0, refused: 0, settled: 0, expired: 0 };
    for (let scenario = 0; scenario < 6; scenario++) {
      const tenant = `ref-${scenario}`;
      micros = starts[scenario % starts.length]! * 1000;
      const state = createSpendTenantState();
      const open: string[] = [];
      const jobs = ["a", "b:{c}"];
      const scopeOf = (): SpendScope =>
        rand() < 0.3 ? { tenant } : { tenant, jobId: jobs[Math.floor(rand() * jobs.length)]! };
      const amountOf = (): SpendAmount => ({
        microUsd: Math.floor(rand() * 3_000),
        tokens: Math.floor(rand() * 300),
      });
      for (let step = 0; step < 120; step++) {
        micros += Math.floor(rand() * 1_200_000_000); // up to 20 minutes
        const at = now();
        const pick = rand();
        const label = `scenario ${scenario} step ${step}`;
        if (pick < 0.1) {
          const scope = scopeOf();
          const caps =
            rand() < 0.5 ? { microUsd: Math.floor(rand() * 40_000) } : { tokens: Math.floor(rand() * 4_000) };
          state.caps.set(scope.jobId === undefined ? "t" : `j:${scope.jobId}`, { ...caps });
          await store.setCaps(scope, caps);
        } else if (pick < 0.55) {
          const request = {
            id: `r${step}`,
            scope: scopeOf(),
            amount: amountOf(),
            ttlMs: 1 + Math.floor(rand() * 7_200_000),
          };
          const expected = reserveSpend(state, request, at);
          expect(await store.reserve(request), label).toEqual(expected);
          if (expected.ok) open.push(request.id);
          seen[expected.ok ? "reserved" : "refused"]++;
        } else if (pick < 0.8 && open.length > 0) {
          // Mostly the newest, so some are settled before they expire.
          const id = open[rand() < 0.6 ? open.length - 1 : Math.floor(rand() * open.length)]!;
          const actual = amountOf();
          const expected = settleSpend(state, id, actual, at);
          expect(await store.settle({ tenant, id, actual }), label).toEqual(expected);
          seen[expected.settled ? "settled" : "expired"]++;
          // Most settled ids leave the pool; the rest are settled again (settled: false).
          if (rand() < 0.8) open.splice(open.indexOf(id), 1);
        } else {
          const scope = scopeOf();
          expect(await store.read(scope), label).toEqual(readSpend(state, scope, at));
        }
      }
    }
    expect(seen.reserved).toBeGreaterThan(50);
    expect(seen.refused).toBeGreaterThan(20);
    expect(seen.settled).toBeGreaterThan(20);
    expect(seen.expired).toBeGreaterThan(20);
  });
});
