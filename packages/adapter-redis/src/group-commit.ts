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

  // Promise callbacks rather than async functions: a lone caller's check is one round trip, and each
  // async frame between it and the wire adds to it.
  const pump = (name: string, group: Group<T, R>): void => {
    if (group.waiting.length === 0) {
      group.sending -= 1;
      if (group.sending === 0) groups.delete(name);
      return;
    }
    const batch = group.waiting.splice(0, options.maxBatch);
    const settle = (results: readonly R[] | null, error?: unknown) => {
      for (let i = 0; i < batch.length; i++) {
        if (results) batch[i]!.resolve(results[i]!);
        else batch[i]!.reject(error);
      }
      pump(name, group);
    };
    let sent: Promise<readonly R[]>;
    try {
      sent = options.send(
        name,
        batch.map((w) => w.item),
      );
    } catch (error) {
      sent = Promise.reject(error);
    }
    sent.then(settle, (error: unknown) => settle(null, error));
  };

  return (name, item) =>
    new Promise<R>((resolve, reject) => {
      let group = groups.get(name);
      if (!group) {
        group = { waiting: [], sending: 0 };
        groups.set(name, group);
      }
      group.waiting.push({ item, resolve, reject });
      if (group.sending < options.maxInFlight) {
        group.sending += 1;
        pump(name, group);
      }
    });
}
