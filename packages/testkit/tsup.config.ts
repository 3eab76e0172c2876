import { libraryBuild } from "../../tsup.preset.js";

export default libraryBuild({ index: "src/index.ts", vitest: "src/vitest.ts" });
