import { after } from "next/server";
import { sliceAndChain } from "../../../lib/slices";

export const runtime = "nodejs";
export const maxDuration = 300;

/**
 * Vercel Cron (vercel.json) calls this every minute with `Authorization: Bearer $CRON_SECRET`: it
 * restarts work that a broken chain left queued (a crashed instance, a failed chained call). Claiming
 * lives in the store, so a cron slice and a chained one never run the same job at once.
 */
export async function GET(request: Request): Promise<Response> {
  const startedAt = Date.now();
  const secret = process.env.CRON_SECRET;
  if (!secret && process.env.VERCEL) return new Response("CRON_SECRET is not set.", { status: 500 });
  if (secret && request.headers.get("authorization") !== `Bearer ${secret}`) {
    return new Response(null, { status: 401 });
  }
  after(() => sliceAndChain(startedAt, maxDuration, new URL(request.url).origin));
  return new Response(null, { status: 202 });
}
