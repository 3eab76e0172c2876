import { FACT_UNSUPPORTED, type Fact, type FactSource } from "../facts/fact.js";
import { factId, normaliseFactPart } from "../facts/fact-id.js";
import type { ExtractedFact } from "./fact-prompt.js";
import { SINGLE_VALUED_PREDICATES } from "./fact-prompt.js";
import type { PackedConversation } from "./render-packed.js";

/** What became of a request's answer: its facts, and how many the model gave that named no message it was sent. */
export interface RequestFacts {
  readonly facts: Fact[];
  readonly unsourced: number;
}

const sourceKey = (s: FactSource) => `${s.conversationId}\u0000${s.messageId}`;

function sortSources(sources: Iterable<FactSource>): FactSource[] {
  const unique = new Map<string, FactSource>();
  for (const s of sources)
    unique.set(sourceKey(s), { conversationId: s.conversationId, messageId: s.messageId });
  return [...unique.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, s]) => s);
}

/**
 * Turns one answer into facts: sources must name messages the request sent (others are dropped, a
 * fact left with none is counted in `unsourced`), the same fact said twice is one, and each fact's
 * firstSeen/lastSeen are its sources' times (a message's, else its conversation's, else `fallbackAt`).
 */
export function factsOfAnswer(
  answer: readonly ExtractedFact[],
  sent: readonly PackedConversation[],
  fallbackAt: Date,
): RequestFacts {
  const times = new Map<string, Date>();
  for (const c of sent) {
    for (const m of c.messages) {
      times.set(
        sourceKey({ conversationId: c.id, messageId: m.id }),
        m.at ?? c.createdAt ?? c.updatedAt ?? fallbackAt,
      );
    }
  }
  const byId = new Map<string, Fact>();
  let unsourced = 0;
  for (const e of answer) {
    const sources = e.sources.filter((s) => times.has(sourceKey(s)));
    if (sources.length === 0) {
      unsourced++;
      continue;
    }
    const at = sources.map((s) => times.get(sourceKey(s))!.getTime());
    const fact: Fact = {
      id: factId(e.subject, e.predicate, e.object),
      subject: e.subject.trim(),
      predicate: normaliseFactPart(e.predicate).replace(/ /g, "_"),
      object: e.object.trim(),
      confidence: e.confidence,
      sources: sortSources(sources),
      firstSeen: new Date(Math.min(...at)),
      lastSeen: new Date(Math.max(...at)),
      supersededBy: null,
    };
    const before = byId.get(fact.id);
    byId.set(fact.id, before ? mergeFact(before, fact) : fact);
  }
  return { facts: [...byId.values()], unsourced };
}

/**
 * One fact from two sightings of it (same id): every source once, the widest firstSeen/lastSeen, the
 * higher confidence; `supersededBy` is the stored one's (`a`), which only supersession changes. An
 * unsupported fact said again stands again, on the new sighting alone (its old sources were stale).
 */
export function mergeFact(a: Fact, b: Fact): Fact {
  if (a.supersededBy === FACT_UNSUPPORTED) return { ...b, id: a.id };
  return {
    ...a,
    confidence: Math.max(a.confidence, b.confidence),
    sources: sortSources([...a.sources, ...b.sources]),
    firstSeen: new Date(Math.min(a.firstSeen.getTime(), b.firstSeen.getTime())),
    lastSeen: new Date(Math.max(a.lastSeen.getTime(), b.lastSeen.getTime())),
  };
}

/** Whether a newer value of this predicate replaces the older one. */
export function isSingleValued(predicate: string, extra: readonly string[] = []): boolean {
  return SINGLE_VALUED_PREDICATES.includes(predicate) || extra.includes(predicate);
}

/**
 * For each subject and single-valued predicate, the fact seen last stands and the others are marked
 * superseded by it (kept, never deleted). Returns the facts whose `supersededBy` changed.
 */
export function supersede(facts: readonly Fact[], singleValued: readonly string[] = []): Fact[] {
  const groups = new Map<string, Fact[]>();
  for (const f of facts) {
    if (!isSingleValued(f.predicate, singleValued)) continue;
    const key = `${normaliseFactPart(f.subject)}\u0000${f.predicate}`;
    const group = groups.get(key);
    if (group) group.push(f);
    else groups.set(key, [f]);
  }
  const changed: Fact[] = [];
  for (const group of groups.values()) {
    const newest = group.reduce((best, f) =>
      f.lastSeen > best.lastSeen ||
      (f.lastSeen.getTime() === best.lastSeen.getTime() &&
        (f.confidence > best.confidence || (f.confidence === best.confidence && f.id > best.id)))
        ? f
        : best,
    );
    for (const f of group) {
      const by = f === newest ? null : newest.id;
      if (f.supersededBy !== by) changed.push({ ...f, supersededBy: by });
    }
  }
  return changed;
}
