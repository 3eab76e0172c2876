// The build every library package shares: ESM and CJS, each with its own types (.d.ts / .d.cts) and
// source maps, for Node 20. A package's tsup.config.ts passes its entries and any per-format extras.
import { defineConfig, type Options } from "tsup";

export const sharedBuild = {
  dts: true,
  sourcemap: true,
  target: "node20",
  tsconfig: "tsconfig.build.json",
} as const satisfies Options;

/** The ESM and CJS builds of `entry`, with `extra` options per format. */
export function libraryBuild(
  entry: Record<string, string>,
  extra: { readonly esm?: Options; readonly cjs?: Options } = {},
) {
  return defineConfig([
    { ...sharedBuild, entry, format: ["esm"], ...extra.esm },
    { ...sharedBuild, entry, format: ["cjs"], ...extra.cjs },
  ]);
}
