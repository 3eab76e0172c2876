import { describe, expect, it } from "vitest";
import { CliError } from "./cli-error.js";
import { describeStore, parseStore } from "./parse-store.js";

describe("parseStore", () => {
  it("maps each --store form to its store", () => {
    expect(parseStore("memory")).toEqual({ kind: "memory" });
    expect(parseStore("./.threadmill", "/home/u")).toEqual({
      kind: "pglite",
      dataDir: "/home/u/.threadmill",
    });
    expect(parseStore("/var/data/tm", "/home/u")).toEqual({ kind: "pglite", dataDir: "/var/data/tm" });
    expect(parseStore("redis://:pw@cache:6379/2")).toEqual({
      kind: "redis",
      url: "redis://:pw@cache:6379/2",
      keyPrefix: "threadmill",
    });
    expect(parseStore("rediss://u:pw@cache:6380?prefix=imports")).toEqual({
      kind: "redis",
      url: "rediss://u:pw@cache:6380",
      keyPrefix: "imports",
    });
    expect(parseStore("postgresql://app:pw@db:5432/main?schema=tm&sslmode=require")).toEqual({
      kind: "postgres",
      url: "postgresql://app:pw@db:5432/main?sslmode=require",
      schema: "tm",
    });
    expect(parseStore("POSTGRES://db/x")).toMatchObject({ kind: "postgres", schema: undefined });
  });

  it("rejects unknown schemes, malformed URLs and unsafe names with a CliError (exit 2) that hides the password", () => {
    for (const bad of [
      "mysql://root:hunter2@db/x",
      "redis://:hunter2@[::1/",
      "redis://:hunter2@h?prefix={tag}",
      "postgres://u:hunter2@h/db?schema=x;drop",
      "  ",
    ]) {
      let error: unknown;
      try {
        parseStore(bad);
      } catch (e) {
        error = e;
      }
      expect(error, bad).toBeInstanceOf(CliError);
      expect((error as CliError).exitCode).toBe(2);
      expect((error as CliError).message).not.toContain("hunter2");
    }
  });

  it("describes a store without its password", () => {
    expect(describeStore(parseStore("postgres://app:hunter2@db/main"))).toBe("postgres://app:***@db/main");
    expect(describeStore(parseStore("memory"))).toBe("memory");
  });
});
