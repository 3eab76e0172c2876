import { defineConfig } from "tsup";

const shared = {
  dts: true,
  sourcemap: true,
  target: "node20",
  tsconfig: "tsconfig.build.json",
} as const;

export default defineConfig([
  // The binary is ESM only (it uses top-level await); `bin` in package.json points at dist/bin.js.
  { ...shared, entry: { index: "src/index.ts", bin: "src/bin.ts" }, format: ["esm"] },
  // CJS consumers on Node < 20.19 cannot require() ESM-only dependencies, so the CJS build bundles them.
  { ...shared, entry: { index: "src/index.ts" }, format: ["cjs"] },
]);
