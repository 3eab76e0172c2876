import { libraryBuild } from "../../tsup.preset.js";

// The limits suites spawn `limits-worker` from beside their own bundle, so it is an entry of its own.
export default libraryBuild({
  index: "src/index.ts",
  vitest: "src/vitest.ts",
  "limits-worker": "src/conformance/limits/limits-worker.ts",
});
