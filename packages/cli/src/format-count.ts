const number = new Intl.NumberFormat("en");

/** A count for humans, grouped by thousands: `12,345`. */
export function formatCount(value: number): string {
  return number.format(value);
}
