import pRetry from "p-retry";
import { LeaseLostError } from "../errors/lease-lost-error.js";

/** Store writes that must happen (release, terminal status): retried, except when the lease is gone. */
export const mustWrite = <T>(fn: () => Promise<T>): Promise<T> =>
  pRetry(fn, {
    retries: 5,
    minTimeout: 100,
    maxTimeout: 2_000,
    randomize: true,
    shouldRetry: ({ error }) => !LeaseLostError.isInstance(error),
  });

/** Writes inside a claim (checkpoint, events): a store blip is retried briefly before the claim gives up. */
export const briefly = <T>(fn: () => Promise<T>): Promise<T> =>
  pRetry(fn, {
    retries: 3,
    minTimeout: 50,
    maxTimeout: 500,
    randomize: true,
    shouldRetry: ({ error }) => !LeaseLostError.isInstance(error),
  });
