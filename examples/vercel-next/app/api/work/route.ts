import { after } from "next/server";
import { sliceAndChain, workSecret } from "../../../lib/slices";

export const runtime = "nodejs";
export const maxDuration = 300;

/** One slice of work, chained by the slice before it while claimable jobs remain. */
export async function POST(request: Request): Promise<Response> {
  const startedAt = Date.now();
  if (request.headers.get("authorization") !== `Bearer ${workSecret()}`) {
    return new Response(null, { status: 401 });
  }
  after(() => sliceAndChain(startedAt, maxDuration, new URL(request.url).origin));
  return new Response(null, { status: 202 });
}
