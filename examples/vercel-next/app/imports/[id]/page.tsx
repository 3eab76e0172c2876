import type { Adapter } from "@threadmill/core";
import { notFound } from "next/navigation";
import { currentTenant } from "../../../lib/session";
import { appStore } from "../../../lib/store";
import { Progress } from "./progress";

export const dynamic = "force-dynamic";

const SHOWN = 200;

/**
 * Chunks per shown conversation, from the job's library versions (one per conversation, holding its
 * chunk ids): read page by page until every shown conversation is found.
 */
async function chunkCounts(adapter: Adapter, tenant: string, jobId: string, ids: readonly string[]) {
  const counts = new Map<string, number>();
  const wanted = new Set(ids);
  if (!adapter.library) return counts;
  for (let after: string | undefined; counts.size < wanted.size; ) {
    const page = await adapter.library.list(tenant, { jobId, limit: 1000, ...(after ? { after } : {}) });
    if (page.length === 0) break;
    for (const v of page) if (wanted.has(v.conversationId)) counts.set(v.conversationId, v.chunkIds.length);
    after = page[page.length - 1]!.id;
  }
  return counts;
}

function day(value: Date | string | null): string {
  return value ? new Date(value).toISOString().slice(0, 10) : "";
}

/** An import: its live progress, then what it imported. */
export default async function ImportPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const tenant = await currentTenant();
  if (!tenant) notFound();
  const { adapter } = await appStore();
  const job = await adapter.jobs.get(tenant, id);
  if (!job) notFound();
  const done = job.status === "succeeded";
  const conversations = done ? await adapter.conversations.list(tenant, { jobId: id, limit: SHOWN }) : [];
  const facts = done && adapter.facts ? await adapter.facts.list(tenant, { jobId: id, limit: SHOWN }) : [];
  // The facts' sources, by title: their conversations may lie beyond the first page above.
  const sourceIds = [...new Set(facts.flatMap((f) => f.sources.map((s) => s.conversationId)))];
  const sources = sourceIds.length > 0 ? await adapter.conversations.get(tenant, sourceIds) : [];
  const titles = new Map(sources.map((c) => [c.id, c.title ?? "(untitled)"]));
  const chunks = done
    ? await chunkCounts(
        adapter,
        tenant,
        id,
        conversations.map((c) => c.id),
      )
    : new Map<string, number>();
  return (
    <>
      <h1>Import</h1>
      <Progress jobId={id} />
      {job.status === "failed" && job.error && (
        <p className="error" data-testid="failure">
          It stopped: {job.error.message}
        </p>
      )}
      {job.status === "succeeded" && (
        <section data-testid="result">
          <h2>
            {job.counts.conversations ?? conversations.length} conversations, {job.counts.chunks ?? 0} chunks
          </h2>
          <table>
            <thead>
              <tr>
                <th>Title</th>
                <th>Created</th>
                <th>Updated</th>
                <th>Messages</th>
                <th>Chunks</th>
              </tr>
            </thead>
            <tbody>
              {conversations.map((c) => (
                <tr key={c.id}>
                  <td>
                    <a href={`/imports/${id}/conversations/${encodeURIComponent(c.id)}`}>
                      {c.title ?? "(untitled)"}
                    </a>
                  </td>
                  <td>{day(c.createdAt)}</td>
                  <td>{day(c.updatedAt)}</td>
                  <td>{c.messages.length}</td>
                  <td>{chunks.get(c.id) ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {conversations.length === SHOWN && <p>The first {SHOWN} are shown.</p>}
        </section>
      )}
      {facts.length > 0 && (
        <section data-testid="facts">
          <h2>{facts.length === SHOWN ? `The first ${SHOWN} facts` : `${facts.length} facts`}</h2>
          <table>
            <thead>
              <tr>
                <th>Fact</th>
                <th>Confidence</th>
                <th>Said in</th>
              </tr>
            </thead>
            <tbody>
              {facts.map((f) => (
                <tr key={f.id} data-testid="fact">
                  <td>
                    {f.subject} <em>{f.predicate.replaceAll("_", " ")}</em> {f.object}
                    {f.supersededBy ? " (replaced)" : ""}
                  </td>
                  <td>{Math.round(f.confidence * 100)}%</td>
                  <td>
                    {[...new Set(f.sources.map((s) => s.conversationId))].map((cid) => (
                      <a key={cid} href={`/imports/${id}/conversations/${encodeURIComponent(cid)}`}>
                        {titles.get(cid) ?? cid}{" "}
                      </a>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </>
  );
}
