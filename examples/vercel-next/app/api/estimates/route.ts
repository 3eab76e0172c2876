import {
  estimateFacts,
  factsJobOptionsSchema,
  maxRequestCostMicroUsd,
  priceOf,
} from "@threadmill/core/anthropic";
import { readExport } from "@threadmill/core/node";
import { currentTenant } from "../../../lib/session";
import { uploadInput, uploadSource } from "../../../lib/upload-input";
import { SHA256 } from "../../../lib/uploads";

export const runtime = "nodejs";
export const maxDuration = 60;

/**
 * What extracting facts from an upload would cost, before anything is spent: the requests, tokens
 * and dollars of the plan the facts stage would send (read from the export, nothing sent).
 */
export async function POST(request: Request): Promise<Response> {
  const tenant = await currentTenant();
  if (!tenant) return Response.json({ error: "No session." }, { status: 401 });
  const body = (await request.json().catch(() => null)) as { hash?: unknown } | null;
  const hash = typeof body?.hash === "string" ? body.hash : "";
  if (!SHA256.test(hash))
    return Response.json({ error: "hash must be the upload's SHA-256." }, { status: 400 });
  const input = await uploadInput(tenant, hash);
  if (!input)
    return Response.json({ error: "No upload with this SHA-256: upload it first." }, { status: 409 });
  const estimate = await estimateFacts(readExport(await uploadSource(input, tenant)), {});
  // Each request reserves the most it may cost before it is sent, so a budget needs that much room
  // above what the run is expected to cost for its last request to go out.
  const { requestTokens, maxTokens } = factsJobOptionsSchema.parse({});
  const price = priceOf(estimate.model);
  const reserveUsd = price ? maxRequestCostMicroUsd(requestTokens, maxTokens, price, false) / 1e6 : 0;
  return Response.json({
    model: estimate.model,
    conversations: estimate.conversations,
    requests: estimate.requests,
    usd: estimate.usd.messages,
    reserveUsd,
  });
}
