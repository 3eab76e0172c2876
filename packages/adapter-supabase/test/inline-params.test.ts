import { describe, expect, it, vi } from "vitest";
import { inlineParams } from "../src/inline-params.js";
import { probePostgres, testClient } from "./support/test-postgres.js";

describe("inlineParams (the one-round-trip path of unprepared statements)", () => {
  it("writes scalars as escape-string literals and null as null", () => {
    expect(inlineParams("select $1::text, $2::int, $3::boolean, $4::text", ["a'b\\c", 7, true, null])).toBe(
      "select E'a''b\\\\c'::text, E'7'::int, E't'::boolean, null::text",
    );
  });

  it("leaves $n inside quoted strings, quoted identifiers and comments alone", () => {
    const text = `select '$1', E'\\'$1', "$1", $1::text -- $1\n /* $1 */ , $2::text`;
    expect(inlineParams(text, ["x", "y"])).toBe(
      `select '$1', E'\\'$1', "$1", E'x'::text -- $1\n /* $1 */ , E'y'::text`,
    );
  });

  it("declines (the caller sends parameters) for non-scalars, NULs, big values, dollar quotes and bad placeholders", () => {
    expect(inlineParams("select $1::text", [["a"]])).toBeNull();
    expect(inlineParams("select $1::text", [{ a: 1 }])).toBeNull();
    expect(inlineParams("select $1::text", ["a\0b"])).toBeNull();
    expect(inlineParams("select $1::text", ["x".repeat(20_000)])).toBeNull();
    expect(inlineParams("do $x$ begin end $x$; select $1::text", ["a"])).toBeNull();
    expect(inlineParams("select $2::text", ["a"])).toBeNull();
    expect(inlineParams("select 'unterminated $1", ["a"])).toBeNull();
    expect(inlineParams("select 1", [])).toBe("select 1");
  });

  it("declines a bulk write's large parameter without escaping it (a unit's megabytes of JSON)", () => {
    const big = `[${'{"body":"it\'s"},'.repeat(100_000)}{}]`;
    const replace = vi.spyOn(String.prototype, "replace");
    const includes = vi.spyOn(String.prototype, "includes");
    try {
      expect(inlineParams("select $1::text, $2::text", ["small", big])).toBeNull();
      const scannedBig = (spy: typeof replace | typeof includes) =>
        spy.mock.contexts.some((self) => String(self).length >= big.length);
      expect(scannedBig(replace)).toBe(false);
      expect(scannedBig(includes)).toBe(false);
    } finally {
      replace.mockRestore();
      includes.mockRestore();
    }
  });
});

const unreachable = await probePostgres();

describe.skipIf(unreachable !== null)(
  `inlineParams against Postgres${unreachable ? ` (${unreachable})` : ""}`,
  () => {
    const sql = unreachable ? (null as never) : testClient();

    it("every string comes back exactly as the same statement with parameters returns it (fuzzed, quotes, backslashes, $n, injection attempts)", async () => {
      const alphabet = [
        "'",
        "''",
        "\\",
        "\\'",
        '"',
        "$1",
        "$$",
        "--",
        "/*",
        "*/",
        ";",
        "\n",
        "é",
        "😀",
        "a",
        " ",
      ];
      const values: string[] = [
        "",
        "'; drop table x; --",
        "\\'; select 1; --",
        "E'\\x'",
        "$1::text",
        "\\\\''\\",
        JSON.stringify({ text: 'he said "hi" \\ \' $2' }),
      ];
      for (let i = 0; i < 200; i++) {
        let s = "";
        const len = Math.floor(Math.random() * 12);
        for (let j = 0; j < len; j++) s += alphabet[Math.floor(Math.random() * alphabet.length)];
        values.push(s);
      }
      for (const value of values) {
        const text = "select $1::text as v, length($1::text) as n, $2::int as k";
        const inlined = inlineParams(text, [value, 3]);
        expect(inlined).not.toBeNull();
        const [viaLiteral] = await sql.unsafe(inlined!, [], { prepare: false });
        const [viaParams] = await sql.unsafe(text, [value, 3], { prepare: false });
        expect(viaLiteral).toEqual(viaParams);
        expect(viaLiteral!.v).toBe(value);
      }
    });

    it("numbers, booleans and JSON text cast the same way as parameters", async () => {
      const text =
        "select $1::float8 as f, $2::int as i, $3::boolean as b, $4::text::jsonb as j, $5::bigint as g";
      const params = [1.5e21, -42, false, JSON.stringify({ a: [1, "x'\\y"] }), 9007199254740991];
      const [viaLiteral] = await sql.unsafe(inlineParams(text, params)!, [], { prepare: false });
      const [viaParams] = await sql.unsafe(text, params, { prepare: false });
      expect(viaLiteral).toEqual(viaParams);
    });
  },
);
