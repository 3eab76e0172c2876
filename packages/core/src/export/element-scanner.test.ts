import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { elementBytes } from "./element-bytes.js";
import { ElementScanner, type ScannedElement } from "./element-scanner.js";

const enc = new TextEncoder();
const dec = new TextDecoder();

function scan(bytes: Uint8Array, cuts: number[] = [], resume?: { offset: number; index: number }) {
  const scanner = new ElementScanner(resume ? { resume } : {});
  const out: ScannedElement[] = [];
  let at = 0;
  for (const cut of [...cuts.filter((c) => c > 0 && c < bytes.length)]
    .sort((a, b) => a - b)
    .concat(bytes.length)) {
    out.push(...scanner.push(bytes.subarray(at, cut)));
    at = cut;
  }
  return {
    elements: out.map((e) => ({
      text: dec.decode(elementBytes(e)),
      start: e.start,
      end: e.end,
      index: e.index,
    })),
    end: scanner.end(),
    layout: scanner.layout,
  };
}

describe("ElementScanner", () => {
  it("finds array elements with exact byte offsets", () => {
    const text = `[{"a":"x"},{"b":[1,{"c":"}"}]}]`;
    const { elements, end, layout } = scan(enc.encode(text));
    expect(layout).toBe("array");
    expect(elements.map((e) => e.text)).toEqual([`{"a":"x"}`, `{"b":[1,{"c":"}"}]}`]);
    for (const e of elements) expect(text.slice(e.start, e.end)).toBe(e.text);
    expect(end).toEqual({ empty: false, truncated: false, truncatedAt: null });
  });

  it("skips a UTF-8 BOM and whitespace, and reads pretty-printed input", () => {
    const { elements } = scan(enc.encode(`\uFEFF\n [\n  {\n    "a": 1\n  },\n  {"b": 2}\n]\n`));
    expect(elements.map((e) => JSON.parse(e.text))).toEqual([{ a: 1 }, { b: 2 }]);
  });

  it("streams the array of a { conversations: [...] } wrapper, whatever keys come first", () => {
    const text = `{"meta":{"conversations":"not this"},"n":[1,2],"conversations":[{"id":1},{"id":2}],"processed":true}`;
    const { elements, layout, end } = scan(enc.encode(text));
    expect(layout).toBe("wrapper");
    expect(elements.map((e) => JSON.parse(e.text))).toEqual([{ id: 1 }, { id: 2 }]);
    expect(text.slice(elements[1]!.start, elements[1]!.end)).toBe(`{"id":2}`);
    expect(end.truncated).toBe(false);
  });

  it("returns a bare top-level object as one element", () => {
    const { elements, layout } = scan(enc.encode(` {"mapping":{"a":{"conversations":[1]}},"id":"x"} `));
    expect(layout).toBe("object");
    expect(elements).toHaveLength(1);
    expect(JSON.parse(elements[0]!.text).id).toBe("x");
  });

  it("handles escaped quotes and backslash runs split across chunks", () => {
    const text = `[{"s":"a\\\\"},{"t":"q\\"}\\\\\\"x"},{"u":"\\\\\\\\"}]`;
    const whole = scan(enc.encode(text)).elements;
    expect(whole.map((e) => JSON.parse(e.text))).toEqual(JSON.parse(text));
    for (let cut = 1; cut < text.length; cut++) {
      for (let cut2 = cut + 1; cut2 < Math.min(text.length, cut + 4); cut2++) {
        expect(scan(enc.encode(text), [cut, cut2]).elements).toEqual(whole);
      }
    }
  });

  it("yields primitive elements (the reader reports them) and keeps going", () => {
    const { elements } = scan(enc.encode(`[1, "a,]", null ,{"x":1}]`));
    expect(elements.map((e) => e.text.trim())).toEqual(["1", `"a,]"`, "null", `{"x":1}`]);
  });

  it("reports truncation inside an element and before the closing bracket", () => {
    const a = scan(enc.encode(`[{"a":1},{"b":`));
    expect(a.elements).toHaveLength(1);
    expect(a.end).toEqual({ empty: false, truncated: true, truncatedAt: 9 });
    const b = scan(enc.encode(`[{"a":1}`));
    expect(b.end.truncated).toBe(true);
    expect(b.end.truncatedAt).toBeNull();
    expect(scan(enc.encode(" \n ")).end.empty).toBe(true);
  });

  it("throws SyntaxError on input that is not a JSON array or object", () => {
    expect(() => scan(enc.encode("PK\u0003\u0004"))).toThrow(SyntaxError);
    expect(() => scan(enc.encode("hello"))).toThrow(SyntaxError);
  });

  it("resumes after an element from its end offset", () => {
    const text = `[{"a":1},{"b":2},{"c":3}]`;
    const all = scan(enc.encode(text)).elements;
    const bytes = enc.encode(text);
    const rest = scan(bytes.subarray(all[0]!.end), [], { offset: all[0]!.end, index: 0 });
    expect(rest.elements).toEqual(all.slice(1));
  });

  it("property: any chunking gives the same elements and offsets", () => {
    const value = fc.letrec((tie) => ({
      json: fc.oneof(
        { depthSize: "small" },
        fc.string({ unit: "binary" }),
        fc.integer(),
        fc.constant(null),
        fc.boolean(),
        fc.array(tie("json"), { maxLength: 4 }),
        fc.dictionary(fc.string({ unit: "binary", maxLength: 6 }), tie("json"), { maxKeys: 4 }),
      ),
    })).json;
    fc.assert(
      fc.property(
        fc.array(fc.dictionary(fc.string({ maxLength: 5 }), value, { maxKeys: 5 }), { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.boolean(),
        (array, rawCuts, pretty) => {
          const text = pretty ? JSON.stringify(array, null, 2) : JSON.stringify(array);
          const bytes = enc.encode(text);
          const whole = scan(bytes);
          expect(whole.elements.map((e) => JSON.parse(e.text))).toEqual(JSON.parse(text));
          const cuts = rawCuts.map((c) => c % (bytes.length + 1));
          expect(scan(bytes, cuts)).toEqual(whole);
        },
      ),
      { numRuns: 300 },
    );
  });
});
