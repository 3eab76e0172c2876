import type { Lease } from "./lease.js";

/**
 * The membership id that stands for a tenant's library (the latest version of each conversation
 * across imports). Reserved: no job has it. Library membership is not a reference for `purgeJob`.
 */
export const LIBRARY_MEMBERSHIP = "~library";

/** Which records `list` and `count` read: all of the tenant's, one job's, or the tenant's library. */
export interface RecordScope {
  /** Only records that this job produced or holds (its membership). */
  readonly jobId?: string;
  /** Only records in the tenant's library (ignored when `jobId` is given). */
  readonly library?: boolean;
}

/** Options of `RecordStore.list`. */
export interface ListRecordsOptions extends RecordScope {
  /** Page after this id (records sort by id). */
  readonly after?: string;
  /** At most this many records. @default 1000 */
  readonly limit?: number;
}

/** Options of `RecordStore.purgeJob`. */
export interface PurgeJobOptions {
  /** Keep the records in the tenant's library even when no other job references them. @default false */
  readonly keepLibrary?: boolean;
}

/** What `RecordStore.updateMembership` changes; every list may be empty or absent. */
export interface MembershipChange {
  readonly hold?: readonly string[];
  readonly addToLibrary?: readonly string[];
  readonly removeFromLibrary?: readonly string[];
}

/** A sink of records keyed by `(tenant, id)` whose membership in the producing jobs is kept. */
export interface RecordStore<T extends { readonly id: string }> {
  /**
   * Inserts or replaces the records by `(lease.tenant, id)` and records their membership in
   * `lease.jobId`. Idempotent: the same records twice leave the same state. Where the store can
   * check the epoch in the same atomic step (`fenced: true`), a superseded lease throws
   * `LeaseLostError` and writes nothing (also for a job that ended, or was purged); otherwise the
   * write happens and ids (content hashes) make the repeat harmless. A store may write a large call
   * in batches, each checked on its own: a lease superseded part-way through has written the batches
   * checked before, as if it had finished them sooner, and none after. An empty array is a no-op.
   * The store keeps copies: changing the records afterwards changes nothing stored.
   */
  upsert(lease: Lease, records: readonly T[]): Promise<void>;
  /** Whether `upsert` is fenced by the lease's epoch. */
  readonly fenced: boolean;
  /**
   * Records of the tenant (or of one job), by id ascending in binary order (the ASCII ids threadmill
   * makes sort the same in every store), paged by `after`, every field as written: Dates as Dates,
   * `null` as `null`, an absent optional field absent.
   */
  list(tenant: string, options?: ListRecordsOptions): Promise<T[]>;
  /** The records with these ids that the tenant has, in the order asked (missing ids are left out). */
  get(tenant: string, ids: readonly string[]): Promise<T[]>;
  /** How many records the tenant (or one job, or its library) has. */
  count(tenant: string, options?: RecordScope): Promise<number>;
  /**
   * Changes memberships of records the tenant already has, in one atomic step (fenced like
   * `upsert`): the lease's job comes to hold `hold` (a re-import's unchanged records, no record
   * written), `addToLibrary` enter the tenant's library and `removeFromLibrary` leave it; a record
   * that leaves the library with no job referencing it any more (its jobs were cleaned up) is
   * deleted in the same step. A reader of the library sees all of the change or none of it. Ids the
   * tenant lacks are skipped. Idempotent.
   */
  updateMembership(lease: Lease, change: MembershipChange): Promise<void>;
  /**
   * Removes the job's memberships and every record of the tenant no other job references (library
   * membership is no reference: a record removed leaves the library too), or, with `keepLibrary`
   * (retention's cleanup), every such record not in the tenant's library. Used by `JobStore.purge`,
   * `JobAdmin.cleanup` and, for a sink in another store, by the runner. Idempotent.
   */
  purgeJob(tenant: string, jobId: string, options?: PurgeJobOptions): Promise<void>;
  /** Removes every record and membership of the tenant. Idempotent. */
  purgeTenant(tenant: string): Promise<void>;
}
