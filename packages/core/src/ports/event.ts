import { z } from "zod";

/** The kinds of progress event. */
export const PROGRESS_EVENT_TYPES = [
  "queued",
  "started",
  "stage",
  "progress",
  "yielded",
  "retrying",
  "reset",
  "succeeded",
  "failed",
  "cancelled",
] as const;

/** The one schema every progress event follows, in every store and over SSE. */
export const progressEventSchema = z.object({
  /** Opaque, ordered per job by the log. */
  id: z.string(),
  type: z.enum(PROGRESS_EVENT_TYPES),
  status: z.enum(["queued", "running", "succeeded", "failed", "cancelled"]).optional(),
  stage: z.string().optional(),
  done: z.number().optional(),
  total: z.number().nullable().optional(),
  unit: z.string().optional(),
  message: z.string().optional(),
  /** The job's `attempts` when the event was written. */
  attempt: z.number().int(),
  /** The lease epoch that wrote it (0 for unfenced events). */
  epoch: z.number().int(),
  /** Epoch ms. */
  at: z.number(),
});

/** A progress event as stored and streamed. */
export type ProgressEvent = z.infer<typeof progressEventSchema>;
/** An event before the log gives it an id. */
export type NewProgressEvent = Omit<ProgressEvent, "id">;
/** The event types that end a job's stream. */
export const TERMINAL_EVENT_TYPES: ReadonlySet<ProgressEvent["type"]> = new Set([
  "succeeded",
  "failed",
  "cancelled",
]);
