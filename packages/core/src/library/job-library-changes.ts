import type { StoredConversation } from "../ports/conversation-store.js";
import type { LibraryStore } from "../ports/library-store.js";

/** What an import job changed in the tenant's library, as the facts stage needs it. */
export interface JobLibraryChanges {
  /** Conversations the job wrote (new or changed): the only ones to extract facts from. */
  readonly written: ReadonlySet<string>;
  /** Changed conversations, each with the message ids its new version has. */
  readonly changed: ReadonlyMap<string, ReadonlySet<string>>;
  /** Conversations the job deleted from the library. */
  readonly deleted: ReadonlySet<string>;
}

/** The message ids of a conversation, branches included. */
export function messageIdsOf(conversation: StoredConversation): Set<string> {
  const ids = new Set(conversation.messages.map((m) => m.id));
  for (const b of conversation.branches ?? []) for (const m of b.messages) ids.add(m.id);
  return ids;
}

/**
 * Reads the versions the job wrote (`withMessages`: and the changed conversations' message ids, from
 * the conversation store).
 */
export async function jobLibraryChanges(
  library: LibraryStore,
  tenant: string,
  jobId: string,
  conversations?: { readonly get: (tenant: string, ids: readonly string[]) => Promise<StoredConversation[]> },
): Promise<JobLibraryChanges> {
  const written = new Set<string>();
  const changedIds: string[] = [];
  const deleted = new Set<string>();
  for (let after: string | undefined; ; ) {
    const page = await library.list(tenant, {
      jobId,
      limit: 1000,
      ...(after === undefined ? {} : { after }),
    });
    for (const v of page) {
      if (v.jobId !== jobId) continue;
      if (v.change === "deleted") deleted.add(v.conversationId);
      else written.add(v.conversationId);
      if (v.change === "changed") changedIds.push(v.conversationId);
    }
    if (page.length < 1000) break;
    after = page[page.length - 1]!.id;
  }
  const changed = new Map<string, ReadonlySet<string>>();
  if (conversations) {
    for (let i = 0; i < changedIds.length; i += 200) {
      for (const c of await conversations.get(tenant, changedIds.slice(i, i + 200))) {
        changed.set(c.id, messageIdsOf(c));
      }
    }
  }
  return { written, changed, deleted };
}
