import { factsMigrationSql } from "./migration-facts.js";
import { jobPurgesMigrationSql } from "./migration-job-purges.js";
import { claimIndexesMigrationSql } from "./migration-claim-indexes.js";
import { jobsFinishedMigrationSql } from "./migration-jobs-finished.js";
import { libraryMigrationSql } from "./migration-library.js";
import { rateLimitMigrationSql } from "./migration-rate-limits.js";
import { claimSetSql, completeAndClaimFunctionSql } from "./queue-functions-sql.js";
import { spendMigrationSql } from "./migration-spend-ledger.js";

/** One versioned step of the schema. `sql` receives the quoted schema name and returns DDL. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: (schema: string) => string;
}

const TENANT_OF_REQUEST = `nullif(current_setting('request.jwt.claims', true), '')::json ->> 'sub'`;

/**
 * The schema, in order. Applied by `migrate()` under `pg_advisory_xact_lock`; never edit a shipped
 * step, add a new one. The same SQL runs on Postgres 14+, Supabase and PGlite.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "tables",
    sql: (s) => `
create table if not exists ${s}.jobs (
  id text collate "C" primary key,
  tenant text not null,
  pipeline text not null,
  input jsonb not null,
  options jsonb not null default '{}'::jsonb,
  idempotency_key text,
  singleton_key text,
  priority double precision not null default 0,
  max_attempts integer not null default 5,
  status text not null check (status in ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
  attempts integer not null default 0,
  epoch integer not null default 0,
  run_at timestamptz not null default now(),
  worker_id text,
  lease_expires_at timestamptz,
  cancel_requested boolean not null default false,
  stage text,
  progress jsonb,
  counts jsonb not null default '{}'::jsonb,
  result jsonb,
  error jsonb,
  event_seq bigint not null default 0,
  event_floor bigint not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  finished_at timestamptz
);
create unique index if not exists jobs_idempotency on ${s}.jobs (tenant, idempotency_key)
  where idempotency_key is not null;
create unique index if not exists jobs_singleton on ${s}.jobs (tenant, singleton_key)
  where singleton_key is not null and status in ('queued', 'running');
create index if not exists jobs_claim on ${s}.jobs (priority desc, run_at, id)
  where status in ('queued', 'running');
create index if not exists jobs_tenant on ${s}.jobs (tenant, id desc);

create table if not exists ${s}.events (
  job_id text not null references ${s}.jobs (id) on delete cascade,
  seq bigint not null,
  tenant text not null,
  type text not null,
  body jsonb not null,
  at timestamptz not null default now(),
  primary key (job_id, seq)
);

create table if not exists ${s}.checkpoints (
  job_id text primary key references ${s}.jobs (id) on delete cascade,
  tenant text not null,
  stage text not null,
  cursors jsonb not null,
  completed jsonb not null,
  counts jsonb not null,
  epoch integer not null,
  updated_at timestamptz not null default now()
);

create table if not exists ${s}.conversations (
  tenant text not null,
  id text collate "C" not null,
  body jsonb not null,
  date_paths jsonb,
  written_at timestamptz not null default now(),
  primary key (tenant, id)
);
create table if not exists ${s}.conversation_jobs (
  tenant text not null,
  job_id text not null,
  conversation_id text not null,
  primary key (tenant, job_id, conversation_id)
);
create index if not exists conversation_jobs_record on ${s}.conversation_jobs (tenant, conversation_id);

create table if not exists ${s}.chunks (
  tenant text not null,
  id text collate "C" not null,
  conversation_id text generated always as (body ->> 'conversationId') stored,
  body jsonb not null,
  date_paths jsonb,
  written_at timestamptz not null default now(),
  primary key (tenant, id)
);
create index if not exists chunks_conversation on ${s}.chunks (tenant, conversation_id);
create table if not exists ${s}.chunk_jobs (
  tenant text not null,
  job_id text not null,
  chunk_id text not null,
  primary key (tenant, job_id, chunk_id)
);
create index if not exists chunk_jobs_record on ${s}.chunk_jobs (tenant, chunk_id);

-- Room for LLM-extracted facts (arrives with extraction) and rate-limiter state.
create table if not exists ${s}.facts (
  tenant text not null,
  id text collate "C" not null,
  body jsonb not null,
  date_paths jsonb,
  written_at timestamptz not null default now(),
  primary key (tenant, id)
);
create table if not exists ${s}.fact_jobs (
  tenant text not null,
  job_id text not null,
  fact_id text not null,
  primary key (tenant, job_id, fact_id)
);
create table if not exists ${s}.rate_limits (
  tenant text not null default '',
  key text not null,
  state jsonb not null,
  expires_at timestamptz,
  primary key (tenant, key)
);
`,
  },
  {
    version: 2,
    name: "roles-and-rls",
    sql: (s) => `
do $roles$
declare r text;
begin
  foreach r in array array['anon', 'authenticated', 'service_role'] loop
    if not exists (select 1 from pg_roles where rolname = r) then
      begin
        if r = 'service_role' then
          execute format('create role %I nologin noinherit bypassrls', r);
        else
          execute format('create role %I nologin noinherit', r);
        end if;
      exception
        -- Roles are cluster-wide: another database's migrator may create it at the same moment.
        when duplicate_object or unique_violation then null;
        when insufficient_privilege then
          raise notice 'threadmill: cannot create role %, skipping (create it or grant CREATEROLE)', r;
      end;
    end if;
  end loop;
end
$roles$;

do $grants$
declare r text;
begin
  foreach r in array array['anon', 'authenticated', 'service_role'] loop
    if exists (select 1 from pg_roles where rolname = r) then
      execute format('grant usage on schema ${s.replace(/'/g, "''")} to %I', r);
    end if;
  end loop;
  -- Users read their own rows through the policies below (anon has no sub, so it reads nothing).
  foreach r in array array['anon', 'authenticated'] loop
    if exists (select 1 from pg_roles where rolname = r) then
      execute format('grant select on all tables in schema ${s.replace(/'/g, "''")} to %I', r);
    end if;
  end loop;
  if exists (select 1 from pg_roles where rolname = 'service_role') then
    execute 'grant select, insert, update, delete on all tables in schema ${s.replace(/'/g, "''")} to service_role';
  end if;
end
$grants$;

${[
  "jobs",
  "events",
  "checkpoints",
  "conversations",
  "conversation_jobs",
  "chunks",
  "chunk_jobs",
  "facts",
  "fact_jobs",
  "rate_limits",
]
  .map(
    (t) => `alter table ${s}.${t} enable row level security;
drop policy if exists tenant_isolation on ${s}.${t};
create policy tenant_isolation on ${s}.${t} using (tenant = ${TENANT_OF_REQUEST});`,
  )
  .join("\n")}
`,
  },
  {
    version: 3,
    name: "queue-functions",
    // The hot path as PL/pgSQL: a function's statements are planned once per server connection and
    // then reused (an unprepared statement is parsed and planned on every call). No session state is
    // visible to the client, so it stays safe behind a transaction pooler. SECURITY INVOKER: the
    // caller's privileges and row-level security apply; only service_role (and the owner) may call.
    // Ids are compared with an explicit collation: jobs.id is "C" and a PL/pgSQL text variable's
    // collation is implicit too, so without it the comparison could not use the primary keys.
    sql: (s) => {
      // The claim statement (into v_job, from p_worker and p_lease_ms), as in every claim: due
      // queued jobs and expired leases, highest priority, then earliest run_at, then id.
      const claimInto = (filter: string) => `${claimSetSql(s)}
    where id = (
      select id from ${s}.jobs
      where status in ('queued', 'running')
        and ((status = 'queued' and run_at <= now()) or (status = 'running' and lease_expires_at <= now()))${filter}
      order by priority desc, run_at, id
      limit 1
      for update skip locked
    )
    returning * into v_job;`;
      return `
create or replace function ${s}.claim(p_worker text, p_lease_ms double precision,
  p_tenant text default null, p_job_id text default null)
returns setof ${s}.jobs
language plpgsql volatile security invoker
set search_path = pg_catalog, pg_temp
as $fn$
declare
  v_job ${s}.jobs;
begin
  if p_job_id is null then
    ${claimInto("")}
  else
    ${claimInto('\n        and tenant = p_tenant and id = p_job_id collate "C"')}
  end if;
  if found then
    return next v_job;
  end if;
end
$fn$;

${completeAndClaimFunctionSql(
  s,
  claimInto(""),
  `delete from ${s}.events where job_id = v_job.id collate "default" and seq <= v_job.event_floor;`,
)}

revoke all on function ${s}.claim(text, double precision, text, text) from public;
revoke all on function ${s}.complete_and_claim(text, text, integer, text, jsonb, bigint, text, double precision)
  from public;
do $grants$
begin
  if exists (select 1 from pg_roles where rolname = 'service_role') then
    grant execute on function ${s}.claim(text, double precision, text, text) to service_role;
    grant execute on function ${s}.complete_and_claim(text, text, integer, text, jsonb, bigint, text,
      double precision) to service_role;
  end if;
end
$grants$;
`;
    },
  },
  { version: 4, name: "rate-limits", sql: rateLimitMigrationSql },
  { version: 5, name: "spend-ledger", sql: spendMigrationSql },
  { version: 6, name: "facts", sql: factsMigrationSql },
  { version: 7, name: "library", sql: libraryMigrationSql },
  { version: 8, name: "jobs-finished", sql: jobsFinishedMigrationSql },
  { version: 9, name: "job-purges", sql: jobPurgesMigrationSql },
  { version: 10, name: "claim-indexes", sql: claimIndexesMigrationSql },
];
