import { notFound } from "next/navigation";
import { currentTenant } from "../../../lib/session";
import { appStore } from "../../../lib/store";
import { Progress } from "./progress";

export const dynamic = "force-dynamic";

const SHOWN = 200;

function day(value: Date | string | null): string {
  return value ? new Date(value).toISOString().slice(0, 10) : "";
}

/** An import: its live progress, then what it imported. */
export default async function ImportPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const tenant = await currentTenant();
  if (!tenant) notFound();
  const { adapter } = await appStore();
  const job = await adapter.jobs.get(tenant, id);
  if (!job) notFound();
  const conversations =
    job.status === "succeeded" ? await adapter.conversations.list(tenant, { jobId: id, limit: SHOWN }) : [];
  return (
    <>
      <h1>Import</h1>
      <Progress jobId={id} />
      {job.status === "failed" && job.error && (
        <p className="error" data-testid="failure">
          It stopped: {job.error.message}
        </p>
      )}
      {job.status === "succeeded" && (
        <section data-testid="result">
          <h2>
            {job.counts.conversations ?? conversations.length} conversations, {job.counts.chunks ?? 0} chunks
          </h2>
          <table>
            <thead>
              <tr>
                <th>Title</th>
                <th>Created</th>
                <th>Updated</th>
                <th>Messages</th>
              </tr>
            </thead>
            <tbody>
              {conversations.map((c) => (
                <tr key={c.id}>
                  <td>
                    <a href={`/imports/${id}/conversations/${encodeURIComponent(c.id)}`}>
                      {c.title ?? "(untitled)"}
                    </a>
                  </td>
                  <td>{day(c.createdAt)}</td>
                  <td>{day(c.updatedAt)}</td>
                  <td>{c.messages.length}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {conversations.length === SHOWN && <p>The first {SHOWN} are shown.</p>}
        </section>
      )}
    </>
  );
}
