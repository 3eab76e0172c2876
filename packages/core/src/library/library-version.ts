import { contentHash } from "../util/hash.js";

/**
 * One version of a conversation in a tenant's library: what a re-import compares the export with,
 * and the pointer readers follow (the library holds one current version per conversation). Written
 * once by the job that produced it; a later import holds it (unchanged) or replaces it.
 */
export interface LibraryVersion {
  /** `libraryVersionId(conversationId, fingerprint)`; a tombstone's also names its job. */
  readonly id: string;
  readonly conversationId: string;
  /**
   * Hash of what chunking and extraction see (the stored conversation: its rendered paths, title and
   * dates) and of the options that change chunks or facts; `null` for a tombstone.
   */
  readonly fingerprint: string | null;
  /** Hash of the conversation's bytes in the export: equal bytes and settings skip parsing it. */
  readonly rawHash: string | null;
  /** Hash of the options that change chunks or facts, which `rawHash` alone does not cover. */
  readonly settings: string;
  /** The chunks of this version, in order (the library's membership follows them). */
  readonly chunkIds: string[];
  /** Its messages, branches included (what a resumed unit counts again for it). */
  readonly messages: number;
  /** The job that wrote this version. */
  readonly jobId: string;
  /** New to the library, a changed conversation, or the tombstone of one deleted as missing. */
  readonly change: "new" | "changed" | "deleted";
  /** The previous version's chunks that this one's swap took out of the library. */
  readonly replacedChunkIds: string[];
  readonly createdAt: Date;
}

/** The id of a conversation's version with this fingerprint. */
export function libraryVersionId(conversationId: string, fingerprint: string): string {
  return `v_${contentHash("library-version", conversationId, fingerprint)}`;
}

/** The id of the tombstone a job writes for a conversation it deleted from the library. */
export function libraryTombstoneId(conversationId: string, jobId: string): string {
  return `v_${contentHash("library-tombstone", conversationId, jobId)}`;
}
