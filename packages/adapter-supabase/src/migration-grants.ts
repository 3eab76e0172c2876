/** What a migration grants, following migration 2's security model. */
export interface MigrationGrants {
  /** Tables users read through the `tenant_isolation` policy (their own rows); service_role writes. */
  readonly tenantTables?: readonly string[];
  /** Tables only service_role (and the owner) may touch: row-level security on, no policy for users. */
  readonly serviceTables?: readonly string[];
  /** Function signatures (`name(type, ...)`) only service_role (and the owner) may call. */
  readonly functions?: readonly string[];
}

const TENANT_OF_REQUEST = `nullif(current_setting('request.jwt.claims', true), '')::json ->> 'sub'`;

/**
 * SQL: row-level security, policies and grants for tables and functions added after migration 2
 * (whose `grant ... on all tables` reached only the tables that existed then). Grants go only to the
 * roles that exist, as in migration 2, so it runs on a plain Postgres without Supabase's roles.
 */
export function grantsSql(s: string, grants: MigrationGrants): string {
  const tenantTables = (grants.tenantTables ?? []).map((t) => `${s}.${t}`);
  const serviceTables = (grants.serviceTables ?? []).map((t) => `${s}.${t}`);
  const functions = (grants.functions ?? []).map((f) => `${s}.${f}`);
  const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;
  const policies = tenantTables.map(
    (t) => `alter table ${t} enable row level security;
drop policy if exists tenant_isolation on ${t};
create policy tenant_isolation on ${t} using (tenant = ${TENANT_OF_REQUEST});`,
  );
  // No policy: with row-level security on, a role that does not bypass it sees and changes nothing.
  const locked = serviceTables.map((t) => `alter table ${t} enable row level security;`);
  const revokes = functions.map((f) => `revoke all on function ${f} from public;`);
  const all = [...tenantTables, ...serviceTables];
  return `${[...policies, ...locked, ...revokes].join("\n")}
do $grants$
declare r text;
begin
  ${
    tenantTables.length === 0
      ? ""
      : `foreach r in array array['anon', 'authenticated'] loop
    if exists (select 1 from pg_roles where rolname = r) then
      execute format(${literal(`grant select on ${tenantTables.join(", ")} to %I`)}, r);
    end if;
  end loop;`
  }
  if exists (select 1 from pg_roles where rolname = 'service_role') then
    ${all.length === 0 ? "" : `execute ${literal(`grant select, insert, update, delete on ${all.join(", ")} to service_role`)};`}
    ${functions.map((f) => `execute ${literal(`grant execute on function ${f} to service_role`)};`).join("\n    ")}
  end if;
end
$grants$;
`;
}
