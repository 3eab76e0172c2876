import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { defineConfig, type Plugin } from "vitest/config";

const pkg = (path: string) => fileURLToPath(new URL(`./packages/${path}`, import.meta.url));
const PACKAGES = ["core", "adapter-memory", "adapter-redis", "adapter-supabase", "testkit", "cli"] as const;

// A `.lua` file imports as its text, as tsup's `text` loader builds it (adapter-redis' scripts).
const luaAsText: Plugin = {
  name: "lua-as-text",
  enforce: "pre",
  async load(id) {
    if (!id.endsWith(".lua")) return null;
    return `export default ${JSON.stringify(await readFile(id, "utf8"))};`;
  },
};

export default defineConfig({
  plugins: [luaAsText],
  resolve: {
    // Tests run against the sources of sibling packages, not their build output.
    alias: [
      { find: /^@threadmill\/core$/, replacement: pkg("core/src/index.ts") },
      { find: /^@threadmill\/core\/node$/, replacement: pkg("core/src/node.ts") },
      { find: /^@threadmill\/core\/anthropic$/, replacement: pkg("core/src/anthropic.ts") },
      { find: /^@threadmill\/testkit\/vitest$/, replacement: pkg("testkit/src/vitest.ts") },
      {
        find: /^@threadmill\/(adapter-memory|adapter-redis|adapter-supabase|testkit)$/,
        replacement: pkg("$1/src/index.ts"),
      },
    ],
  },
  test: {
    projects: [
      ...PACKAGES.map((name) => ({
        extends: true,
        test: {
          name,
          root: pkg(name),
          include: ["src/**/*.test.ts", "test/**/*.test.ts"],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      })),
      ...["vercel-next", "render-worker"].map((name) => ({
        extends: true,
        test: {
          name: `example-${name}`,
          root: fileURLToPath(new URL(`./examples/${name}`, import.meta.url)),
          include: ["test/**/*.test.ts"],
          testTimeout: 300_000,
          hookTimeout: 120_000,
        },
      })),
    ],
  },
});
