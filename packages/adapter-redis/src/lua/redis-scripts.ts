/// <reference path="./lua-text.d.ts" />
import appendEvent from "./append-event-1.lua";
import claim from "./claim-1.lua";
import cleanupJobs from "./cleanup-jobs-1.lua";
import create from "./create-1.lua";
import extend from "./extend-1.lua";
import finish from "./finish-1.lua";
import findJobs from "./find-jobs-1.lua";
import coordination from "./includes/coordination.lua";
import listJobs from "./list-jobs-1.lua";
import listRecords from "./list-records-2.lua";
import purgeJobs from "./purge-jobs-1.lua";
import purgeRecordsOfJob from "./purge-records-of-job-6.lua";
import readEvents from "./read-events-1.lua";
import release from "./release-1.lua";
import requestCancel from "./request-cancel-1.lua";
import retry from "./retry-1.lua";
import saveCheckpoint from "./save-checkpoint-1.lua";
import transition from "./transition-1.lua";
import updateMembership from "./update-membership-7.lua";
import upsertRecords from "./upsert-records-6.lua";

/** A Lua script registered on the client with `defineCommand` (EVALSHA, reloaded on NOSCRIPT). */
export interface RedisScript {
  readonly name: string;
  /** The file under `src/lua/` it comes from: `<name>-<numberOfKeys>.lua`, as in BullMQ. */
  readonly file: string;
  readonly numberOfKeys: number;
  readonly lua: string;
}

// A line `--- @include "includes/<name>"` (BullMQ's syntax) is replaced by that file's text here,
// when the scripts are defined: the build loads each file as plain text and knows nothing of includes.
const INCLUDES: Readonly<Record<string, string>> = { "includes/coordination": coordination };
const INCLUDE_LINE = /^--- @include "([^"]+)"$/gm;

function script(name: string, file: string, text: string): RedisScript {
  const numberOfKeys = Number(/-(\d+)\.lua$/.exec(file)?.[1]);
  if (!Number.isInteger(numberOfKeys)) {
    throw new Error(`[threadmill] [redis] ${file}: no key count in the name.`);
  }
  const lua = text.replace(INCLUDE_LINE, (_, path: string) => {
    const included = INCLUDES[path];
    if (included === undefined) throw new Error(`[threadmill] [redis] ${file} includes unknown "${path}".`);
    return included;
  });
  return { name, file, numberOfKeys, lua };
}

/**
 * Every Lua script of the adapter; each port operation is one of these, one round trip. Coordination
 * scripts take KEYS[1] = the queue's ready set (it routes the call to the queue's slot) and build every
 * other key from ARGV[1], all under the same hash tag; record scripts take their keys in the tenant's
 * record slot.
 */
export const REDIS_SCRIPTS = {
  create: script("threadmill_create_v2", "create-1.lua", create),
  claim: script("threadmill_claim_v2", "claim-1.lua", claim),
  extend: script("threadmill_extend_v2", "extend-1.lua", extend),
  release: script("threadmill_release_v1", "release-1.lua", release),
  finish: script("threadmill_finish_v3", "finish-1.lua", finish),
  saveCheckpoint: script("threadmill_checkpoint_v1", "save-checkpoint-1.lua", saveCheckpoint),
  transition: script("threadmill_transition_v1", "transition-1.lua", transition),
  appendEvent: script("threadmill_append_event_v1", "append-event-1.lua", appendEvent),
  readEvents: script("threadmill_read_events_v1", "read-events-1.lua", readEvents),
  requestCancel: script("threadmill_cancel_v2", "request-cancel-1.lua", requestCancel),
  retry: script("threadmill_retry_v2", "retry-1.lua", retry),
  listJobs: script("threadmill_list_jobs_v1", "list-jobs-1.lua", listJobs),
  purgeJobs: script("threadmill_purge_jobs_v2", "purge-jobs-1.lua", purgeJobs),
  findJobs: script("threadmill_find_jobs_v1", "find-jobs-1.lua", findJobs),
  cleanupJobs: script("threadmill_cleanup_jobs_v1", "cleanup-jobs-1.lua", cleanupJobs),
  upsertRecords: script("threadmill_upsert_records_v1", "upsert-records-6.lua", upsertRecords),
  listRecords: script("threadmill_list_records_v1", "list-records-2.lua", listRecords),
  purgeRecordsOfJob: script("threadmill_purge_records_v3", "purge-records-of-job-6.lua", purgeRecordsOfJob),
  updateMembership: script("threadmill_update_membership_v2", "update-membership-7.lua", updateMembership),
} as const satisfies Record<string, RedisScript>;

/** Names of the adapter's scripts. */
export type RedisScriptName = keyof typeof REDIS_SCRIPTS;
