import type { Adapter } from "@threadmill/core";

const TABLES = [
  "jobs",
  "events",
  "checkpoints",
  "conversations",
  "conversation_jobs",
  "chunks",
  "chunk_jobs",
  "facts",
  "fact_jobs",
  "library_versions",
  "library_version_jobs",
  "rate_limits",
  "job_purges",
];

/**
 * The conformance suite's raw read-back: rows of `tenant` in every table of the adapter's schema,
 * read with plain SQL, not through the ports.
 */
export function countTenantRows(
  schemaOf: WeakMap<Adapter, string>,
  query: (text: string, params: unknown[]) => Promise<{ n: number }[]>,
) {
  return async (adapter: Adapter, tenant: string): Promise<number> => {
    const schema = schemaOf.get(adapter);
    if (!schema) throw new Error("unknown adapter");
    const text = `select (${TABLES.map((t) => `(select count(*) from "${schema}".${t} where tenant = $1)`).join(" + ")})::int as n`;
    return Number((await query(text, [tenant]))[0]?.n ?? 0);
  };
}
