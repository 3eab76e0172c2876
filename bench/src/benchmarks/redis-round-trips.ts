// Counts Redis round trips made by this process's ioredis clients: one per command sent alone, one
// per pipeline (or MULTI) flush. Importing this file patches ioredis once.
import { Redis } from "ioredis";

let roundTrips = 0;
const pipelines = new WeakSet<object>();
{
  const proto = Redis.prototype as unknown as {
    sendCommand: (command: unknown, stream?: unknown) => unknown;
  };
  const original = proto.sendCommand;
  proto.sendCommand = function (this: unknown, command: unknown, stream?: unknown) {
    const s = stream as { isPipeline?: boolean } | undefined;
    if (s?.isPipeline) {
      if (!pipelines.has(s)) {
        pipelines.add(s);
        roundTrips++;
      }
    } else {
      roundTrips++;
    }
    return original.call(this, command, stream);
  };
}

/** Round trips so far; take the difference across what you measure. */
export function redisRoundTrips(): number {
  return roundTrips;
}
