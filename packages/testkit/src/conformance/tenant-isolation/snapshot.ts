import type { Adapter } from "@threadmill/core";

/** Everything the victim tenant has, read through every port. */
export async function snapshot(adapter: Adapter, tenant: string, jobIds: readonly string[]) {
  return {
    jobs: await adapter.jobs.list(tenant, { limit: 1000 }),
    perJob: await Promise.all(
      jobIds.map(async (id) => ({
        job: await adapter.jobs.get(tenant, id),
        checkpoint: await adapter.checkpoints.load(tenant, id),
        events: await adapter.events.read(tenant, id, null, { limit: 1000 }),
        conversations: await adapter.conversations.list(tenant, { jobId: id }),
        chunks: await adapter.chunks.list(tenant, { jobId: id }),
        facts: adapter.facts ? await adapter.facts.list(tenant, { jobId: id }) : null,
        library: adapter.library ? await adapter.library.list(tenant, { jobId: id }) : null,
      })),
    ),
    inLibrary: {
      conversations: await adapter.conversations.list(tenant, { library: true }),
      chunks: await adapter.chunks.list(tenant, { library: true }),
      facts: adapter.facts ? await adapter.facts.list(tenant, { library: true }) : null,
      library: adapter.library ? await adapter.library.list(tenant, { library: true }) : null,
    },
    conversations: await adapter.conversations.list(tenant),
    chunks: await adapter.chunks.list(tenant),
    facts: adapter.facts ? await adapter.facts.list(tenant) : null,
  };
}
