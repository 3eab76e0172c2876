/** SQL: the body of the event written with a status change, from the updated row `u`. */
export function terminalEventBody(typeSql: string, messageSql: string | null): string {
  return `jsonb_strip_nulls(jsonb_build_object(
    'type', ${typeSql}, 'status', u.status, 'stage', u.stage, 'message', ${messageSql ?? "null::text"},
    'attempt', u.attempts, 'epoch', u.epoch, 'at', floor(extract(epoch from now()) * 1000)::float8))`;
}

/** SQL: set-list fragment that allocates one event sequence number and moves the retention floor. */
export const bumpEventSeq = (retention: number): string =>
  `event_seq = event_seq + 1, event_floor = greatest(event_floor, event_seq + 1 - ${retention}::bigint)`;
