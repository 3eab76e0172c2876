import { defineConfig } from "tsup";

const entry = { index: "src/index.ts" };
const shared = {
  entry,
  dts: true,
  sourcemap: true,
  target: "node20",
  tsconfig: "tsconfig.build.json",
} as const;

export default defineConfig([
  { ...shared, format: ["esm"] },
  // CJS consumers on Node < 20.19 cannot require() ESM-only dependencies, so the CJS build bundles them.
  { ...shared, format: ["cjs"] },
]);
