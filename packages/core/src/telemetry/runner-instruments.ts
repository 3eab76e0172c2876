import type { Counter, Histogram, UpDownCounter } from "@opentelemetry/api";
import type { Otel } from "./otel-api.js";

// Set by tsup from package.json; tests run the sources, where it is not defined.
declare const __THREADMILL_VERSION__: string | undefined;
export const VERSION = typeof __THREADMILL_VERSION__ === "string" ? __THREADMILL_VERSION__ : "0.0.0-dev";
export const SCOPE = "threadmill";
/** From a fast unit (a few ms) to a long one (a Message Batch's collection, a huge conversation). */
const UNIT_BUCKETS_MS = [5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, 120_000];

/** The runner's metric instruments (their names and attributes are documented in the README). */
export interface Instruments {
  readonly jobs: Counter;
  readonly claims: Counter;
  readonly running: UpDownCounter;
  readonly unitDuration: Histogram;
  readonly bytes: Counter;
  readonly leaseLosses: Counter;
  readonly tokens: Counter;
  readonly cost: Counter;
}

// The API's metrics, unlike its traces, have no proxy: a meter taken before the SDK registered its
// provider stays a no-op. So instruments are made again whenever the global provider changed.
let instrumentsCache: { provider: unknown; instruments: Instruments } | undefined;

/** The instruments of the global meter provider, made again when the provider changed. */
export function instrumentsOf(api: Otel): Instruments {
  const provider = api.metrics.getMeterProvider();
  if (instrumentsCache?.provider === provider) return instrumentsCache.instruments;
  const meter = api.metrics.getMeter(SCOPE, VERSION);
  const instruments: Instruments = {
    jobs: meter.createCounter("threadmill.jobs", {
      description: "Jobs that reached a terminal status in this worker, by `status`.",
      unit: "{job}",
    }),
    claims: meter.createCounter("threadmill.claims", {
      description: "Claims of jobs worked by this worker, by `outcome` and `reason`.",
      unit: "{claim}",
    }),
    running: meter.createUpDownCounter("threadmill.jobs.running", {
      description: "Jobs this worker is working on now.",
      unit: "{job}",
    }),
    unitDuration: meter.createHistogram("threadmill.unit.duration", {
      description: "Duration of one unit of a stage, its in-process retries included.",
      unit: "ms",
      advice: { explicitBucketBoundaries: UNIT_BUCKETS_MS },
    }),
    bytes: meter.createCounter("threadmill.import.bytes", {
      description: "Bytes read from jobs' sources; its rate is the import's bytes per second.",
      unit: "By",
    }),
    leaseLosses: meter.createCounter("threadmill.lease.losses", {
      description: "Claims that ended without their lease (superseded, expired, or left to lapse).",
      unit: "{lease}",
    }),
    tokens: meter.createCounter("threadmill.llm.tokens", {
      description:
        "Model tokens used by stages, by `kind` (input, output, cache_read, cache_write) and `model`.",
      unit: "{token}",
    }),
    cost: meter.createCounter("threadmill.llm.cost", {
      description: "What model calls cost, in US dollars, by `model`.",
      unit: "USD",
    }),
  };
  instrumentsCache = { provider, instruments };
  return instruments;
}
