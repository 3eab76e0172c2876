import {
  capsKey,
  createSpendTenantState,
  readSpend,
  reserveSpend,
  settleSpend,
  type SpendLedgerStore,
  type SpendTenantState,
} from "@threadmill/core";

/**
 * The spend ledger in this process's memory, running core's reference algorithm; each call is atomic.
 * It does not survive the process, so it suits tests and single-process use only.
 */
export function createMemorySpendLedger(now: () => number): SpendLedgerStore & { clear(): void } {
  const tenants = new Map<string, SpendTenantState>();
  const stateOf = (tenant: string) => {
    let state = tenants.get(tenant);
    if (!state) {
      state = createSpendTenantState();
      tenants.set(tenant, state);
    }
    return state;
  };
  return {
    async setCaps(scope, caps) {
      stateOf(scope.tenant).caps.set(capsKey(scope), { ...caps });
    },
    async reserve(request) {
      return reserveSpend(stateOf(request.scope.tenant), request, now());
    },
    async settle({ tenant, id, actual }) {
      return settleSpend(stateOf(tenant), id, actual, now());
    },
    async read(scope) {
      return readSpend(stateOf(scope.tenant), scope, now());
    },
    clear: () => tenants.clear(),
  };
}
