import { metrics, SpanStatusCode, trace } from "@opentelemetry/api";
import {
  AggregationTemporality,
  type DataPoint,
  type Histogram,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { createMemoryAdapter } from "@threadmill/adapter-memory";
import { burnCpu, createSyntheticPipeline, generateExport, syntheticSource } from "@threadmill/testkit";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { factsExport, factsSetup, runToEnd, TENANT as FACTS_TENANT } from "../../test/support/facts-setup.js";
import type { Adapter } from "../ports/adapter.js";
import { createImportPipeline } from "../pipeline/import-pipeline.js";
import type { Pipeline } from "../pipeline/pipeline.js";
import { createRunner } from "../pipeline/runner.js";
import type { RunnerOptions } from "../pipeline/runner-options.js";
import { createBytesSource } from "../source/create-bytes-source.js";
import type { RunnerLogger } from "./runner-logger.js";

const TENANT = "tenant-otel";
const WORKER = "worker-otel";
const SECRET_URL = "redis://:s3cret@cache.internal:6379";

let spans: InMemorySpanExporter;
let metricExporter: InMemoryMetricExporter;
let reader: PeriodicExportingMetricReader;

// The SDK registered globally, as an application's instrumentation file does; a fresh one per test.
beforeEach(() => {
  spans = new InMemorySpanExporter();
  trace.setGlobalTracerProvider(
    new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }),
  );
  metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
});
afterEach(async () => {
  await reader.shutdown();
  trace.disable();
  metrics.disable();
});

/** Every metric exported by the in-memory exporter, by name. */
async function exportedMetrics(): Promise<Map<string, DataPoint<unknown>[]>> {
  await reader.forceFlush();
  const out = new Map<string, DataPoint<unknown>[]>();
  for (const scope of metricExporter.getMetrics().at(-1)?.scopeMetrics ?? []) {
    expect(scope.scope.name).toBe("threadmill");
    for (const m of scope.metrics) out.set(m.descriptor.name, m.dataPoints);
  }
  return out;
}

/** The sum of a counter's points whose attributes include `where`. */
function total(points: DataPoint<unknown>[] | undefined, where: Record<string, unknown> = {}): number {
  return (points ?? [])
    .filter((p) => Object.entries(where).every(([k, v]) => p.attributes[k] === v))
    .reduce((sum, p) => sum + (p.value as number), 0);
}

const named = (name: string) => spans.getFinishedSpans().filter((s) => s.name === name);
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

/** A store whose `port.method` rejects with `error` the first `times` calls. */
function failing(store: Adapter, port: "checkpoints" | "queue", method: string, error: Error, times = 1) {
  let left = times;
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (prop !== port) return value;
      return new Proxy(value, {
        get(p, m, r) {
          const fn = Reflect.get(p, m, r);
          if (m !== method) return fn;
          return (...args: unknown[]) => (left-- > 0 ? Promise.reject(error) : fn.apply(p, args));
        },
      });
    },
  });
}

/** A logger that keeps every call. */
function recordingLogger() {
  const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
  const at =
    (level: string) =>
    (fields: Record<string, unknown>, message: string): void => {
      lines.push({ level, fields, message });
    };
  const logger: RunnerLogger = { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
  return { logger, lines };
}

async function exportBytes(conversations: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of generateExport({ format: "chatgpt-json", seed: 7, conversations }).bytes()) {
    parts.push(part);
  }
  return new Uint8Array(Buffer.concat(parts));
}

function importRunner(bytes: Uint8Array, overrides: Partial<RunnerOptions> = {}) {
  return createRunner({
    store: createMemoryAdapter(),
    pipelines: { import: createImportPipeline({ batchConversations: 4 }) },
    sources: { memory: () => createBytesSource(bytes) },
    workerId: WORKER,
    pollMs: 20,
    retry: { minTimeoutMs: 5, maxTimeoutMs: 20 },
    ...overrides,
  });
}

describe("the runner's OpenTelemetry spans and metrics", () => {
  it("traces a real import (claim > stage > unit) and counts the job, its units and every byte read", async () => {
    const bytes = await exportBytes(10);
    const runner = importRunner(bytes);
    const { job } = await runner.submit({ tenant: TENANT, pipeline: "import", input: { kind: "memory" } });
    const { runs } = await runner.work();
    expect(runs).toEqual([expect.objectContaining({ outcome: "succeeded" })]);
    const unitCount = runs[0]!.units;
    expect(unitCount).toBeGreaterThan(2);

    const [claim, ...otherClaims] = named("threadmill.claim");
    expect(otherClaims).toEqual([]);
    const common = {
      "threadmill.job.id": job.id,
      "threadmill.tenant": TENANT,
      "threadmill.job.epoch": 1,
      "threadmill.worker.id": WORKER,
      "threadmill.pipeline": "import",
    };
    expect(claim!.attributes).toMatchObject({
      ...common,
      "threadmill.outcome": "succeeded",
      "threadmill.units": unitCount,
    });
    expect(claim!.status.code).toBe(SpanStatusCode.UNSET);
    expect(parentOf(claim!)).toBeUndefined();
    const stages = named("threadmill.stage");
    expect(stages).toHaveLength(1);
    expect(stages[0]!.attributes).toMatchObject({ ...common, "threadmill.stage": "import" });
    expect(parentOf(stages[0]!)).toBe(claim!.spanContext().spanId);
    const units = named("threadmill.unit");
    expect(units).toHaveLength(unitCount);
    for (const unit of units) {
      expect(unit.attributes).toMatchObject({
        ...common,
        "threadmill.stage": "import",
        "threadmill.outcome": "ok",
      });
      expect(parentOf(unit)).toBe(stages[0]!.spanContext().spanId);
      expect(unit.spanContext().traceId).toBe(claim!.spanContext().traceId);
    }

    const m = await exportedMetrics();
    expect(m.get("threadmill.jobs")).toEqual([
      expect.objectContaining({
        attributes: { "threadmill.pipeline": "import", status: "succeeded" },
        value: 1,
      }),
    ]);
    expect(total(m.get("threadmill.claims"), { outcome: "succeeded" })).toBe(1);
    expect(total(m.get("threadmill.jobs.running"))).toBe(0);
    expect(total(m.get("threadmill.import.bytes"))).toBe(bytes.byteLength);
    const durations = m.get("threadmill.unit.duration")!;
    expect(durations).toHaveLength(1);
    expect(durations[0]!.attributes).toEqual({
      "threadmill.pipeline": "import",
      "threadmill.stage": "import",
      outcome: "ok",
    });
    expect((durations[0]!.value as Histogram).count).toBe(unitCount);
    expect(total(m.get("threadmill.lease.losses"))).toBe(0);
  });

  it("a failing job: every span ERROR with the error's name and code, its message redacted; counted as failed", async () => {
    const boom = Object.assign(new Error(`cannot reach ${SECRET_URL}`), { code: "E_BOOM", retriable: false });
    const failingPipeline: Pipeline = {
      stages: [{ name: "boom", open: () => ({ next: () => Promise.reject(boom) }) }],
    };
    const { logger, lines } = recordingLogger();
    const runner = createRunner({
      store: createMemoryAdapter(),
      pipelines: { boom: failingPipeline },
      sources: { synthetic: syntheticSource },
      workerId: WORKER,
      logger,
    });
    const { job } = await runner.submit({ tenant: TENANT, pipeline: "boom", input: { kind: "synthetic" } });
    const { runs } = await runner.work();
    expect(runs).toEqual([expect.objectContaining({ outcome: "failed", reason: "error" })]);

    for (const name of ["threadmill.claim", "threadmill.stage", "threadmill.unit"]) {
      const [span] = named(name);
      expect(span?.status, name).toEqual({
        code: SpanStatusCode.ERROR,
        message: "Error [E_BOOM]: cannot reach redis://:***@cache.internal:6379",
      });
      expect(span?.attributes).toMatchObject({ "error.type": "E_BOOM", "threadmill.error.code": "E_BOOM" });
      expect(JSON.stringify({ attributes: span?.attributes, events: span?.events })).not.toContain("s3cret");
    }
    const m = await exportedMetrics();
    expect(total(m.get("threadmill.jobs"), { status: "failed" })).toBe(1);
    expect(total(m.get("threadmill.jobs"), { status: "succeeded" })).toBe(0);
    expect(m.get("threadmill.unit.duration")?.map((d) => d.attributes.outcome)).toEqual(["error"]);

    // The dead-letter is logged, redacted, with a serialized error.
    const dead = lines.find((l) => l.level === "error");
    expect(dead?.message).toMatch(/dead-lettered/);
    expect(dead?.fields).toMatchObject({
      jobId: job.id,
      tenant: TENANT,
      err: { name: "Error", code: "E_BOOM", message: "cannot reach redis://:***@cache.internal:6379" },
    });
    expect(JSON.stringify(lines)).not.toContain("s3cret");
  });

  it("a lost lease: the claim span records it and threadmill.lease.losses counts it", async () => {
    let blocked = false;
    const pipeline = createSyntheticPipeline({
      items: 4,
      itemsPerUnit: 2,
      onUnit: ({ item }) => {
        if (item === 2 && !blocked) {
          blocked = true;
          burnCpu(700); // the event loop is stuck past the 250 ms lease: the worker self-fences
        }
      },
    });
    const { logger, lines } = recordingLogger();
    const runner = createRunner({
      store: createMemoryAdapter(),
      pipelines: { synthetic: pipeline },
      sources: { synthetic: syntheticSource },
      workerId: WORKER,
      leaseMs: 250,
      renewEveryMs: 80,
      logger,
    });
    const { job } = await runner.submit({
      tenant: TENANT,
      pipeline: "synthetic",
      input: { kind: "synthetic" },
    });
    const { runs } = await runner.work();
    expect(runs.map((r) => r.outcome)).toEqual(["lease-lost", "succeeded"]);

    const [lost, resumed] = named("threadmill.claim");
    expect(lost!.attributes).toMatchObject({ "threadmill.job.epoch": 1, "threadmill.outcome": "lease-lost" });
    expect(lost!.events.map((e) => e.name)).toContain("threadmill.lease.lost");
    expect(lost!.status).toMatchObject({ code: SpanStatusCode.ERROR });
    expect(lost!.attributes["threadmill.error.code"]).toBe("LEASE_LOST");
    expect(resumed!.attributes).toMatchObject({
      "threadmill.job.epoch": 2,
      "threadmill.outcome": "succeeded",
    });
    const m = await exportedMetrics();
    expect(total(m.get("threadmill.lease.losses"))).toBe(1);
    expect(total(m.get("threadmill.claims"), { outcome: "lease-lost" })).toBe(1);
    expect(total(m.get("threadmill.jobs"), { status: "succeeded" })).toBe(1);
    expect(lines).toContainEqual(
      expect.objectContaining({ level: "warn", fields: { jobId: job.id, tenant: TENANT, epoch: 1 } }),
    );
  });

  it("the facts stage's answers: threadmill.llm.tokens by kind and threadmill.llm.cost add up to what the ledger settled", async () => {
    const { bytes } = await factsExport(3, 8);
    const t = await factsSetup(bytes);
    try {
      const runner = t.runner();
      const { job } = await runner.submit({
        tenant: FACTS_TENANT,
        pipeline: "import",
        input: { kind: "memory" },
        options: { facts: { requestTokens: 3000, concurrency: 2 } },
      });
      await runToEnd(runner, t.store, job.id);
      expect((await t.store.jobs.get(FACTS_TENANT, job.id))?.status).toBe("succeeded");
      const { spent } = await t.ledger.spent({ tenant: FACTS_TENANT, jobId: job.id });
      expect(spent.tokens).toBeGreaterThan(0);

      const m = await exportedMetrics();
      const tokens = m.get("threadmill.llm.tokens")!;
      const model = tokens[0]!.attributes.model;
      expect(model).toMatch(/^claude-/);
      expect(total(tokens, { kind: "input" })).toBeGreaterThan(0);
      expect(total(tokens, { kind: "output" })).toBeGreaterThan(0);
      expect(total(tokens)).toBe(spent.tokens);
      expect(total(m.get("threadmill.llm.cost"), { model })).toBeCloseTo(spent.microUsd / 1e6, 9);
      expect(named("threadmill.stage").map((s) => s.attributes["threadmill.stage"])).toEqual([
        "import",
        "facts",
      ]);
    } finally {
      await t.close();
    }
  });

  it("a job naming a pipeline this runner lacks counts under pipeline unknown, not under its name", async () => {
    const store = createMemoryAdapter();
    const runner = importRunner(await exportBytes(1), { store });
    await store.jobs.create({ tenant: TENANT, pipeline: "made-up-123", input: { kind: "memory" } });
    expect((await runner.work()).runs).toEqual([expect.objectContaining({ outcome: "failed" })]);
    const m = await exportedMetrics();
    expect(m.get("threadmill.jobs")).toEqual([
      expect.objectContaining({
        attributes: { "threadmill.pipeline": "unknown", status: "failed" },
        value: 1,
      }),
    ]);
  });

  it("telemetry: false records nothing", async () => {
    const bytes = await exportBytes(3);
    const runner = importRunner(bytes, { telemetry: false });
    await runner.submit({ tenant: TENANT, pipeline: "import", input: { kind: "memory" } });
    expect((await runner.work()).runs).toEqual([expect.objectContaining({ outcome: "succeeded" })]);
    expect(spans.getFinishedSpans()).toEqual([]);
    expect(await exportedMetrics()).toEqual(new Map());
  });
});

describe("the runner's logger", () => {
  it("logs a store write retried and a failed renewal as warnings with the job id, redacted; onError still hears them", async () => {
    const error = () =>
      Object.assign(new Error(`connect ECONNREFUSED ${SECRET_URL}`), { code: "ECONNREFUSED" });
    const store = failing(
      failing(createMemoryAdapter(), "checkpoints", "save", error()),
      "queue",
      "extend",
      error(),
    );
    const { logger, lines } = recordingLogger();
    const heard: { error: unknown; jobId?: string }[] = [];
    const runner = createRunner({
      store,
      pipelines: {
        synthetic: createSyntheticPipeline({ items: 4, itemsPerUnit: 2, burnMs: 60, sliceMs: 20 }),
      },
      sources: { synthetic: syntheticSource },
      leaseMs: 600,
      renewEveryMs: 30,
      logger,
      onError: (context) => heard.push(context),
    });
    const { job } = await runner.submit({
      tenant: TENANT,
      pipeline: "synthetic",
      input: { kind: "synthetic" },
    });
    expect((await runner.work()).runs).toEqual([expect.objectContaining({ outcome: "succeeded" })]);

    const redacted = {
      name: "Error",
      code: "ECONNREFUSED",
      message: "connect ECONNREFUSED redis://:***@cache.internal:6379",
    };
    expect(lines).toContainEqual({
      level: "warn",
      fields: {
        jobId: job.id,
        tenant: TENANT,
        epoch: 1,
        operation: "checkpoints.save",
        attempt: 1,
        err: redacted,
      },
      message: "[threadmill] store write checkpoints.save failed; retrying",
    });
    expect(lines).toContainEqual({
      level: "warn",
      fields: { jobId: job.id, err: redacted },
      message: "[threadmill] lease renewal failed; retrying at the next renewal",
    });
    expect(JSON.stringify(lines)).not.toContain("s3cret");
    for (const line of lines)
      for (const value of Object.values(line.fields)) expect(value).not.toBeInstanceOf(Error);
    expect(heard).toEqual([{ error: expect.any(Error), jobId: job.id }]);
  });

  it("a logger that throws does not break the worker", async () => {
    const throwing = () => {
      throw new Error("logger down");
    };
    const runner = importRunner(await exportBytes(2), {
      store: failing(createMemoryAdapter(), "checkpoints", "save", new Error("blip")),
      logger: { debug: throwing, info: throwing, warn: throwing, error: throwing },
    });
    await runner.submit({ tenant: TENANT, pipeline: "import", input: { kind: "memory" } });
    expect((await runner.work()).runs).toEqual([expect.objectContaining({ outcome: "succeeded" })]);
  });
});
