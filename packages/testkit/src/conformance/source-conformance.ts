import { describe, expect, it } from "vitest";
import type { OpenedSource, Source } from "@threadmill/core";

/** What the Source suite takes. */
export interface SourceConformanceOptions {
  /** Shown in the suite's title, for example `"file"`. */
  readonly name: string;
  /** A fresh source over exactly `bytes` (written to a file, served over HTTP, uploaded to a bucket...). */
  readonly create: (bytes: Uint8Array) => Promise<Source>;
  /** `open({ start })` really seeks (`offset === start`); otherwise it may start at 0. @default true */
  readonly seekable?: boolean;
  /** `size` is always known. @default true */
  readonly knowsSize?: boolean;
}

/** Deterministic bytes (xorshift), so a mismatch points at an offset, not at chance. */
function patternBytes(length: number, seed = 0x9e3779b9): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

async function readAll(opened: OpenedSource): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  const reader = opened.stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    total += value.length;
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The first differing index of two byte arrays, or -1 when they are equal. */
function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

/**
 * Registers the Source contract as vitest cases: every byte from any offset the source reports, the
 * size, independent re-opens, cancel, abort, empty input, and a name without secrets.
 */
export function runSourceConformance(options: SourceConformanceOptions): void {
  const seekable = options.seekable ?? true;
  const knowsSize = options.knowsSize ?? true;
  const bytes = patternBytes(1_500_000);

  describe(`${options.name}: Source`, () => {
    it("open() streams every byte from offset 0 and reports the size", async () => {
      const source = await options.create(bytes);
      const opened = await source.open();
      expect(opened.offset).toBe(0);
      if (knowsSize) expect(opened.size).toBe(bytes.length);
      else expect(opened.size === null || opened.size === bytes.length).toBe(true);
      expect(firstDifference(await readAll(opened), bytes)).toBe(-1);
    });

    it(`open({ start }) streams from the offset it reports${seekable ? ", which is start" : " (start or 0)"}`, async () => {
      const source = await options.create(bytes);
      for (const start of [1, 4_095, 65_536, 777_777, bytes.length - 1, bytes.length]) {
        const opened = await source.open({ start });
        if (seekable) expect(opened.offset).toBe(start);
        else expect([0, start]).toContain(opened.offset);
        if (knowsSize) expect(opened.size).toBe(bytes.length);
        const got = await readAll(opened);
        expect(firstDifference(got, bytes.subarray(opened.offset))).toBe(-1);
      }
    });

    it("each open is independent: concurrent opens and re-opens read the same bytes", async () => {
      const source = await options.create(bytes);
      const [a, b] = await Promise.all([source.open(), source.open({ start: 1_000 })]);
      const [ra, rb] = await Promise.all([readAll(a), readAll(b)]);
      expect(firstDifference(ra, bytes)).toBe(-1);
      expect(firstDifference(rb, bytes.subarray(b.offset))).toBe(-1);
      expect(firstDifference(await readAll(await source.open()), bytes)).toBe(-1);
    });

    it("a stream cancelled mid-way leaves the source usable", async () => {
      const source = await options.create(bytes);
      const opened = await source.open();
      const reader = opened.stream.getReader();
      const first = await reader.read();
      expect(first.done).toBe(false);
      await reader.cancel();
      const again = await source.open({ start: 10 });
      expect(firstDifference(await readAll(again), bytes.subarray(again.offset))).toBe(-1);
    });

    it("an aborted signal stops the open or the stream, without hanging", async () => {
      const source = await options.create(bytes);
      const controller = new AbortController();
      controller.abort(new Error("stop"));
      const started = Date.now();
      const outcome = await source
        .open({ signal: controller.signal })
        .then(async (opened) => {
          try {
            const got = await readAll(opened);
            return got.length <= bytes.length ? "read" : "too much";
          } catch {
            return "stream rejected";
          }
        })
        .catch(() => "open rejected");
      expect(["read", "stream rejected", "open rejected"]).toContain(outcome);
      expect(Date.now() - started).toBeLessThan(10_000);
    });

    it("an empty input opens to an empty stream", async () => {
      const source = await options.create(new Uint8Array(0));
      const opened = await source.open();
      expect(opened.offset).toBe(0);
      if (knowsSize) expect(opened.size).toBe(0);
      expect((await readAll(opened)).length).toBe(0);
    });

    it("its name is non-empty and carries no secret, query string or credentials", async () => {
      const source = await options.create(bytes);
      expect(source.name.length).toBeGreaterThan(0);
      expect(source.name).not.toMatch(
        /[?#]|token|signature|sig=|apikey|api_key|password|secret|:\/\/[^/]*@/i,
      );
    });
  });
}
