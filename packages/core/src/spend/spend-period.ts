/** The UTC calendar month of `epochMs`, as `YYYY-MM`: the period a tenant's cap applies to. */
export function spendPeriod(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 7);
}
