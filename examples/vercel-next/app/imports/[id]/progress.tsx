"use client";

import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";

interface ProgressEvent {
  readonly id: string;
  readonly type: string;
  readonly status?: string;
  readonly stage?: string;
  readonly done?: number;
  readonly total?: number | null;
  readonly unit?: string;
  readonly message?: string;
  readonly at: number;
}

interface View {
  state: string;
  stage: string | null;
  done: number;
  total: number | null;
  unit: string | null;
  message: string | null;
  terminal: boolean;
  /** Recent (time, done) points of this stage, for the ETA. */
  samples: [number, number][];
}

const TERMINAL = new Set(["succeeded", "failed", "cancelled"]);
const WORDS: Record<string, string> = {
  queued: "Queued",
  started: "Importing",
  stage: "Importing",
  progress: "Importing",
  yielded: "Paused between slices; continuing",
  retrying: "Retrying after an error",
  succeeded: "Done",
  failed: "Failed",
  cancelled: "Cancelled",
};

function apply(view: View, event: ProgressEvent): View {
  const next: View = { ...view, state: WORDS[event.type] ?? view.state, terminal: TERMINAL.has(event.type) };
  if (event.type === "stage" && event.stage !== view.stage) {
    Object.assign(next, { stage: event.stage ?? null, done: 0, total: null, samples: [] });
  }
  if (event.type === "progress") {
    next.done = event.done ?? view.done;
    next.total = event.total ?? null;
    next.unit = event.unit ?? view.unit;
    next.samples = [...view.samples, [event.at, next.done] as [number, number]].slice(-20);
  }
  if (event.type === "reset") next.state = event.status ? (WORDS[event.status] ?? next.state) : next.state;
  if (event.message && (event.type === "failed" || event.type === "retrying")) next.message = event.message;
  return next;
}

function eta(view: View): string | null {
  if (view.total === null || view.samples.length < 2 || view.terminal) return null;
  const [t0, d0] = view.samples[0]!;
  const [t1, d1] = view.samples[view.samples.length - 1]!;
  if (d1 <= d0 || t1 <= t0) return null;
  const seconds = ((view.total - d1) * (t1 - t0)) / (d1 - d0) / 1000;
  return seconds < 60 ? `${Math.ceil(seconds)} s left` : `${Math.ceil(seconds / 60)} min left`;
}

interface JobView {
  readonly status: string;
  readonly counts: Readonly<Record<string, number>>;
  readonly options: { readonly facts?: { readonly budgetUsd?: number } | boolean };
  readonly error: { readonly code: string; readonly message: string } | null;
}

const dollars = (micro: number) => `$${(micro / 1e6).toFixed(4)}`;

/** What the import has written so far, from the job record's counts. */
function Written({ job }: { job: JobView }) {
  const { conversations, chunks } = job.counts;
  if (conversations === undefined && chunks === undefined) return null;
  return (
    <p data-testid="written">
      {(conversations ?? 0).toLocaleString()} conversations, {(chunks ?? 0).toLocaleString()} chunks
    </p>
  );
}

/** Requests and dollars spent so far, from the job record (its counts), against the budget. */
function Spend({ job }: { job: JobView }) {
  const facts = job.options.facts;
  if (!facts) return null;
  const budget = typeof facts === "object" ? facts.budgetUsd : undefined;
  return (
    <p data-testid="spend">
      Facts: {(job.counts.factRequests ?? 0).toLocaleString()} requests,{" "}
      <strong data-testid="spent">{dollars(job.counts.factCostMicroUsd ?? 0)}</strong> spent
      {budget ? ` of a $${budget} budget` : ""}
    </p>
  );
}

function amount(value: number, unit: string | null): string {
  if (unit === "bytes") return `${(value / 1024 / 1024).toFixed(1)} MB`;
  return `${value.toLocaleString()}${unit ? ` ${unit}` : ""}`;
}

/**
 * The import's live progress from its SSE stream. The browser's EventSource reconnects by itself
 * after a network drop and sends Last-Event-ID, so the stream resumes where it was; a reload or a
 * second tab replays the events from the start and lands on the same state.
 */
export function Progress({ jobId }: { jobId: string }) {
  const router = useRouter();
  const [view, setView] = useState<View>({
    state: "Connecting",
    stage: null,
    done: 0,
    total: null,
    unit: null,
    message: null,
    terminal: false,
    samples: [],
  });
  const refreshed = useRef(false);
  const [job, setJob] = useState<JobView | null>(null);

  useEffect(() => {
    const source = new EventSource(`/api/imports/${jobId}/events`);
    const onEvent = (message: MessageEvent<string>) => {
      const event = JSON.parse(message.data) as ProgressEvent;
      setView((current) => apply(current, event));
      if (TERMINAL.has(event.type)) {
        source.close();
        if (!refreshed.current) {
          refreshed.current = true;
          router.refresh(); // the server renders the result
        }
      }
    };
    for (const type of [...Object.keys(WORDS), "reset"]) source.addEventListener(type, onEvent);
    return () => source.close();
  }, [jobId, router]);

  // The spend is in the job's counts, not in the events: read it while the job runs, and once at the end.
  useEffect(() => {
    let stopped = false;
    const read = async () => {
      const response = await fetch(`/api/imports/${jobId}`).catch(() => null);
      if (response?.ok && !stopped) setJob((await response.json()) as JobView);
    };
    void read();
    if (view.terminal) return;
    const timer = setInterval(() => void read(), 1000);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [jobId, view.terminal]);

  const percent = view.total ? Math.min(100, (100 * view.done) / view.total) : view.terminal ? 100 : 0;
  return (
    <section data-testid="progress">
      <p className="state" data-testid="state">
        {view.state}
        {view.stage ? ` (${view.stage})` : ""}
      </p>
      <div className="bar" role="progressbar" aria-valuenow={Math.round(percent)} data-testid="bar">
        <div style={{ width: `${percent}%` }} />
      </div>
      <p data-testid="amount">
        {amount(view.done, view.unit)}
        {view.total ? ` of ${amount(view.total, view.unit)}` : ""}
        {eta(view) ? ` · ${eta(view)}` : ""}
      </p>
      {job && <Written job={job} />}
      {job && <Spend job={job} />}
      {job?.error?.code === "BUDGET_EXCEEDED" && (
        <p className="error" data-testid="budget-reached">
          The budget is reached: facts cover {view.done.toLocaleString()} of{" "}
          {(view.total ?? 0).toLocaleString()} conversations. Everything imported is kept; raise the budget
          and retry to go on.
        </p>
      )}
      {view.message && <p className="error">{view.message}</p>}
      {!view.terminal && (
        <button type="button" onClick={() => void fetch(`/api/imports/${jobId}`, { method: "DELETE" })}>
          Cancel
        </button>
      )}
    </section>
  );
}
