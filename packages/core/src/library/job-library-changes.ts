import type { LibraryStore } from "../ports/library-store.js";

/** What an import job changed in the tenant's library, as the facts stage needs it. */
export interface JobLibraryChanges {
  /** Conversations the job wrote (new or changed): the only ones to extract facts from. */
  readonly written: ReadonlySet<string>;
  /** Conversations it replaced with a changed version. */
  readonly changed: ReadonlySet<string>;
  /** Conversations it deleted from the library (`missing: "delete"`). */
  readonly deleted: ReadonlySet<string>;
}

/** Reads the versions the job wrote. */
export async function jobLibraryChanges(
  library: LibraryStore,
  tenant: string,
  jobId: string,
): Promise<JobLibraryChanges> {
  const written = new Set<string>();
  const changed = new Set<string>();
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
      if (v.change === "changed") changed.add(v.conversationId);
    }
    if (page.length < 1000) break;
    after = page[page.length - 1]!.id;
  }
  return { written, changed, deleted };
}
