// `@threadmill/testkit`: the tools that need no test runner (export generator, fault injection,
// synthetic pipelines, planted facts). The suites that register vitest tests are in
// `@threadmill/testkit/vitest`.
export * from "./faults/index.js";
export * from "./generator/index.js";
export * from "./planted-facts/index.js";
