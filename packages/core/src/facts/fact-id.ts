import { contentHash } from "../util/hash.js";

/** Lower case, inner whitespace collapsed, ends trimmed: "Lisbon " and "lisbon" are one object. */
export function normaliseFactPart(text: string): string {
  return text.normalize("NFKC").trim().replace(/\s+/g, " ").toLowerCase();
}

/** The id of a fact: a hash of its normalised subject, predicate and object (the same fact said twice is one id). */
export function factId(subject: string, predicate: string, object: string): string {
  return `f_${contentHash(normaliseFactPart(subject), normaliseFactPart(predicate), normaliseFactPart(object))}`;
}
