interface Waiting<T, R> {
  readonly item: T;
  resolve(result: R): void;
  reject(error: unknown): void;
}

interface Group<T, R> {
  readonly waiting: Waiting<T, R>[];
  sending: number;
}

/**
 * Group commit: a call goes out at once when fewer than `maxInFlight` batches of its group are on the
 * wire; calls made meanwhile wait and go out together, up to `maxBatch` in one `send`. A lone caller
 * pays no delay; many callers pay one round trip per batch instead of one each. `send` answers one
 * result per item, in order; when it throws, every item of that batch rejects with its error.
 */
export function createGroupCommit<T, R>(options: {
  readonly maxBatch: number;
  readonly maxInFlight: number;
  send(group: string, batch: readonly T[]): Promise<readonly R[]>;
}): (group: string, item: T) => Promise<R> {
  const groups = new Map<string, Group<T, R>>();

  const sendBatch = async (name: string, batch: readonly Waiting<T, R>[]) => {
    try {
      const results = await options.send(
        name,
        batch.map((w) => w.item),
      );
      for (const [i, waiting] of batch.entries()) waiting.resolve(results[i]!);
    } catch (error) {
      for (const waiting of batch) waiting.reject(error);
    }
  };

  const pump = async (name: string, group: Group<T, R>) => {
    group.sending += 1;
    while (group.waiting.length > 0) await sendBatch(name, group.waiting.splice(0, options.maxBatch));
    group.sending -= 1;
    if (group.sending === 0) groups.delete(name);
  };

  return (name, item) =>
    new Promise<R>((resolve, reject) => {
      let group = groups.get(name);
      if (!group) {
        group = { waiting: [], sending: 0 };
        groups.set(name, group);
      }
      group.waiting.push({ item, resolve, reject });
      if (group.sending < options.maxInFlight) void pump(name, group);
    });
}
