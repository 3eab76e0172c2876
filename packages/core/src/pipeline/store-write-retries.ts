import pRetry from "p-retry";
import { LeaseLostError } from "../errors/lease-lost-error.js";

/** Told about a failed try of a store write that is tried again (`attempt` counts from 1). */
export type WriteRetryListener = (error: unknown, attempt: number) => void;

/** p-retry's `onFailedAttempt`, telling `onRetry` only about tries that will be made again. */
const retried =
  (onRetry: WriteRetryListener) =>
  ({ error, attemptNumber, retriesLeft }: { error: unknown; attemptNumber: number; retriesLeft: number }) => {
    if (retriesLeft > 0 && !LeaseLostError.isInstance(error)) onRetry(error, attemptNumber);
  };

/** Store writes that must happen (release, terminal status): retried, except when the lease is gone. */
export const mustWrite = <T>(fn: () => Promise<T>, onRetry?: WriteRetryListener): Promise<T> =>
  pRetry(fn, {
    retries: 5,
    minTimeout: 100,
    maxTimeout: 2_000,
    randomize: true,
    shouldRetry: ({ error }) => !LeaseLostError.isInstance(error),
    ...(onRetry ? { onFailedAttempt: retried(onRetry) } : {}),
  });

/** Writes inside a claim (checkpoint, events): a store blip is retried briefly before the claim gives up. */
export const briefly = <T>(fn: () => Promise<T>, onRetry?: WriteRetryListener): Promise<T> =>
  pRetry(fn, {
    retries: 3,
    minTimeout: 50,
    maxTimeout: 500,
    randomize: true,
    shouldRetry: ({ error }) => !LeaseLostError.isInstance(error),
    ...(onRetry ? { onFailedAttempt: retried(onRetry) } : {}),
  });
