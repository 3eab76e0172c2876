import { readFileSync } from "node:fs";
import { defineConfig } from "tsup";

const { version } = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8")) as {
  version: string;
};

const entry = { index: "src/index.ts", node: "src/node.ts", anthropic: "src/anthropic.ts" };
const shared = {
  entry,
  dts: true,
  sourcemap: true,
  target: "node20",
  tsconfig: "tsconfig.build.json",
  // The rate limiter's and spend ledger's Lua (src/*/lua/*.lua) are bundled as text.
  loader: { ".lua": "text" },
  // The version the OpenTelemetry tracer and meter report (src/telemetry/runner-telemetry.ts).
  define: { __THREADMILL_VERSION__: JSON.stringify(version) },
} as const;

export default defineConfig([
  // The chunker pool's worker is its own file; the CJS bundle starts this ESM one too.
  {
    ...shared,
    entry: { ...entry, "chunker-pool-worker": "src/node/chunker-pool-worker.ts" },
    format: ["esm"],
  },
  // CJS consumers on Node < 20.19 cannot require() ESM-only dependencies, so the CJS build bundles them.
  {
    ...shared,
    format: ["cjs"],
    // `import.meta.url` (the pool finds its worker file with it) in the CJS bundle.
    shims: true,
    noExternal: [/^p-retry(\/|$)/, /^p-limit(\/|$)/, /^is-network-error(\/|$)/, /^yocto-queue(\/|$)/],
  },
]);
