// A child process of the limits conformance suites (`node --import tsx limits-worker.ts`). It opens
// the stores through the adapter's `processModule`, prints a ready line, then runs each phase line
// it reads on stdin and prints its result, all as JSON lines tagged `"tm": "limits"`. It exits when
// stdin closes. Env: THREADMILL_LIMITS_MODULE (absolute path), THREADMILL_LIMITS_CLOCK_SKEW_MS.
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import type { OpenedLimitsStores } from "./limits-conformance-options.js";
import { type LimitsPhase, runLimitsPhase } from "./limits-phases.js";

const send = (message: Record<string, unknown>) => {
  process.stdout.write(`${JSON.stringify({ tm: "limits", ...message })}\n`);
};

const skewMs = Number(process.env.THREADMILL_LIMITS_CLOCK_SKEW_MS ?? "0");
if (skewMs !== 0) {
  // This process's wall clock runs `skewMs` apart from its siblings'; a store must not notice.
  const realNow = Date.now.bind(Date);
  Date.now = () => realNow() + skewMs;
}

async function main(): Promise<void> {
  const modulePath = process.env.THREADMILL_LIMITS_MODULE;
  if (!modulePath) throw new Error("limits worker: THREADMILL_LIMITS_MODULE is required");
  const module = (await import(pathToFileURL(modulePath).href)) as {
    open?: () => Promise<OpenedLimitsStores>;
  };
  if (typeof module.open !== "function") {
    throw new Error(`limits worker: ${modulePath} does not export open()`);
  }
  const stores = await module.open();
  // Connect before the ready line, so the first phase's calls start together rather than behind a handshake.
  await stores.spend.read({ tenant: "limits-conformance-warmup" });
  await stores.rateLimits.acquire({
    limiter: "limits-conformance-warmup",
    holdId: "warmup",
    charges: [{ kind: "rate", key: "g:warmup", emissionMs: 1, toleranceMs: 1, cost: 0 }],
  });
  send({ ready: true, pid: process.pid });

  const pending = new Set<Promise<void>>();
  const lines = createInterface({ input: process.stdin });
  lines.on("line", (line) => {
    if (line.trim() === "") return;
    const { id, phase } = JSON.parse(line) as { id: number; phase: LimitsPhase };
    const run = runLimitsPhase(stores, phase).then(
      (result) => send({ id, result }),
      (error: unknown) =>
        send({ id, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }),
    );
    pending.add(run);
    void run.finally(() => pending.delete(run));
  });
  lines.on("close", () => {
    void Promise.allSettled(pending)
      .then(() => stores.close())
      .finally(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  process.stderr.write(
    `limits worker: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
