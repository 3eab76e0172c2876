import { FACT_UNSUPPORTED, type Fact } from "../facts/fact.js";
import type { JobLibraryChanges } from "../library/job-library-changes.js";

/**
 * Before a re-import extracts its changed conversations: every source a fact has in a changed or
 * deleted conversation is dropped (the new version's extraction adds back those it still supports),
 * and a fact left with none is marked `FACT_UNSUPPORTED`, kept with the sources it had, never
 * deleted. Returns the facts that changed.
 */
export function retireUnsupportedFacts(facts: readonly Fact[], changes: JobLibraryChanges): Fact[] {
  const stale = (conversationId: string) =>
    changes.changed.has(conversationId) || changes.deleted.has(conversationId);
  const out: Fact[] = [];
  for (const fact of facts) {
    if (!fact.sources.some((s) => stale(s.conversationId))) continue;
    const kept = fact.sources.filter((s) => !stale(s.conversationId));
    if (kept.length > 0) out.push({ ...fact, sources: kept });
    else if (fact.supersededBy !== FACT_UNSUPPORTED) out.push({ ...fact, supersededBy: FACT_UNSUPPORTED });
  }
  return out;
}
