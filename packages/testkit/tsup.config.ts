import { libraryBuild } from "../../tsup.preset.js";

// The limits suites spawn `limits-worker` from beside their own bundle, so it is an entry of its own;
// they find it by their module's URL, which the CJS build gets from tsup's shim.
export default libraryBuild(
  {
    index: "src/index.ts",
    vitest: "src/vitest.ts",
    "limits-worker": "src/conformance/limits/limits-worker.ts",
  },
  { cjs: { shims: true } },
);
