const DATE = "$date";

/**
 * JSON for records that keeps `Date` fields `Date`s (`{"$date": ms}` on the wire), so a record reads
 * back with every field as written.
 */
export const recordCodec = {
  encode(record: unknown): string {
    return JSON.stringify(record, function (this: Record<string, unknown>, key, value) {
      const original = this[key];
      if (original instanceof Date) {
        const ms = original.getTime();
        return { [DATE]: Number.isNaN(ms) ? null : ms };
      }
      return value;
    });
  },
  decode<T>(text: string): T {
    return JSON.parse(text, (_key, value) => {
      if (value !== null && typeof value === "object" && !Array.isArray(value)) {
        const keys = Object.keys(value);
        if (keys.length === 1 && keys[0] === DATE) {
          const ms = (value as Record<string, number | null>)[DATE];
          return new Date(ms ?? Number.NaN);
        }
      }
      return value;
    }) as T;
  },
};
