import { z } from "zod";

/** Where a fact was said: one message of one conversation. */
export const factSourceSchema = z.strictObject({
  conversationId: z.string().min(1),
  messageId: z.string().min(1),
});

/** Where a fact was said: one message of one conversation. */
export type FactSource = z.infer<typeof factSourceSchema>;

/**
 * A fact the person's own words hold about them, merged across every place it was said. Stored per
 * tenant (the store keys it by `(tenant, id)`, as chunks), so the record itself carries no tenant.
 */
export const factSchema = z.strictObject({
  /** Content hash of the normalised subject, predicate and object: the same fact said twice is one id. */
  id: z.string().min(1),
  /** `"user"` for the person whose history it is; otherwise who or what the fact is about. */
  subject: z.string().min(1),
  /** snake_case, such as `lives_in`, `works_at`, `has_child`, `prefers`. */
  predicate: z.string().min(1),
  object: z.string().min(1),
  /** The highest confidence any source gave it, from 0 to 1. */
  confidence: z.number().min(0).max(1),
  /** Every message it came from, each once, sorted by conversation id then message id. */
  sources: z.array(factSourceSchema).min(1),
  /** The earliest and latest time a source was said (the messages' times; else their conversation's). */
  firstSeen: z.date(),
  lastSeen: z.date(),
  /**
   * The id of the newer fact that replaced it (for a predicate that holds one value at a time, such
   * as `lives_in`); `FACT_UNSUPPORTED` once a newer export edited or deleted every message it came
   * from; `null` while it stands. A superseded fact is kept, never deleted.
   */
  supersededBy: z.string().min(1).nullable(),
});

/** A fact the person's own words hold about them; see `factSchema`. */
export type Fact = z.infer<typeof factSchema>;

/** `supersededBy` of a fact whose every source a newer export edited away or deleted. */
export const FACT_UNSUPPORTED = "unsupported";
