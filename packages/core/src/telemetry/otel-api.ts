// Type-only: erased from the build, so core never loads the optional peer at import time.
import type * as OtelApi from "@opentelemetry/api";

/** The `@opentelemetry/api` module's namespace. */
export type Otel = typeof OtelApi;

let loading: Promise<Otel | null> | undefined;

/**
 * `@opentelemetry/api`, imported on first call and cached; `null` when it is not installed (an
 * optional peer). `webpackIgnore` keeps a bundler from failing the build for the missing module.
 */
export function loadOtel(): Promise<Otel | null> {
  loading ??= import(/* webpackIgnore: true */ "@opentelemetry/api").then(
    (api: Otel) => api,
    () => null,
  );
  return loading;
}
