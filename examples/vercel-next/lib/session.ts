import { cookies } from "next/headers";

/**
 * A minimal session so the example runs with no account: a random tenant id in a cookie signed with
 * HMAC-SHA-256 (`SESSION_SECRET`). With Supabase Auth, the tenant is the user's id instead (README).
 */
export const SESSION_COOKIE = "tm_session";

const encoder = new TextEncoder();

function secret(): string {
  const value = process.env.SESSION_SECRET;
  if (value) return value;
  if (process.env.NODE_ENV === "production" && process.env.VERCEL) {
    throw new Error("SESSION_SECRET must be set in production.");
  }
  return "threadmill-example-development-secret";
}

async function sign(tenant: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(secret()),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(tenant)));
  return Buffer.from(mac).toString("base64url");
}

/** The signed cookie value of `tenant`. */
export async function sessionValue(tenant: string): Promise<string> {
  return `${tenant}.${await sign(tenant)}`;
}

/** The tenant a cookie value names, or null when it is missing or its signature does not match. */
export async function tenantOf(value: string | undefined): Promise<string | null> {
  if (!value) return null;
  const dot = value.lastIndexOf(".");
  if (dot <= 0) return null;
  const tenant = value.slice(0, dot);
  if (!/^[A-Za-z0-9_-]{8,64}$/.test(tenant)) return null;
  const expected = await sessionValue(tenant);
  // Same length by construction; compare every byte so the time does not tell how much matched.
  if (expected.length !== value.length) return null;
  let diff = 0;
  for (let i = 0; i < value.length; i++) diff |= value.charCodeAt(i) ^ expected.charCodeAt(i);
  return diff === 0 ? tenant : null;
}

/** The request's tenant (the proxy gives every visitor a session before any route runs). */
export async function currentTenant(): Promise<string | null> {
  return tenantOf((await cookies()).get(SESSION_COOKIE)?.value);
}
