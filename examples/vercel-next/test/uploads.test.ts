import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { saveUpload, UploadError, uploadPath, uploadSize } from "../lib/uploads.js";

const TENANT = "tenant-uploads-1";
const sha = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

function stream(bytes: Uint8Array, pieces = 4): ReadableStream<Uint8Array> {
  const size = Math.ceil(bytes.length / pieces);
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.subarray(at, at + size));
      at += size;
    },
  });
}

describe("local uploads", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "tm-uploads-"));
    process.env.THREADMILL_UPLOAD_DIR = dir;
    delete process.env.THREADMILL_MAX_UPLOAD_BYTES;
  });
  afterEach(async () => {
    delete process.env.THREADMILL_UPLOAD_DIR;
    delete process.env.THREADMILL_MAX_UPLOAD_BYTES;
    await rm(dir, { recursive: true, force: true });
  });

  const files = async () => readdir(join(dir, TENANT)).catch(() => [] as string[]);

  it("stores a body under its SHA-256, streamed, and a second upload of it reads nothing", async () => {
    const bytes = new TextEncoder().encode('[{"id":"c1","mapping":{}}]'.repeat(1000));
    const hash = sha(bytes);
    expect(await saveUpload(TENANT, hash, stream(bytes))).toBe(bytes.length);
    expect(new Uint8Array(await readFile(uploadPath(TENANT, hash)))).toEqual(bytes);
    let pulled = 0;
    const second = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.close();
      },
    });
    expect(await saveUpload(TENANT, hash, second)).toBe(bytes.length);
    expect(pulled).toBeLessThanOrEqual(1);
    expect(await files()).toEqual([`${hash}.export`]);
  });

  it("refuses a body whose SHA-256 is not its name (a cut or altered upload) and keeps nothing", async () => {
    const bytes = new TextEncoder().encode("the whole file");
    const error = await saveUpload(TENANT, sha(bytes), stream(bytes.subarray(0, 8))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UploadError);
    expect(error).toMatchObject({ status: 422 });
    expect(await files()).toEqual([]);
    expect(await uploadSize(TENANT, sha(bytes))).toBeNull();
  });

  it("refuses a body over the size limit, part-way, and keeps nothing", async () => {
    process.env.THREADMILL_MAX_UPLOAD_BYTES = "1000";
    const bytes = new Uint8Array(5000).fill(7);
    const error = await saveUpload(TENANT, sha(bytes), stream(bytes, 10)).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "UploadError", status: 413 });
    expect(await files()).toEqual([]);
  });

  it("refuses a name that is not a SHA-256 (no path can leave the tenant's directory)", async () => {
    for (const name of ["../../etc/passwd", "ABC", `${"a".repeat(64)}/..`]) {
      await expect(saveUpload(TENANT, name, stream(new Uint8Array(1)))).rejects.toMatchObject({
        status: 400,
      });
    }
  });
});
