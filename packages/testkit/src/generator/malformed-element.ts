import type { Prng } from "./create-prng.js";

/** A broken conversation element (invalid JSON, not an object, or no `mapping`/messages). */
export function malformedElement(rng: Prng, n: number, claude: boolean): string {
  const kind = rng.int(0, 2);
  if (kind === 0) return `{"id":"broken-${n}","title":"broken","mapping":{"a":{"message":nul}},"x":[1,2]}`;
  if (kind === 1) return `"just a string ${n}"`;
  return claude ? `{"uuid":"broken-${n}","name":"no messages"}` : `{"id":"broken-${n}","title":"no mapping"}`;
}
