import { grantsSql } from "./migration-grants.js";

/** SQL: epoch milliseconds (a double, microsecond resolution) from the server's clock right now. */
const NOW_MS = "extract(epoch from clock_timestamp()) * 1000";

/**
 * Migration 4: the rate limiter's state and its three operations as PL/pgSQL, line-for-line ports of
 * core's `decideAcquire`, `applyAdjustments` and `releaseHolds` (`rate-limit-algorithm.ts`): the same
 * doubles, the same comparisons, `RATE_LIMIT_EPSILON_MS` = 0.001. Each function is one statement for
 * the client. It first takes `pg_advisory_xact_lock` on the (schema, limiter), so the limiter's calls
 * run one at a time, and only then reads the clock (`clock_timestamp()`, never the caller's) and the
 * state: under READ COMMITTED every statement in it sees what the previous holder committed. The lock
 * ends with the transaction: nothing stays on the session, so it is safe behind a transaction pooler.
 * Limiter state belongs to no tenant (a limiter is shared by all), so users may not read it.
 */
export function rateLimitMigrationSql(s: string): string {
  const lock = `perform pg_advisory_xact_lock(hashtextextended('threadmill:ratelimit:${s.replace(/'/g, "''")}:' || p_limiter, 0));`;
  // Whole units that fit in `room` ms: core's `units`.
  const units = (room: string) => `greatest(0::double precision, floor((${room} + c_epsilon) / v_emission))`;
  return `
create table if not exists ${s}.rate_limit_tats (
  limiter text not null,
  key text not null,
  -- The GCRA theoretical arrival time, epoch ms on the server's clock; a row at or before now is an empty bucket.
  tat double precision not null,
  primary key (limiter, key)
);
create index if not exists rate_limit_tats_expiry on ${s}.rate_limit_tats (limiter, tat);

create table if not exists ${s}.rate_limit_holds (
  limiter text not null,
  key text not null,
  hold_id text not null,
  -- Epoch ms on the server's clock; a hold at or past it no longer counts.
  expires_at double precision not null,
  primary key (limiter, key, hold_id)
);
create index if not exists rate_limit_holds_expiry on ${s}.rate_limit_holds (limiter, expires_at);

-- p_charges: core's RateLimitCharge[] as JSON. Returns core's RateLimitDecision as JSON, plus "now"
-- (the clock the decision used). extra_float_digits = 3: doubles leave as their exact shortest text.
create or replace function ${s}.rate_limit_acquire(p_limiter text, p_hold_id text, p_charges jsonb,
  p_now double precision default null)
returns jsonb
language plpgsql volatile security invoker
set search_path = pg_catalog, pg_temp
set extra_float_digits = 3
as $fn$
declare
  c_epsilon constant double precision := 0.001;
  v_now double precision;
  v_charge jsonb;
  v_key text;
  -- Units left after this call (when admitted) and left now (when refused: it took nothing).
  v_remaining jsonb := '[]'::jsonb;
  v_left jsonb := '[]'::jsonb;
  v_denied jsonb := '[]'::jsonb;
  v_retry double precision := 0;
  v_tat double precision;
  v_next double precision;
  v_emission double precision;
  v_tolerance double precision;
  v_cost double precision;
  v_limit double precision;
  v_count double precision;
  v_earliest double precision;
  v_tat_keys text[] := '{}';
  v_tats double precision[] := '{}';
  v_hold_keys text[] := '{}';
  v_hold_ends double precision[] := '{}';
begin
  ${lock}
  v_now := coalesce(p_now, ${NOW_MS});
  -- Run-out state reads exactly like no state (max(tat, now) = now; expired holds do not count).
  delete from ${s}.rate_limit_tats where limiter = p_limiter and tat <= v_now;
  delete from ${s}.rate_limit_holds where limiter = p_limiter and expires_at <= v_now;
  for i in 0 .. jsonb_array_length(p_charges) - 1 loop
    v_charge := p_charges -> i;
    v_key := v_charge ->> 'key';
    if v_charge ->> 'kind' = 'rate' then
      v_emission := (v_charge ->> 'emissionMs')::double precision;
      v_tolerance := (v_charge ->> 'toleranceMs')::double precision;
      v_cost := (v_charge ->> 'cost')::double precision;
      select t.tat into v_tat from ${s}.rate_limit_tats t where t.limiter = p_limiter and t.key = v_key;
      v_tat := greatest(coalesce(v_tat, v_now), v_now);
      v_next := v_tat + v_cost * v_emission;
      v_left := v_left || to_jsonb(${units("v_tolerance - (v_tat - v_now)")});
      if v_next - v_now > v_tolerance + c_epsilon then
        v_denied := v_denied || to_jsonb(i);
        v_retry := greatest(v_retry, v_next - v_now - v_tolerance);
      else
        v_remaining := v_remaining || to_jsonb(${units("v_tolerance - (v_next - v_now)")});
        if v_cost > 0 then
          v_tat_keys := v_tat_keys || v_key;
          v_tats := v_tats || v_next;
        end if;
      end if;
    else
      v_limit := (v_charge ->> 'limit')::double precision;
      select count(*), min(h.expires_at) into v_count, v_earliest
        from ${s}.rate_limit_holds h where h.limiter = p_limiter and h.key = v_key;
      v_left := v_left || to_jsonb(greatest(0::double precision, v_limit - v_count));
      if v_count + 1 > v_limit then
        v_denied := v_denied || to_jsonb(i);
        v_retry := greatest(v_retry, v_earliest - v_now);
      else
        v_remaining := v_remaining || to_jsonb(v_limit - v_count - 1);
        v_hold_keys := v_hold_keys || v_key;
        v_hold_ends := v_hold_ends || (v_now + (v_charge ->> 'holdMs')::double precision);
      end if;
    end if;
  end loop;
  if jsonb_array_length(v_denied) > 0 then
    -- A denial records nothing.
    return jsonb_build_object('allowed', false, 'retryAfterMs', greatest(1::double precision, ceil(v_retry)),
      'remaining', v_left, 'denied', v_denied, 'now', v_now);
  end if;
  -- One row at a time, in request order: a key charged twice ends with its last value, as in core.
  for i in 1 .. coalesce(array_length(v_tat_keys, 1), 0) loop
    insert into ${s}.rate_limit_tats (limiter, key, tat) values (p_limiter, v_tat_keys[i], v_tats[i])
      on conflict (limiter, key) do update set tat = excluded.tat;
  end loop;
  for i in 1 .. coalesce(array_length(v_hold_keys, 1), 0) loop
    insert into ${s}.rate_limit_holds (limiter, key, hold_id, expires_at)
      values (p_limiter, v_hold_keys[i], p_hold_id, v_hold_ends[i])
      on conflict (limiter, key, hold_id) do update set expires_at = excluded.expires_at;
  end loop;
  return jsonb_build_object('allowed', true, 'retryAfterMs', 0, 'remaining', v_remaining,
    'denied', '[]'::jsonb, 'now', v_now);
end
$fn$;

-- p_adjustments: core's RateLimitAdjustment[] as JSON, applied in order. Returns {"now": ...}.
create or replace function ${s}.rate_limit_adjust(p_limiter text, p_adjustments jsonb,
  p_now double precision default null)
returns jsonb
language plpgsql volatile security invoker
set search_path = pg_catalog, pg_temp
set extra_float_digits = 3
as $fn$
declare
  v_now double precision;
  v_item jsonb;
  v_key text;
  v_emission double precision;
  v_delta double precision;
  v_tat double precision;
  v_next double precision;
begin
  ${lock}
  v_now := coalesce(p_now, ${NOW_MS});
  for i in 0 .. jsonb_array_length(p_adjustments) - 1 loop
    v_item := p_adjustments -> i;
    v_key := v_item ->> 'key';
    v_emission := (v_item ->> 'emissionMs')::double precision;
    v_delta := (v_item ->> 'delta')::double precision;
    select t.tat into v_tat from ${s}.rate_limit_tats t where t.limiter = p_limiter and t.key = v_key;
    v_tat := coalesce(v_tat, v_now);
    if v_delta < 0 then
      v_next := greatest(v_tat + v_delta * v_emission, v_now);
    else
      v_next := greatest(v_tat, v_now) + v_delta * v_emission;
    end if;
    if v_next > v_now then
      insert into ${s}.rate_limit_tats (limiter, key, tat) values (p_limiter, v_key, v_next)
        on conflict (limiter, key) do update set tat = excluded.tat;
    else
      delete from ${s}.rate_limit_tats where limiter = p_limiter and key = v_key;
    end if;
  end loop;
  return jsonb_build_object('now', v_now);
end
$fn$;

-- p_keys: a JSON array of concurrency keys. Under the limiter's lock too: deleting holds in another
-- order than acquire's pruning could otherwise deadlock with it.
create or replace function ${s}.rate_limit_release(p_limiter text, p_keys jsonb, p_hold_id text)
returns void
language plpgsql volatile security invoker
set search_path = pg_catalog, pg_temp
as $fn$
begin
  ${lock}
  delete from ${s}.rate_limit_holds
  where limiter = p_limiter and hold_id = p_hold_id and key in (select jsonb_array_elements_text(p_keys));
end
$fn$;

${grantsSql(s, {
  serviceTables: ["rate_limit_tats", "rate_limit_holds"],
  functions: [
    "rate_limit_acquire(text, text, jsonb, double precision)",
    "rate_limit_adjust(text, jsonb, double precision)",
    "rate_limit_release(text, jsonb, text)",
  ],
})}`;
}
