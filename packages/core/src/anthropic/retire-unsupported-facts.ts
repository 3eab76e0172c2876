import { FACT_UNSUPPORTED, type Fact, type FactSource } from "../facts/fact.js";
import type { JobLibraryChanges } from "../library/job-library-changes.js";

/**
 * After a re-import: the sources of facts that point into a changed conversation's messages its new
 * version no longer has, or into a deleted conversation, are dropped; a fact left with none is marked
 * `FACT_UNSUPPORTED` (kept with the sources it had, never deleted). An unsupported fact said again in
 * a conversation the job wrote stands again. Returns the facts that changed.
 */
export function retireUnsupportedFacts(facts: readonly Fact[], changes: JobLibraryChanges): Fact[] {
  const valid = (s: FactSource) => {
    if (changes.deleted.has(s.conversationId)) return false;
    const ids = changes.changed.get(s.conversationId);
    return ids === undefined || ids.has(s.messageId);
  };
  const out: Fact[] = [];
  for (const fact of facts) {
    const touched = fact.sources.some(
      (s) => changes.deleted.has(s.conversationId) || changes.changed.has(s.conversationId),
    );
    if (!touched) continue;
    const kept = fact.sources.filter(valid);
    if (kept.length === 0) {
      if (fact.supersededBy !== FACT_UNSUPPORTED) out.push({ ...fact, supersededBy: FACT_UNSUPPORTED });
      continue;
    }
    const revived = fact.supersededBy === FACT_UNSUPPORTED ? { supersededBy: null } : {};
    if (kept.length !== fact.sources.length || "supersededBy" in revived) {
      out.push({ ...fact, sources: kept, ...revived });
    }
  }
  return out;
}
