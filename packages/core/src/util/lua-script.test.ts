// core's Lua (the rate limiter's and the spend ledger's, run by adapter-redis): one script per file,
// each opening with a header of its KEYS, ARGV and output, exported with its includes in place.
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { RATE_LIMIT_LUA } from "../ratelimit/lua/rate-limit-lua.js";
import { SPEND_LUA } from "../spend/lua/spend-lua.js";
import { luaScript } from "./lua-script.js";

const folders = {
  ratelimit: { dir: new URL("../ratelimit/lua/", import.meta.url), scripts: RATE_LIMIT_LUA },
  spend: { dir: new URL("../spend/lua/", import.meta.url), scripts: SPEND_LUA },
};
const luaFiles = (dir: URL) => readdirSync(dir).filter((f) => f.endsWith(".lua"));
const sharedDir = new URL("./lua/", import.meta.url);
const shared = Object.fromEntries(
  luaFiles(sharedDir).map((f) => [
    `shared/${f.replace(/\.lua$/, "")}`,
    readFileSync(new URL(f, sharedDir), "utf8"),
  ]),
);

describe("core's Lua", () => {
  for (const [name, { dir, scripts }] of Object.entries(folders)) {
    it(`${name}: exports one script per file, includes in place`, () => {
      const includes = {
        ...shared,
        ...Object.fromEntries(
          luaFiles(new URL("includes/", dir)).map((f) => [
            `includes/${f.replace(/\.lua$/, "")}`,
            readFileSync(new URL(`includes/${f}`, dir), "utf8"),
          ]),
        ),
      };
      const expected = luaFiles(dir).map((f) =>
        luaScript(f, readFileSync(new URL(f, dir), "utf8"), includes),
      );
      expect(Object.values(scripts).sort()).toEqual(expected.sort());
      for (const text of Object.values(scripts)) expect(text).not.toMatch(/^--- @include/m);
    });

    it(`${name}: opens every file with a header of its input and output`, () => {
      const files = [...luaFiles(dir), ...luaFiles(new URL("includes/", dir)).map((f) => `includes/${f}`)];
      for (const file of files) {
        const text = readFileSync(new URL(file, dir), "utf8");
        expect(text.startsWith("--[[\n"), file).toBe(true);
        const header = text.slice(0, text.indexOf("]]\n"));
        expect(header, file).toContain("Input:");
        if (!file.startsWith("includes/")) expect(header, file).toContain("Output:");
        // Files named for their key count (BullMQ's `<name>-<keys>.lua`; `n`: the caller passes it).
        if (!file.startsWith("includes/")) expect(file).toMatch(/-(\d+|n)\.lua$/);
      }
    });
  }

  it("shared: opens every shared include with a header of its input", () => {
    for (const [path, text] of Object.entries(shared)) {
      expect(text.startsWith("--[[\n"), path).toBe(true);
      expect(text.slice(0, text.indexOf("]]\n")), path).toContain("Input:");
    }
  });

  it("refuses an include it does not know", () => {
    expect(() => luaScript("x-1.lua", '--- @include "includes/nope"\n', {})).toThrow(
      /unknown "includes\/nope"/,
    );
  });
});
