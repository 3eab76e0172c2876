import {
  type EventLog,
  type EventReadOptions,
  type JobRef,
  type Lease,
  type NewProgressEvent,
  type ProgressEvent,
  progressEventSchema,
} from "@threadmill/core";
import { leaseLost, type SqlContext } from "./sql-context.js";
import { bumpEventSeq } from "./sql-event-fragments.js";

const newEventSchema = progressEventSchema.omit({ id: true });

function isLease(target: Lease | JobRef): target is Lease {
  return "epoch" in target && typeof (target as Lease).epoch === "number";
}

/** Parses one of this log's ids (decimal sequence numbers); anything else reads as "before everything". */
function seqOf(id: string | null): number {
  if (id === null) return 0;
  return /^[1-9][0-9]{0,15}$/.test(id) ? Number(id) : -1;
}

interface ReadRow {
  event_floor: string | number;
  status: string;
  stage: string | null;
  progress: string | null;
  attempts: number;
  epoch: number;
  now_ms: number;
  seq: string | number | null;
  body: string | null;
}

/**
 * The EventLog port on SQL. Ids are decimal sequence numbers per job, allocated on the job row in
 * the same statement as the insert (and the epoch check); retention trims in that statement too.
 * Long-polls by polling every `eventPollMs`.
 */
export function createSqlEventLog(ctx: SqlContext): EventLog {
  const { s } = ctx;

  // `job_id = j.id collate "default"` here and below: jobs.id is collated "C" and events.job_id is
  // not, and without the explicit collation the comparison cannot use events' primary key.
  const snapshot = async (tenant: string, jobId: string, afterId: string | null, limit: number) => {
    const after = seqOf(afterId);
    const rows = await ctx.run<ReadRow>(
      "events.read",
      `select j.event_floor, j.status, j.stage, j.progress::text as progress, j.attempts, j.epoch,
         floor(extract(epoch from now()) * 1000)::float8 as now_ms, e.seq, e.body::text as body
       from ${s}.jobs j
       left join lateral (
         select seq, body from ${s}.events
         where job_id = j.id collate "default" and seq > greatest($3::bigint, j.event_floor) order by seq limit $4::int
       ) e on true
       where j.tenant = $1::text and j.id = $2::text
       order by e.seq`,
      [tenant, jobId, after, limit],
    );
    if (rows.length === 0) return { exists: false, events: [] as ProgressEvent[] };
    const first = rows[0]!;
    const floor = Number(first.event_floor);
    const out: ProgressEvent[] = [];
    if (after < floor) {
      const progress =
        first.progress === null ? null : (JSON.parse(first.progress) as Record<string, unknown>);
      out.push({
        id: String(floor),
        type: "reset",
        status: first.status as ProgressEvent["status"],
        ...(first.stage === null ? {} : { stage: first.stage }),
        ...(progress === null
          ? {}
          : {
              done: progress.done as number,
              total: progress.total as number | null,
              ...(progress.unit === null || progress.unit === undefined
                ? {}
                : { unit: progress.unit as string }),
            }),
        attempt: Number(first.attempts),
        epoch: Number(first.epoch),
        at: Number(first.now_ms),
      });
    }
    for (const row of rows) {
      if (row.seq === null || row.body === null) continue;
      out.push({ ...(JSON.parse(row.body) as NewProgressEvent), id: String(row.seq) });
    }
    return { exists: true, events: out.slice(0, limit) };
  };

  return {
    async append(target: Lease | JobRef, event: NewProgressEvent): Promise<string> {
      if (typeof target !== "object" || target === null) {
        throw new TypeError("[threadmill] append needs a lease or { tenant, jobId }");
      }
      const parsed = newEventSchema.safeParse(event);
      if (!parsed.success)
        throw new TypeError(`[threadmill] invalid progress event: ${parsed.error.message}`);
      const fenced = isLease(target);
      const rows = await ctx.run<{ current_epoch: number | null; seq: string | number | null }>(
        "events.append",
        `with cur as (select epoch from ${s}.jobs where id = $2::text and tenant = $1::text),
         u as (
           update ${s}.jobs set ${bumpEventSeq(ctx.eventRetention)}
           where id = $2::text and tenant = $1::text
             ${fenced ? "and epoch = $3::int and status = 'running'" : "and $3::int is not null"}
           returning id, tenant, event_seq, event_floor
         ),
         ev as (
           insert into ${s}.events (job_id, seq, tenant, type, body)
           select u.id, u.event_seq, u.tenant, $4::text, $5::text::jsonb from u
         ),
         del as (delete from ${s}.events e using u where e.job_id = u.id collate "default" and e.seq <= u.event_floor)
         select (select epoch from cur) as current_epoch, (select event_seq from u) as seq`,
        [
          target.tenant,
          target.jobId,
          fenced ? target.epoch : 0,
          parsed.data.type,
          JSON.stringify(parsed.data),
        ],
      );
      const row = rows[0];
      if (!row || row.seq === null) {
        throw leaseLost(String(target.jobId), fenced ? target.epoch : 0, row?.current_epoch ?? null);
      }
      return String(row.seq);
    },

    async read(
      tenant: string,
      jobId: string,
      afterId: string | null,
      options: EventReadOptions = {},
    ): Promise<ProgressEvent[]> {
      const limit = options.limit ?? 100;
      if (!Number.isInteger(limit) || limit < 1) {
        throw new RangeError("[threadmill] read limit must be an integer >= 1");
      }
      const waitMs = options.waitMs ?? 0;
      const deadline = Date.now() + waitMs;
      for (;;) {
        const { exists, events } = await snapshot(tenant, jobId, afterId, limit);
        const remaining = deadline - Date.now();
        if (events.length > 0 || !exists || remaining <= 0 || ctx.closed || options.signal?.aborted) {
          return events;
        }
        await sleep(Math.min(remaining, ctx.eventPollMs), options.signal);
      }
    },
  };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
