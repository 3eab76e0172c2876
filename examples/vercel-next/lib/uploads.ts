import { createHash, randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";

/**
 * Local uploads, for development and tests (on Vercel, uploads go straight to Supabase Storage): an
 * export is stored under its SHA-256, so the same file uploaded twice (two tabs, a refresh) is one
 * object and, through the idempotency key, one job.
 */
export const SHA256 = /^[0-9a-f]{64}$/;

export class UploadError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = "UploadError";
  }
}

export function uploadDir(): string {
  return resolve(process.env.THREADMILL_UPLOAD_DIR ?? ".threadmill/uploads");
}

export function maxUploadBytes(): number {
  return Number(process.env.THREADMILL_MAX_UPLOAD_BYTES) || 2 * 1024 ** 3;
}

/** Where a tenant's upload of `hash` lives. */
export function uploadPath(tenant: string, hash: string): string {
  if (!SHA256.test(hash)) throw new UploadError("The upload's name must be its SHA-256, in hex.", 400);
  return join(uploadDir(), tenant, `${hash}.export`);
}

export async function uploadSize(tenant: string, hash: string): Promise<number | null> {
  try {
    return (await stat(uploadPath(tenant, hash))).size;
  } catch {
    return null;
  }
}

/**
 * Streams `body` to disk while hashing it (never holding the file in memory), and keeps it only when
 * its SHA-256 is `hash`: a cut or altered upload leaves nothing behind. Returns its size.
 */
export async function saveUpload(
  tenant: string,
  hash: string,
  body: ReadableStream<Uint8Array>,
): Promise<number> {
  const target = uploadPath(tenant, hash);
  const existing = await uploadSize(tenant, hash);
  if (existing !== null) {
    await body.cancel().catch(() => {});
    return existing;
  }
  await mkdir(join(uploadDir(), tenant), { recursive: true });
  const part = `${target}.${randomUUID()}.part`;
  const digest = createHash("sha256");
  const limit = maxUploadBytes();
  let size = 0;
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      if (size > limit) {
        done(new UploadError(`The upload is larger than ${limit} bytes.`, 413));
        return;
      }
      digest.update(chunk);
      done(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(body as never), hashing, createWriteStream(part));
    if (digest.digest("hex") !== hash)
      throw new UploadError("The upload's SHA-256 does not match its name.", 422);
    // Atomic: a concurrent upload of the same file renames an identical file over this one.
    await rename(part, target);
    return size;
  } catch (error) {
    await rm(part, { force: true });
    throw error;
  }
}
