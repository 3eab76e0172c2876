/**
 * Waits for every promise to settle, then throws the first rejection in the given order: whoever
 * throws has nothing of its own still running (a failed unit leaves no write in flight).
 */
export async function settleAll(promises: readonly (Promise<unknown> | null)[]): Promise<void> {
  const settled = await Promise.allSettled(promises);
  for (const s of settled) if (s.status === "rejected") throw s.reason;
}
