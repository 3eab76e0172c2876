// Shared by the adapter's tests: the real Redis at 127.0.0.1:6379 (REDIS_URL overrides), a unique key
// prefix per test run, and cleanup of every key under it. Skips when Redis is unreachable, except with
// CI=true, where an unreachable Redis fails the run.
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";

export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const CI = process.env.CI === "true";

async function probe(): Promise<boolean> {
  const client = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1000 });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.ping();
    return true;
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** Whether Redis answers; throws when it does not and CI=true. */
export const redisAvailable: boolean = await (async () => {
  const ok = await probe();
  if (!ok && CI)
    throw new Error(`Redis at ${REDIS_URL} is unreachable and CI=true: the Redis tests must run.`);
  if (!ok)
    console.warn(`[adapter-redis tests] skipped: no Redis at ${REDIS_URL} (set CI=true to make this fail).`);
  return ok;
})();

/** A key prefix no other run uses. */
export function uniquePrefix(label = "t"): string {
  return `tm-test-${label}-${process.pid}-${randomBytes(4).toString("hex")}`;
}

/** Deletes every key whose name contains `{prefix}` or `{prefix:` (coordination and record keys). */
export async function deletePrefix(client: Redis, prefix: string): Promise<void> {
  for (const pattern of [`{${prefix}}:*`, `{${prefix}:*`]) {
    let cursor = "0";
    do {
      const [next, keys] = await client.scan(cursor, "MATCH", pattern, "COUNT", 1000);
      cursor = next;
      if (keys.length > 0) await client.unlink(...keys);
    } while (cursor !== "0");
  }
}

/** A new client to the test Redis. */
export function newClient(): Redis {
  return new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
}
