// `@threadmill/testkit`: the tools that need no test runner (export generator, fault injection,
// synthetic pipelines, the fake Anthropic server). The suites that register vitest tests are in
// `@threadmill/testkit/vitest`.
export * from "./fake-anthropic/index.js";
export * from "./facts-eval/index.js";
export * from "./faults/index.js";
export * from "./generator/index.js";
export * from "./planted-facts/index.js";
