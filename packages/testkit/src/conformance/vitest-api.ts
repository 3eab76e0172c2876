import type * as Vitest from "vitest";

/**
 * The running vitest's API (`describe`, `it`, `expect`, ...), taken from the test worker instead of a
 * static `import "vitest"`: vitest refuses to be `require()`d, and a static import would break the
 * CommonJS build of this package for everyone who only wants its other tools. Vitest publishes its
 * module on `globalThis.__vitest_index__` in every test worker (what `import.meta.vitest` reads).
 * @throws Error when called outside a vitest test file.
 */
export function vitestApi(): typeof Vitest {
  const api = (globalThis as { __vitest_index__?: typeof Vitest }).__vitest_index__;
  if (!api?.describe) {
    throw new Error(
      "[threadmill] the conformance suites register vitest tests: call them from a test file run by vitest (>= 3).",
    );
  }
  return api;
}
