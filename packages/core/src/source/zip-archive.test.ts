import { createDeflateRaw, crc32 } from "node:zlib";
import { describe, expect, it } from "vitest";
import { ExportFormatError } from "../errors/export-format-error.js";
import { readExport } from "../export/read-export.js";
import { zlibInflateRaw } from "../node/zlib-inflate-raw.js";
import { createBytesSource } from "./create-bytes-source.js";
import { fflateInflateRaw } from "./zip-archive.js";

const GiB = 1024 ** 3;

/** 1 GiB of `fill` deflated, streaming (never held inflated): about 1 MB out. */
async function deflatedGiB(fill: number): Promise<{ data: Uint8Array; crc: number }> {
  const deflater = createDeflateRaw({ level: 9 });
  const out: Buffer[] = [];
  deflater.on("data", (d: Buffer) => out.push(d));
  const block = Buffer.alloc(1 << 20, fill);
  let crc = 0;
  for (let i = 0; i < 1024; i++) {
    crc = crc32(block, crc);
    if (!deflater.write(block)) await new Promise((r) => deflater.once("drain", r));
  }
  await new Promise((r) => deflater.end(r));
  return { data: new Uint8Array(Buffer.concat(out)), crc };
}

/** A one-entry ZIP whose central directory declares the given sizes. */
function zipOf(
  name: string,
  data: Uint8Array,
  crc: number,
  declaredSize: number,
  declaredCompressed = data.length,
): Uint8Array {
  const n = Buffer.from(name);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(crc >>> 0, 14);
  local.writeUInt32LE(declaredCompressed, 18);
  local.writeUInt32LE(Math.min(declaredSize, 0xffffffff), 22);
  local.writeUInt16LE(n.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(crc >>> 0, 16);
  central.writeUInt32LE(declaredCompressed, 20);
  central.writeUInt32LE(Math.min(declaredSize, 0xffffffff), 24);
  central.writeUInt16LE(n.length, 28);
  central.writeUInt32LE(0, 42);
  const cdOffset = 30 + n.length + data.length;
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(1, 8);
  eocd.writeUInt16LE(1, 10);
  eocd.writeUInt32LE(46 + n.length, 12);
  eocd.writeUInt32LE(cdOffset, 16);
  return new Uint8Array(Buffer.concat([local, n, Buffer.from(data), central, n, eocd]));
}

async function readAll(bytes: Uint8Array, inflateRaw = fflateInflateRaw) {
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  try {
    for await (const _ of readExport(createBytesSource(bytes), { inflateRaw })) void _;
    return { error: null, grewMb: (peak - before) / 1e6 };
  } catch (error) {
    peak = Math.max(peak, process.memoryUsage().rss);
    return { error: error as ExportFormatError, grewMb: (peak - before) / 1e6 };
  } finally {
    clearInterval(timer);
  }
}

describe("ZIP bomb guard", () => {
  it("stops 1 GiB of zeros compressed into ~1 MB before memory grows (declared sizes honest, lying, or hidden)", async () => {
    const { data, crc } = await deflatedGiB(0);
    expect(data.length).toBeLessThan(2e6);
    for (const inflate of [fflateInflateRaw, zlibInflateRaw]) {
      // Honest directory: refused from the declared ratio, before inflating a byte.
      const honest = await readAll(zipOf("conversations.json", data, crc, GiB), inflate);
      expect(ExportFormatError.isInstance(honest.error)).toBe(true);
      expect(honest.error!.reason).toBe("unsafe-archive");
      // Lying directory (tiny declared size): stopped as soon as the output passes it.
      const lying = await readAll(zipOf("conversations.json", data, crc, 4096), inflate);
      expect(lying.error!.reason).toBe("unsafe-archive");
      expect(lying.error!.message).toMatch(/declared/);
      // Inflated size declared plausible, compressed size inflated to hide the ratio: the live ratio check fires.
      const hidden = await readAll(zipOf("conversations.json", data, crc, 0xfffffff0, data.length), inflate);
      expect(hidden.error!.reason).toBe("unsafe-archive");
      for (const r of [honest, lying, hidden])
        expect(r.grewMb, `RSS growth with ${inflate.name}`).toBeLessThan(150);
    }
  }, 120_000);

  it("stops a JSON-shaped bomb ('[' then 1 GiB of spaces) by the live ratio", async () => {
    const { data, crc } = await deflatedGiB(0x20);
    const r = await readAll(zipOf("conversations.json", data, crc, 0xfffffff0), zlibInflateRaw);
    expect(r.error?.reason).toBe("unsafe-archive");
    expect(r.error?.message).toMatch(/ratio|declared/);
    expect(r.grewMb).toBeLessThan(150);
  }, 120_000);

  it("accepts an ordinary deflated export (ratio well under the limit)", async () => {
    const { zipSync } = await import("fflate");
    const text = JSON.stringify([{ id: "a", mapping: {}, title: "x".repeat(100) }]);
    const bytes = zipSync({ "conversations.json": new TextEncoder().encode(text) });
    const r = await readAll(bytes);
    expect(r.error).toBeNull();
  });
});
