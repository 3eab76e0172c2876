// `@threadmill/testkit/vitest`: the conformance and fault suites, which register vitest
// `describe`/`it` blocks; import it from a test file run by vitest.
export * from "./conformance/index.js";
export { type FaultSuiteOptions, runFaultSuite } from "./faults/run-fault-suite.js";
