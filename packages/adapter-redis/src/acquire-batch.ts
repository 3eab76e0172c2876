import type { RateLimitAcquireRequest, RateLimitCharge, RateLimitDecision } from "@threadmill/core";

/** A rate group's hash of TATs (one field per dimension); a dimension with no group is its own. */
export const tatKey = (base: string, charge: { key: string; group?: string }): string =>
  `${base}t:${charge.group ?? charge.key}`;
export const holdsKey = (base: string, key: string): string => `${base}h:${key}`;

/** A charge's spec as acquire-n.lua reads it: where its state lives and its two constants. */
interface Spec {
  readonly rate: boolean;
  readonly redisKey: string;
  /** A rate spec's field in its group's hash. */
  readonly field: string;
  readonly a: number;
  readonly b: number;
}

/** Specs kept across batches; cleared when full (a key per tenant can make many). */
const MAX_CACHED_SPECS = 10_000;

function specOf(base: string, charge: RateLimitCharge): Spec {
  if (charge.kind === "rate") {
    const { emissionMs: a, toleranceMs: b } = charge;
    return { rate: true, redisKey: tatKey(base, charge), field: charge.key, a, b };
  }
  return { rate: false, redisKey: holdsKey(base, charge.key), field: "", a: charge.limit, b: charge.holdMs };
}

/** struct formats by number count: '<' and one 'd' per double. */
const formats: string[] = [];
const formatOf = (n: number): string => {
  formats[n] ??= `<${"d".repeat(n)}`;
  return formats[n];
};

/** Numbers as the little-endian doubles struct.unpack reads. */
function doubles(numbers: readonly number[]): Buffer {
  const blob = Buffer.allocUnsafe(numbers.length * 8);
  for (let i = 0; i < numbers.length; i++) blob.writeDoubleLE(numbers[i]!, i * 8);
  return blob;
}

/** The distinct keys of one batch, with each rate slot (a hash's field) once. */
class BatchLayout {
  readonly hashes = new Map<string, Map<string, number>>();
  readonly holdSets = new Map<string, number>();
  readonly specs: Spec[] = [];
  readonly specIndex = new Map<Spec, number>();

  /** The spec's index (from 1) in this batch, recording its slot or hold set. */
  add(spec: Spec): number {
    let s = this.specIndex.get(spec);
    if (s !== undefined) return s;
    if (spec.rate) {
      let fields = this.hashes.get(spec.redisKey);
      if (!fields) {
        fields = new Map();
        this.hashes.set(spec.redisKey, fields);
      }
      if (!fields.has(spec.field)) fields.set(spec.field, fields.size);
    } else if (!this.holdSets.has(spec.redisKey)) {
      this.holdSets.set(spec.redisKey, this.holdSets.size + 1);
    }
    s = this.specs.push(spec);
    this.specIndex.set(spec, s);
    return s;
  }
}

/**
 * Encodes batches of acquires for acquire-n.lua (and a lone call for acquire-single-n.lua) and
 * decodes their replies. A batch's KEYS hold each distinct key once. Its numbers go as one string
 * of doubles (the script reads them with struct.unpack, far cheaper in Redis's Lua than parsing
 * text): each distinct spec once, each distinct charge list once (calls of one call site share
 * theirs), and per call its charge list. Its names go as ARGV strings: each slot's field once, and
 * per call its hold id.
 */
export function createAcquireEncoder(): {
  encode(
    base: string,
    batch: readonly RateLimitAcquireRequest[],
  ): { keys: string[]; args: (string | Buffer)[] };
  encodeSingle(base: string, request: RateLimitAcquireRequest): { keys: string[]; args: (string | Buffer)[] };
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
      const layout = new BatchLayout();
      const templates: number[][] = [];
      const templateIndex = new Map<string, number>();
      const calls: number[] = [];
      for (const request of batch) {
        const template: number[] = [];
        for (const charge of request.charges) {
          template.push(layout.add(cached(base, charge)), charge.kind === "rate" ? charge.cost : 0);
        }
        const id = template.join(",");
        let t = templateIndex.get(id);
        if (t === undefined) {
          t = templates.push(template);
          templateIndex.set(id, t);
        }
        calls.push(t);
      }

      const keys: string[] = [];
      const fields: string[] = [];
      const hashes: number[] = [];
      const firstSlot = new Map<string, number>();
      for (const [redisKey, hashFields] of layout.hashes) {
        firstSlot.set(redisKey, fields.length + 1);
        hashes.push(keys.push(redisKey), hashFields.size);
        fields.push(...hashFields.keys());
      }
      const numbers = [layout.hashes.size, fields.length, layout.holdSets.size, layout.specs.length];
      numbers.push(templates.length, batch.length, ...hashes);
      for (const redisKey of layout.holdSets.keys()) numbers.push(keys.push(redisKey));
      for (const spec of layout.specs) {
        const ref = spec.rate
          ? firstSlot.get(spec.redisKey)! + layout.hashes.get(spec.redisKey)!.get(spec.field)!
          : -layout.holdSets.get(spec.redisKey)!;
        numbers.push(ref, spec.a, spec.b);
      }
      for (const template of templates) numbers.push(template.length / 2, ...template);
      numbers.push(...calls);

      return {
        keys,
        args: [formatOf(numbers.length), doubles(numbers), ...fields, ...batch.map((r) => r.holdId)],
      };
    },

    // acquire-single-n.lua: the rate charges grouped by hash (in the call's order within each), then
    // the hold charges, each with its index in the call. Straight from the charges, with no cache: a
    // call names a few keys, and at 1 in flight every microsecond here is one the caller waits.
    encodeSingle(base, request) {
      const { charges } = request;
      const groups: string[] = [];
      const groupKeys: string[] = [];
      const members: number[][] = [];
      const holds: number[] = [];
      for (let i = 0; i < charges.length; i++) {
        const charge = charges[i]!;
        if (charge.kind !== "rate") {
          holds.push(i);
          continue;
        }
        const group = charge.group ?? charge.key;
        const h = groups.indexOf(group);
        if (h >= 0) members[h]!.push(i);
        else {
          groups.push(group);
          groupKeys.push(tatKey(base, charge));
          members.push([i]);
        }
      }
      const count = 3 + groups.length + 4 * (charges.length - holds.length) + 3 * holds.length;
      const blob = Buffer.allocUnsafe(count * 8);
      let at = blob.writeDoubleLE(groups.length, 0);
      at = blob.writeDoubleLE(holds.length, at);
      at = blob.writeDoubleLE(charges.length, at);
      const keys: string[] = [];
      const args: (string | Buffer)[] = [formatOf(count), blob, request.holdId];
      for (const [h, key] of groupKeys.entries()) {
        keys.push(key);
        at = blob.writeDoubleLE(members[h]!.length, at);
        for (const i of members[h]!) {
          const charge = charges[i] as Extract<RateLimitCharge, { kind: "rate" }>;
          at = blob.writeDoubleLE(i, at);
          at = blob.writeDoubleLE(charge.emissionMs, at);
          at = blob.writeDoubleLE(charge.toleranceMs, at);
          at = blob.writeDoubleLE(charge.cost, at);
          args.push(charge.key);
        }
      }
      for (const i of holds) {
        const charge = charges[i] as Extract<RateLimitCharge, { kind: "concurrency" }>;
        keys.push(holdsKey(base, charge.key));
        at = blob.writeDoubleLE(i, at);
        at = blob.writeDoubleLE(charge.limit, at);
        at = blob.writeDoubleLE(charge.holdMs, at);
      }
      return { keys, args };
    },

    // The flat reply of acquire-n.lua (and of acquire-single-n.lua, a batch of one), per call:
    // allowed, retryAfterMs, remaining per charge, then how many refused and their indexes.
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
