import { describe, expectTypeOf, it } from "vitest";
import type { RunnerOptions } from "../pipeline/runner-options.js";
import type { RunnerLogger } from "./runner-logger.js";

// pino's `LogFn` (pino.d.ts), with its three overloads; pino is not a dependency of core.
interface PinoLogFn {
  // biome-ignore lint/suspicious/noExplicitAny: pino's own signature.
  <T extends object>(obj: T, msg?: string, ...args: any[]): void;
  // biome-ignore lint/suspicious/noExplicitAny: pino's own signature.
  (obj: unknown, msg?: string, ...args: any[]): void;
  // biome-ignore lint/suspicious/noExplicitAny: pino's own signature.
  (msg: string, ...args: any[]): void;
}
interface PinoLike {
  level: string;
  debug: PinoLogFn;
  info: PinoLogFn;
  warn: PinoLogFn;
  error: PinoLogFn;
  child(bindings: Record<string, unknown>): PinoLike;
}

describe("RunnerLogger", () => {
  it("takes a pino logger, or any object with the four methods", () => {
    expectTypeOf<PinoLike>().toExtend<RunnerLogger>();
    expectTypeOf<PinoLike>().toExtend<NonNullable<RunnerOptions["logger"]>>();
    expectTypeOf<{ warn(fields: object, message: string): void }>().not.toExtend<RunnerLogger>();
  });

  it("telemetry can only be turned off", () => {
    expectTypeOf<RunnerOptions["telemetry"]>().toEqualTypeOf<false | undefined>();
  });
});
