export {
  capsKey,
  chargeExpired,
  createSpendTenantState,
  readSpend,
  reserveSpend,
  settleSpend,
  type SpendTenantState,
} from "./spend-algorithm.js";
export { SPEND_LUA } from "./lua/spend-lua.js";
export { spendPeriod } from "./spend-period.js";
export { createSpendLedger, type SpendLedger, type SpendLedgerOptions } from "./create-spend-ledger.js";
