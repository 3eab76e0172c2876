import fc from "fast-check";

/** Ids that no store may choke on: any unicode but NUL (which Postgres text cannot hold). */
const anyId = fc
  .string({ unit: "grapheme", minLength: 1, maxLength: 24 })
  .filter((s) => !s.includes("\u0000"));

/**
 * (tenant, job id) pairs that never name one of the victim's own jobs: fuzzed ids, glob and SQL
 * metacharacters, hash-tag braces, near misses of the victim's name, and its job ids under other tenants.
 */
export function foreignPairs(victim: string, runningJobId: string, victimIds: readonly string[]) {
  const tenantArb = fc.oneof(
    anyId,
    fc.constantFrom(
      `${victim}-`,
      victim.slice(0, -1),
      victim.toUpperCase(),
      ` ${victim}`,
      `{${victim}}`,
      "*",
      "%",
      "_",
      "?",
      "[a-z]*",
      "' OR '1'='1",
      victim,
    ),
  );
  const jobArb = fc.oneof(
    anyId,
    fc.constantFrom(...victimIds, "%", "*", `${runningJobId}%`, runningJobId.toUpperCase()),
  );
  return fc
    .tuple(tenantArb, jobArb)
    .filter(([tenant, jobId]) => !(tenant === victim && victimIds.includes(jobId)));
}
