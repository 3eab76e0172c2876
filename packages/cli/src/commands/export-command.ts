import type { Chunk, StoredConversation } from "@threadmill/core";
import { CliError } from "../cli-error.js";
import type { CommandContext } from "../command-context.js";
import { EXIT_CODES } from "../exit-codes.js";
import { formatChunksMarkdown, formatConversationMarkdown, formatFactMarkdown } from "../format-markdown.js";
import { requireJob, withStore } from "../open-context-store.js";

const PAGE = 500;

/** Writes and waits for the stream to take it, so a huge export never piles up in memory. */
function write(stream: NodeJS.WritableStream, text: string): Promise<void> | void {
  if (stream.write(text)) return;
  return new Promise((resolve) => stream.once("drain", () => resolve()));
}

/** Which records `export` reads: one job's, or the tenant's library. */
type Scope = { readonly jobId: string } | { readonly library: true };

/**
 * `threadmill export <jobId> --what conversations|chunks|facts [--format jsonl|md]`: what the job
 * produced, on stdout; with `--library` instead of a job id, the tenant's library (the latest version
 * of every conversation across imports, with its chunks and facts). JSON lines of the `Conversation`
 * shape (dates as ISO strings), of `Chunk` or of `Fact`, by id; or Markdown with one section per
 * conversation (one line per fact). Exit 0 whatever the job's state; 2 for an unknown job.
 */
export async function exportCommand(
  jobId: string | undefined,
  flags: { readonly what?: string; readonly format?: string; readonly library?: boolean },
  ctx: CommandContext,
): Promise<number> {
  if ((jobId === undefined) === (flags.library !== true)) {
    throw new CliError("export needs a job id or --library (not both).");
  }
  const scope: Scope = jobId === undefined ? { library: true } : { jobId };
  const what = flags.what;
  if (what !== "conversations" && what !== "chunks" && what !== "facts") {
    throw new CliError(
      `--what must be conversations, chunks or facts; got ${what === undefined ? "nothing" : `"${what}"`}.`,
    );
  }
  const format = flags.format ?? "jsonl";
  if (format !== "jsonl" && format !== "md")
    throw new CliError(`--format must be jsonl or md; got "${format}".`);
  return withStore(ctx, async (store) => {
    if (jobId !== undefined) await requireJob(ctx, store, jobId);
    const { stdout } = ctx.io;
    if (what === "facts") {
      const facts = store.adapter.facts;
      if (!facts) throw new CliError("this store keeps no facts.");
      for await (const fact of pages(facts, ctx.tenant, scope)) {
        await write(stdout, format === "jsonl" ? `${JSON.stringify(fact)}\n` : formatFactMarkdown(fact));
      }
      return EXIT_CODES.ok;
    }
    const sink = what === "conversations" ? store.adapter.conversations : store.adapter.chunks;
    if (format === "md" && what === "chunks") {
      // Markdown groups chunks by conversation, so it gathers them first (JSON lines stream instead).
      const byConversation = new Map<string, Chunk[]>();
      for await (const chunk of pages(sink as typeof store.adapter.chunks, ctx.tenant, scope)) {
        let list = byConversation.get(chunk.conversationId);
        if (!list) {
          list = [];
          byConversation.set(chunk.conversationId, list);
        }
        list.push(chunk);
      }
      const ids = [...byConversation.keys()].sort();
      for (let i = 0; i < ids.length; i += PAGE) {
        const slice = ids.slice(i, i + PAGE);
        const found = new Map(
          (await store.adapter.conversations.get(ctx.tenant, slice)).map((c) => [c.id, c] as const),
        );
        for (const id of slice) {
          await write(stdout, formatChunksMarkdown(found.get(id) ?? null, id, byConversation.get(id)!));
        }
      }
      return EXIT_CODES.ok;
    }
    for await (const record of pages(sink as typeof store.adapter.conversations, ctx.tenant, scope)) {
      const text =
        format === "jsonl"
          ? `${JSON.stringify(record)}\n`
          : formatConversationMarkdown(record as StoredConversation);
      await write(stdout, text);
    }
    return EXIT_CODES.ok;
  });
}

async function* pages<T extends { readonly id: string }>(
  sink: { list(tenant: string, options: Scope & { after?: string; limit: number }): Promise<T[]> },
  tenant: string,
  scope: Scope,
): AsyncGenerator<T> {
  let after: string | undefined;
  for (;;) {
    const page = await sink.list(tenant, {
      ...scope,
      limit: PAGE,
      ...(after === undefined ? {} : { after }),
    });
    yield* page;
    if (page.length < PAGE) return;
    after = page[page.length - 1]!.id;
  }
}
