/** Short leases for the cases that wait for expiry with real time. */
export const SHORT_LEASE_MS = 150;
/** How long past a short lease's expiry the suite waits: generous, so a loaded machine does not flake. */
export const PAST_EXPIRY_MS = 350;
