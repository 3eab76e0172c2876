import type { Chunk } from "@threadmill/core";
import { notFound } from "next/navigation";
import { currentTenant } from "../../../../../lib/session";
import { appStore } from "../../../../../lib/store";

export const dynamic = "force-dynamic";

/** Pages through the job's chunks for one conversation's (a store lists chunks by job, in id order). */
async function chunksOf(
  list: (after: string | undefined) => Promise<Chunk[]>,
  conversationId: string,
): Promise<Chunk[]> {
  const found: Chunk[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await list(after);
    for (const chunk of page) if (chunk.conversationId === conversationId) found.push(chunk);
    if (page.length === 0) break;
    after = page[page.length - 1]!.id;
  }
  return found.sort((a, b) => (a.branchId ?? "").localeCompare(b.branchId ?? "") || a.index - b.index);
}

/** One conversation's messages and the chunks they were cut into. */
export default async function ConversationPage({ params }: { params: Promise<{ id: string; cid: string }> }) {
  const { id, cid } = await params;
  const conversationId = decodeURIComponent(cid);
  const tenant = await currentTenant();
  if (!tenant) notFound();
  const { adapter } = await appStore();
  const [conversation] = await adapter.conversations.get(tenant, [conversationId]);
  if (!conversation) notFound();
  const chunks = await chunksOf(
    (after) => adapter.chunks.list(tenant, { jobId: id, limit: 1000, ...(after ? { after } : {}) }),
    conversationId,
  );
  return (
    <>
      <p>
        <a href={`/imports/${id}`}>← the import</a>
      </p>
      <h1>{conversation.title ?? "(untitled)"}</h1>
      <p>
        {conversation.messages.length} messages, {chunks.length} chunks
      </p>
      {chunks.map((chunk) => (
        <article key={chunk.id} data-testid="chunk">
          <h3>
            Chunk {chunk.index + 1} · {chunk.tokens} tokens
          </h3>
          <pre className="chunk">{chunk.text}</pre>
        </article>
      ))}
    </>
  );
}
