import { grantsSql } from "./migration-grants.js";

/**
 * Migration 5: the spend ledger's tables and its four operations as PL/pgSQL, ports of core's
 * `spend-algorithm.ts`. Each function takes `pg_advisory_xact_lock` on the (schema, tenant), then
 * reads the server's clock (`clock_timestamp()`, epoch ms as a double, as core's `now`), then charges
 * the tenant's expired reservations at their reserved amount (`chargeExpired`), then does its work:
 * one statement for the client, atomic, safe behind a transaction pooler (the lock ends with the
 * transaction). Amounts are bigint micro-dollars and tokens. Users read their own tenant's rows.
 */
export function spendMigrationSql(s: string): string {
  const lock = `perform pg_advisory_xact_lock(hashtextextended('threadmill:spend:${s.replace(/'/g, "''")}:' || p_tenant, 0));`;
  const begin = `${lock}
  v_now := coalesce(p_now, extract(epoch from clock_timestamp()) * 1000);
  ${chargeExpiredSql(s)}`;
  return `
create table if not exists ${s}.spend_caps (
  tenant text not null,
  -- core's capsKey: 't' for the tenant (per month), 'j:<jobId>' for a job (its whole life).
  scope text not null,
  -- null: no cap on that unit.
  micro_usd bigint,
  tokens bigint,
  primary key (tenant, scope)
);

create table if not exists ${s}.spend_buckets (
  tenant text not null,
  -- 'm:<YYYY-MM>' (the tenant's month, UTC) or 'j:<jobId>'.
  bucket text not null,
  spent_micro_usd bigint not null default 0,
  spent_tokens bigint not null default 0,
  reserved_micro_usd bigint not null default 0,
  reserved_tokens bigint not null default 0,
  primary key (tenant, bucket)
);

create table if not exists ${s}.spend_reservations (
  tenant text not null,
  id text not null,
  job_id text,
  -- The tenant month it counts in, 'YYYY-MM'.
  period text not null,
  micro_usd bigint not null,
  tokens bigint not null,
  -- Epoch ms on the server's clock; at or past it the reservation is charged at its amount.
  expires_at double precision not null,
  primary key (tenant, id)
);
create index if not exists spend_reservations_expiry on ${s}.spend_reservations (tenant, expires_at);

-- core's spendPeriod: the UTC month of an epoch-ms instant, whatever the session's TimeZone. The
-- instant is first truncated to the millisecond, as a JavaScript Date does.
create or replace function ${s}.spend_period(p_now double precision)
returns text
language sql stable security invoker
set search_path = pg_catalog, pg_temp
as $fn$
  select to_char(to_timestamp(floor(p_now) / 1000) at time zone 'UTC', 'YYYY-MM')
$fn$;

-- Replaces the caps of p_scope ('t' or 'j:<jobId>'); null: no cap. Returns {"now": ...}.
create or replace function ${s}.spend_set_caps(p_tenant text, p_scope text, p_micro_usd bigint, p_tokens bigint,
  p_now double precision default null)
returns jsonb
language plpgsql volatile security invoker
set search_path = pg_catalog, pg_temp
set extra_float_digits = 3
as $fn$
declare
  v_now double precision;
begin
  ${begin}
  insert into ${s}.spend_caps (tenant, scope, micro_usd, tokens) values (p_tenant, p_scope, p_micro_usd, p_tokens)
    on conflict (tenant, scope) do update set micro_usd = excluded.micro_usd, tokens = excluded.tokens;
  return jsonb_build_object('now', v_now);
end
$fn$;

-- core's reserveSpend. Returns {"ok": true, "period", "expiresAt", "now"} or
-- {"ok": false, "refusal": {"scope", "unit", "cap", "spent", "reserved"}, "now"}.
create or replace function ${s}.spend_reserve(p_tenant text, p_job_id text, p_id text,
  p_micro_usd bigint, p_tokens bigint, p_ttl_ms double precision, p_now double precision default null)
returns jsonb
language plpgsql volatile security invoker
set search_path = pg_catalog, pg_temp
set extra_float_digits = 3
as $fn$
declare
  v_now double precision;
  v_period text;
  v_caps ${s}.spend_caps;
  v_bucket ${s}.spend_buckets;
  v_expires double precision;
begin
  ${begin}
  v_period := ${s}.spend_period(v_now);
  ${refusalSql(s, "tenant", "'t'", "'m:' || v_period")}
  if p_job_id is not null then
    ${refusalSql(s, "job", "'j:' || p_job_id", "'j:' || p_job_id")}
  end if;
  v_expires := v_now + p_ttl_ms;
  -- As core's Map.set: a reused id replaces the reservation.
  insert into ${s}.spend_reservations (tenant, id, job_id, period, micro_usd, tokens, expires_at)
    values (p_tenant, p_id, p_job_id, v_period, p_micro_usd, p_tokens, v_expires)
    on conflict (tenant, id) do update set job_id = excluded.job_id, period = excluded.period,
      micro_usd = excluded.micro_usd, tokens = excluded.tokens, expires_at = excluded.expires_at;
  insert into ${s}.spend_buckets as b (tenant, bucket, reserved_micro_usd, reserved_tokens)
    select p_tenant, k, p_micro_usd, p_tokens
    from unnest(case when p_job_id is null then array['m:' || v_period]
                     else array['m:' || v_period, 'j:' || p_job_id] end) as k
    on conflict (tenant, bucket) do update set
      reserved_micro_usd = b.reserved_micro_usd + excluded.reserved_micro_usd,
      reserved_tokens = b.reserved_tokens + excluded.reserved_tokens;
  return jsonb_build_object('ok', true, 'period', v_period, 'expiresAt', v_expires, 'now', v_now);
end
$fn$;

-- core's settleSpend. Returns {"settled": boolean, "now"}.
create or replace function ${s}.spend_settle(p_tenant text, p_id text, p_micro_usd bigint, p_tokens bigint,
  p_now double precision default null)
returns jsonb
language plpgsql volatile security invoker
set search_path = pg_catalog, pg_temp
set extra_float_digits = 3
as $fn$
declare
  v_now double precision;
  v_reservation ${s}.spend_reservations;
begin
  ${begin}
  delete from ${s}.spend_reservations where tenant = p_tenant and id = p_id returning * into v_reservation;
  if not found then
    return jsonb_build_object('settled', false, 'now', v_now);
  end if;
  update ${s}.spend_buckets set
    reserved_micro_usd = reserved_micro_usd - v_reservation.micro_usd,
    reserved_tokens = reserved_tokens - v_reservation.tokens,
    spent_micro_usd = spent_micro_usd + p_micro_usd,
    spent_tokens = spent_tokens + p_tokens
  where tenant = p_tenant
    -- 'j:' || null is null and matches nothing: a reservation without a job has only its month.
    and bucket in ('m:' || v_reservation.period, 'j:' || v_reservation.job_id);
  return jsonb_build_object('settled', true, 'now', v_now);
end
$fn$;

-- core's readSpend: the tenant's current month (p_job_id null) or the job's whole life. Returns
-- core's SpendTotals as JSON, plus "now".
create or replace function ${s}.spend_read(p_tenant text, p_job_id text, p_now double precision default null)
returns jsonb
language plpgsql volatile security invoker
set search_path = pg_catalog, pg_temp
set extra_float_digits = 3
as $fn$
declare
  v_now double precision;
  v_period text;
  v_caps ${s}.spend_caps;
  v_bucket ${s}.spend_buckets;
begin
  ${begin}
  if p_job_id is null then
    v_period := ${s}.spend_period(v_now);
  end if;
  select * into v_caps from ${s}.spend_caps
    where tenant = p_tenant and scope = case when p_job_id is null then 't' else 'j:' || p_job_id end;
  select * into v_bucket from ${s}.spend_buckets
    where tenant = p_tenant and bucket = case when p_job_id is null then 'm:' || v_period else 'j:' || p_job_id end;
  return jsonb_build_object(
    'spent', jsonb_build_object('microUsd', coalesce(v_bucket.spent_micro_usd, 0),
      'tokens', coalesce(v_bucket.spent_tokens, 0)),
    'reserved', jsonb_build_object('microUsd', coalesce(v_bucket.reserved_micro_usd, 0),
      'tokens', coalesce(v_bucket.reserved_tokens, 0)),
    'caps', jsonb_strip_nulls(jsonb_build_object('microUsd', v_caps.micro_usd, 'tokens', v_caps.tokens)),
    'period', v_period,
    'now', v_now);
end
$fn$;

${grantsSql(s, {
  tenantTables: ["spend_caps", "spend_buckets", "spend_reservations"],
  functions: [
    "spend_period(double precision)",
    "spend_set_caps(text, text, bigint, bigint, double precision)",
    "spend_reserve(text, text, text, bigint, bigint, double precision, double precision)",
    "spend_settle(text, text, bigint, bigint, double precision)",
    "spend_read(text, text, double precision)",
  ],
})}`;
}

/**
 * PL/pgSQL (needs v_now, p_tenant): core's `chargeExpired` for the tenant. Each expired reservation
 * leaves `reserved` and joins `spent` at its reserved amount, in its month and its job.
 */
function chargeExpiredSql(s: string): string {
  return `with expired as (
    delete from ${s}.spend_reservations where tenant = p_tenant and expires_at <= v_now
    returning period, job_id, micro_usd, tokens
  ), charged as (
    select 'm:' || period as bucket, micro_usd, tokens from expired
    union all
    select 'j:' || job_id, micro_usd, tokens from expired where job_id is not null
  ), sums as (
    select bucket, sum(micro_usd) as micro_usd, sum(tokens) as tokens from charged group by bucket
  )
  update ${s}.spend_buckets b set
    reserved_micro_usd = b.reserved_micro_usd - sums.micro_usd,
    reserved_tokens = b.reserved_tokens - sums.tokens,
    spent_micro_usd = b.spent_micro_usd + sums.micro_usd,
    spent_tokens = b.spent_tokens + sums.tokens
  from sums where b.tenant = p_tenant and b.bucket = sums.bucket;`;
}

/**
 * PL/pgSQL (needs v_caps, v_bucket, p_micro_usd, p_tokens, v_now): core's `refusal` for one scope,
 * returning the refusal when spent + reserved + amount would pass a cap, micro-dollars first.
 */
function refusalSql(s: string, scope: "tenant" | "job", capsKey: string, bucketKey: string): string {
  const unit = (name: string, column: string, amount: string) => `if v_caps.${column} is not null
      and coalesce(v_bucket.spent_${column}, 0) + coalesce(v_bucket.reserved_${column}, 0) + ${amount} > v_caps.${column} then
      return jsonb_build_object('ok', false, 'now', v_now, 'refusal', jsonb_build_object('scope', '${scope}',
        'unit', '${name}', 'cap', v_caps.${column}, 'spent', coalesce(v_bucket.spent_${column}, 0),
        'reserved', coalesce(v_bucket.reserved_${column}, 0)));
    end if;`;
  return `select * into v_caps from ${s}.spend_caps where tenant = p_tenant and scope = ${capsKey};
    select * into v_bucket from ${s}.spend_buckets where tenant = p_tenant and bucket = ${bucketKey};
    ${unit("microUsd", "micro_usd", "p_micro_usd")}
    ${unit("tokens", "tokens", "p_tokens")}`;
}
