import { describe, expect, it } from "vitest";
import { clone } from "./memory-state.js";

describe("clone", () => {
  it("deep-copies plain objects, arrays and Dates without aliasing", () => {
    const original = { a: [1, { b: new Date(5) }], c: null, d: undefined, e: "ü🧵" };
    const copy = clone(original);
    expect(copy).toStrictEqual(original);
    expect(copy.a).not.toBe(original.a);
    expect(copy.a[1]).not.toBe(original.a[1]);
    const date = (copy.a[1] as { b: Date }).b;
    expect(date).not.toBe((original.a[1] as { b: Date }).b);
    date.setTime(9);
    expect((original.a[1] as { b: Date }).b.getTime()).toBe(5);
  });

  it("keeps a JSON __proto__ key as data and never changes the copy's prototype", () => {
    const original = JSON.parse('{"__proto__": {"polluted": true}, "x": 1}') as Record<string, unknown>;
    const copy = clone(original);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect((copy as { polluted?: boolean }).polluted).toBeUndefined();
    expect(Object.keys(copy)).toStrictEqual(["__proto__", "x"]);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it("falls back to structuredClone for other objects", () => {
    const map = new Map([["k", [1]]]);
    const copy = clone({ map });
    expect(copy.map).toBeInstanceOf(Map);
    expect(copy.map).not.toBe(map);
    expect(copy.map.get("k")).toStrictEqual([1]);
  });
});
