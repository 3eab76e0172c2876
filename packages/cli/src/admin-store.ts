import type { JobAdmin } from "@threadmill/core";
import { CliError } from "./cli-error.js";
import type { OpenedStore } from "./open-store.js";

/** The store's `admin` port, or a CliError for an adapter without one. */
export function requireAdmin(store: OpenedStore): JobAdmin {
  const { admin } = store.adapter;
  if (!admin)
    throw new CliError(`the ${store.adapter.name} store has no admin port (jobs, redrive, cleanup).`);
  return admin;
}
