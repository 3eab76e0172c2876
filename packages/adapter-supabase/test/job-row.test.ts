import { PGlite } from "@electric-sql/pglite";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { epochMs, toJob } from "../src/job-row.js";
import { probePostgres, testClient } from "./support/test-postgres.js";

// Session time zones whose offsets have minutes (Kolkata, St John's, Kathmandu), a negative sign,
// and, for dates before standard time, seconds (Amsterdam's local mean time: +00:19:32).
const ZONES = ["UTC", "Asia/Kolkata", "America/St_Johns", "Asia/Kathmandu", "Europe/Amsterdam"];

// Timestamps as SQL literals: microseconds on both sides of the epoch, a year past 9999, years BC,
// the first and last instants Postgres keeps, and the two infinities.
const LITERALS = [
  "2026-12-07 23:10:00.123999+00",
  "2026-12-07 23:10:00+00",
  "1969-12-31 23:59:59.9999+00",
  "1969-12-31 23:59:59.000001+00",
  "1970-01-01 00:00:00.0009+00",
  "1800-06-01 12:00:00.5+00",
  "0050-03-01 00:00:00+00",
  "12345-01-01 00:00:00.001+00",
  "0001-01-01 00:00:00+00 BC",
  "0005-02-29 12:00:00+00 BC",
  "4713-11-24 00:00:00+00 BC",
  "294276-12-31 23:59:59.999999+00",
  "infinity",
  "-infinity",
];

type Query = (text: string, params: unknown[]) => Promise<{ json: string; ms: number | string }[]>;

/** `epochMs` of each timestamp's `to_json` text against the server's own `floor(extract(epoch) * 1000)`. */
async function compare(query: Query, literals: string[]): Promise<void> {
  for (const zone of ZONES) {
    const rows = await query(
      `select to_json(t)::text as json, floor(extract(epoch from t) * 1000)::float8 as ms
       from (select set_config('timezone', $1::text, false)) z,
            lateral unnest($2::text[]::timestamptz[]) t`,
      [zone, `{${literals.map((l) => `"${l}"`).join(",")}}`],
    );
    expect(rows).toHaveLength(literals.length);
    for (const row of rows) {
      expect({ zone, json: row.json, ms: epochMs(JSON.parse(row.json)) }).toEqual({
        zone,
        json: row.json,
        ms: Number(row.ms),
      });
    }
  }
}

/** Microseconds from the epoch to SQL timestamp literals, through the server. */
const microsArb = fc.array(fc.bigInt({ min: -210_000_000_000_000_000n, max: 9_000_000_000_000_000_000n }), {
  minLength: 1,
  maxLength: 40,
});

describe("epochMs (a timestamptz from row_to_json, as epoch milliseconds)", () => {
  it("reads the infinities and refuses what is not a timestamp", () => {
    expect(epochMs("infinity")).toBe(Number.POSITIVE_INFINITY);
    expect(epochMs("-infinity")).toBe(Number.NEGATIVE_INFINITY);
    expect(() => epochMs("2026-12-07 23:10:00")).toThrow(TypeError);
    expect(() => epochMs("")).toThrow(TypeError);
  });

  it("cuts fractions past the millisecond and keeps offsets in hours, minutes and seconds", () => {
    expect(epochMs("1970-01-01T00:00:00.999999+00:00")).toBe(999);
    expect(epochMs("1969-12-31T23:59:59.9999+00:00")).toBe(-1);
    expect(epochMs("1970-01-01T05:30:00+05:30")).toBe(0);
    expect(epochMs("1969-12-31T20:30:00-03:30")).toBe(0);
    expect(epochMs("1970-01-01T00:19:32+00:19:32")).toBe(0);
    expect(epochMs("12345-01-01T00:00:00+00:00")).toBe(Date.UTC(12345, 0, 1));
    expect(epochMs("0001-01-01T00:00:00+00:00 BC")).toBe(Date.parse("0000-01-01T00:00:00Z"));
  });

  it("reads a job row from row_to_json, jsonb columns nested", () => {
    const job = toJob({
      job: JSON.stringify({
        id: "j1",
        tenant: "t",
        pipeline: "p",
        input: { kind: "none" },
        options: {},
        idempotency_key: null,
        singleton_key: null,
        priority: "NaN",
        max_attempts: 5,
        status: "running",
        attempts: 1,
        epoch: 2,
        run_at: "1970-01-01T00:00:01.5+00:00",
        worker_id: "w",
        lease_expires_at: null,
        cancel_requested: false,
        stage: null,
        progress: null,
        counts: { a: 1 },
        result: null,
        error: null,
        created_at: "1970-01-01T00:00:00+00:00",
        updated_at: "1970-01-01T00:00:00+00:00",
        finished_at: null,
        event_seq: 3,
      }),
    });
    expect(job).toMatchObject({ id: "j1", input: { kind: "none" }, runAt: 1500, leaseExpiresAt: null });
    expect(job.priority).toBeNaN();
    expect(() => toJob({ job: null })).toThrow(TypeError);
  });
});

const unreachable = await probePostgres();

describe.skipIf(unreachable !== null)(
  `epochMs against Postgres${unreachable ? ` (${unreachable})` : ""}`,
  () => {
    const sql = unreachable ? (null as never) : testClient(undefined, { max: 1 });
    const query: Query = (text, params) =>
      sql.unsafe(text, params as never[]) as unknown as ReturnType<Query>;

    it("matches floor(extract(epoch) * 1000) in every session time zone, edge cases", async () => {
      await compare(query, LITERALS);
    });

    it("matches floor(extract(epoch) * 1000) in every session time zone, fuzzed to the microsecond", async () => {
      await fc.assert(
        fc.asyncProperty(microsArb, async (micros) => {
          const rows = await sql.unsafe(
            `select (timestamptz 'epoch' + x * interval '1 microsecond')::text as t
             from unnest($1::text::bigint[]) x`,
            [`{${micros.join(",")}}`],
          );
          await compare(
            query,
            rows.map((r) => String(r.t)),
          );
        }),
        { numRuns: 25 },
      );
    });
  },
);

describe("epochMs against PGlite", () => {
  const db = new PGlite();
  afterAll(() => db.close());
  const query: Query = async (text, params) => (await db.query(text, params)).rows as never;

  it("matches floor(extract(epoch) * 1000) in every session time zone, edge cases", async () => {
    await compare(query, LITERALS);
  });
});
