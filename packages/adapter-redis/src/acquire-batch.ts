import type { RateLimitAcquireRequest, RateLimitCharge, RateLimitDecision } from "@threadmill/core";

/** A rate group's hash of TATs (one field per dimension); a dimension with no group is its own. */
export const tatKey = (base: string, charge: { key: string; group?: string }): string =>
  `${base}t:${charge.group ?? charge.key}`;
export const holdsKey = (base: string, key: string): string => `${base}h:${key}`;

/** A charge's spec as acquire-n.lua reads it, with its JSON after the key index written once. */
interface Spec {
  readonly kind: 0 | 1;
  readonly redisKey: string;
  readonly a: number;
  readonly b: number;
  /** `,<field>,<a>,<b>`: a double's text is the costly part of a batch's JSON, and a spec repeats. */
  readonly tail: string;
}

/** Specs kept across batches; cleared when full (a key per tenant can make many). */
const MAX_CACHED_SPECS = 10_000;

function specOf(base: string, charge: RateLimitCharge): Spec {
  if (charge.kind === "rate") {
    const { emissionMs: a, toleranceMs: b } = charge;
    const tail = `,${JSON.stringify(charge.key)},${JSON.stringify(a)},${JSON.stringify(b)}`;
    return { kind: 1, redisKey: tatKey(base, charge), a, b, tail };
  }
  const { limit: a, holdMs: b } = charge;
  return {
    kind: 0,
    redisKey: holdsKey(base, charge.key),
    a,
    b,
    tail: `,0,${JSON.stringify(a)},${JSON.stringify(b)}`,
  };
}

/**
 * Encodes batches of acquires for acquire-n.lua and decodes its replies. A batch's KEYS hold each
 * distinct key once; its one ARGV is JSON (Redis decodes it in C: one argument per number cost the
 * client and the server more than the check itself) of each distinct spec once, each distinct charge
 * list once (calls of one call site share theirs), and per call its hold id and charge list.
 */
export function createAcquireEncoder(): {
  encode(base: string, batch: readonly RateLimitAcquireRequest[]): { keys: string[]; args: string[] };
  decode(reply: readonly number[], batch: readonly RateLimitAcquireRequest[]): RateLimitDecision[];
} {
  const cache = new Map<string, Spec>();
  const cached = (base: string, charge: RateLimitCharge): Spec => {
    const rate = charge.kind === "rate";
    const id = `${base}\n${rate ? `r${charge.group ?? ""}` : "c"}\n${charge.key}`;
    const a = rate ? charge.emissionMs : charge.limit;
    const b = rate ? charge.toleranceMs : charge.holdMs;
    let spec = cache.get(id);
    if (spec?.a === a && spec.b === b) return spec;
    spec = specOf(base, charge);
    if (cache.size >= MAX_CACHED_SPECS) cache.clear();
    cache.set(id, spec);
    return spec;
  };

  return {
    encode(base, batch) {
      const keys: string[] = [];
      const keyIndex = new Map<string, number>();
      const specs: string[] = [];
      const specIndex = new Map<Spec, number>();
      const templates: string[] = [];
      const templateIndex = new Map<string, number>();
      const calls: string[] = [];
      for (const request of batch) {
        let template = "";
        for (const charge of request.charges) {
          const spec = cached(base, charge);
          let s = specIndex.get(spec);
          if (s === undefined) {
            let k = keyIndex.get(spec.redisKey);
            if (k === undefined) {
              k = keys.push(spec.redisKey);
              keyIndex.set(spec.redisKey, k);
            }
            s = specs.push(`${spec.kind},${k}${spec.tail}`);
            specIndex.set(spec, s);
          }
          template += `${template ? "," : ""}${s},${charge.kind === "rate" ? charge.cost : 0}`;
        }
        let t = templateIndex.get(template);
        if (t === undefined) {
          t = templates.push(`[${template}]`);
          templateIndex.set(template, t);
        }
        calls.push(`${JSON.stringify(request.holdId)},${t}`);
      }
      return { keys, args: [`[[${specs.join(",")}],[${templates.join(",")}],[${calls.join(",")}]]`] };
    },

    // acquire-n.lua's flat reply, per call: allowed, retryAfterMs, remaining per charge, then how
    // many refused and their indexes.
    decode(reply, batch) {
      let at = 0;
      return batch.map((request) => {
        const n = request.charges.length;
        const allowed = reply[at] === 1;
        const retryAfterMs = reply[at + 1]!;
        const remaining = reply.slice(at + 2, at + 2 + n);
        const deniedCount = reply[at + 2 + n]!;
        const denied = reply.slice(at + 3 + n, at + 3 + n + deniedCount);
        at += 3 + n + deniedCount;
        return { allowed, retryAfterMs, remaining, denied };
      });
    },
  };
}
