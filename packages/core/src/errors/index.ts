export { BudgetExceededError } from "./budget-exceeded-error.js";
export { CancelledError } from "./cancelled-error.js";
export { ConflictError } from "./conflict-error.js";
export { ExportFormatError, type ExportFormatReason } from "./export-format-error.js";
export { LeaseLostError } from "./lease-lost-error.js";
export { RateLimitedError } from "./rate-limited-error.js";
export { StorageError, type StorageAdapterName } from "./storage-error.js";
export { StoreLockedError } from "./store-locked-error.js";
export { ThreadmillError, type ThreadmillErrorCode } from "./threadmill-error.js";
