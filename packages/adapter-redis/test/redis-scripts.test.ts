// The Lua files under src/lua and their registration: one script per file, named
// `<name>-<numberOfKeys>.lua`, opening with a header of its KEYS, ARGV and output, binding its
// numbered arguments to named locals, and compiling on Redis once its includes are in place.
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { REDIS_SCRIPTS } from "../src/lua/redis-scripts.js";
import { newClient, redisAvailable } from "./redis-env.js";

const dir = new URL("../src/lua/", import.meta.url);
const read = (file: string) => readFileSync(new URL(file, dir), "utf8");
const files = readdirSync(dir).filter((f) => f.endsWith(".lua"));
const includes = readdirSync(new URL("includes/", dir)).filter((f) => f.endsWith(".lua"));
const scripts = Object.values(REDIS_SCRIPTS);

describe("redis scripts", () => {
  it("registers each file once, with the key count its name ends with and its includes in place", () => {
    expect(scripts.map((s) => s.file).sort()).toEqual(files.sort());
    for (const s of scripts) {
      expect(s.numberOfKeys, s.file).toBe(Number(/-(\d+)\.lua$/.exec(s.file)![1]));
      expect(s.lua, s.file).not.toMatch(/^--- @include/m);
      const [head, tail] = read(s.file).split(/^--- @include "includes\/coordination"$/m);
      if (tail === undefined) expect(s.lua, s.file).toBe(head);
      else expect(s.lua, s.file).toBe(head + read("includes/coordination.lua") + tail);
    }
    expect(includes).toEqual(["coordination.lua"]);
  });

  it("opens every file with a header and binds numbered KEYS and ARGV to named locals", () => {
    for (const file of [...files, ...includes.map((f) => `includes/${f}`)]) {
      const text = read(file);
      expect(text.startsWith("--[[\n"), file).toBe(true);
      const header = text.slice(0, text.indexOf("]]\n"));
      expect(header, file).toContain("Input:");
      if (!file.startsWith("includes/")) expect(header, file).toContain("Output:");
      const body = text.slice(header.length).split("\n");
      for (const line of body.filter((l) => /\b(KEYS|ARGV)\[\d/.test(l))) {
        expect(line, file).toMatch(
          /^local [A-Za-z_]+ = (tonumber\()?(KEYS|ARGV)\[\d+\]\)?( == '[a-z0-9]+')?$/,
        );
      }
    }
  });

  it.skipIf(!redisAvailable)("compiles every script on Redis", async () => {
    const client = newClient();
    try {
      for (const s of scripts) {
        expect(String(await client.script("LOAD", s.lua)), s.file).toMatch(/^[0-9a-f]{40}$/);
      }
    } finally {
      client.disconnect();
    }
  });
});
