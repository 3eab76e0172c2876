// Packs every publishable package and checks what a user would install: publint and
// @arethetypeswrong/cli on the tarball, then loads every entry through its package `exports`
// with both require() and import() (see VITEST_ENTRIES for the one exception), on the Node running
// this script.
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const root = resolve(import.meta.dirname ?? new URL(".", import.meta.url).pathname, "..");
const packDir = join(root, ".pack");
rmSync(packDir, { recursive: true, force: true });
mkdirSync(packDir);
const bin = (name) => join(root, "node_modules", ".bin", name);
let failures = 0;
// Entries that import vitest, whose CommonJS entry throws on require() by design (vitest is ESM-only
// at runtime). They keep a `require` condition all the same, so CommonJS TypeScript projects resolve
// their types (attw's node16 check); their require() must fail with vitest's own message, nothing else.
const VITEST_ENTRIES = new Set(["@threadmill/testkit/vitest"]);
const VITEST_REFUSES_REQUIRE = "Vitest cannot be imported in a CommonJS module using require()";

for (const dir of readdirSync(join(root, "packages")).sort()) {
  const pkgDir = join(root, "packages", dir);
  const pkg = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
  if (pkg.private) continue;
  console.log(`\n== ${pkg.name}`);
  const before = new Set(readdirSync(packDir));
  execFileSync("pnpm", ["pack", "--pack-destination", packDir], {
    cwd: pkgDir,
    stdio: ["ignore", "ignore", "inherit"],
  });
  const tarball = readdirSync(packDir).find((f) => !before.has(f));
  const tgz = join(packDir, tarball);
  const steps = [
    ["publint", [bin("publint"), ["run", "--strict", pkgDir]]],
    ["attw", [bin("attw"), [tgz, "--profile", "node16", "--format", "table-flipped"]]],
  ];
  for (const [label, [cmd, args]] of steps) {
    try {
      const out = execFileSync(cmd, args, {
        cwd: pkgDir,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      });
      console.log(
        `${label}: ok${out.includes("No problems") || out.includes("All good") ? "" : `\n${out.trim()}`}`,
      );
    } catch (error) {
      failures++;
      console.log(`${label}: FAILED\n${error.stdout ?? ""}${error.stderr ?? ""}`);
    }
  }
  for (const sub of Object.keys(pkg.exports).filter((k) => k !== "./package.json")) {
    const spec = sub === "." ? pkg.name : `${pkg.name}/${sub.slice(2)}`;
    const selfRequire = createRequire(join(pkgDir, "noop.js"));
    try {
      if (VITEST_ENTRIES.has(spec)) {
        // Importing vitest outside its runner works; only calling describe/it would throw.
        const esm = await import(pathToFileURL(join(pkgDir, pkg.exports[sub].import.default)).href);
        let refused = "";
        try {
          selfRequire(spec);
        } catch (error) {
          refused = error.message;
        }
        if (!refused.includes(VITEST_REFUSES_REQUIRE)) {
          failures++;
          console.log(
            `load ${spec}: FAILED, require() should be refused by vitest, got: ${refused || "no error"}`,
          );
        } else
          console.log(
            `load ${spec}: import() ${Object.keys(esm).length} exports, require() refused by vitest`,
          );
        continue;
      }
      const cjs = selfRequire(spec);
      const esm = await import(pathToFileURL(join(pkgDir, pkg.exports[sub].import.default)).href);
      console.log(
        `load ${spec}: require() ${Object.keys(cjs).length} exports, import() ${Object.keys(esm).length} exports`,
      );
      if (Object.keys(cjs).sort().join() !== Object.keys(esm).sort().join()) {
        failures++;
        console.log(`load ${spec}: FAILED, CJS and ESM export different names`);
      }
    } catch (error) {
      failures++;
      console.log(`load ${spec}: FAILED ${error.message}`);
    }
  }
  if (dir === "core") {
    // Follow the root entry's relative imports (shared chunks) and collect every built-in it reaches.
    const nodeImports = [];
    const seen = new Set();
    const visit = (file) => {
      if (seen.has(file)) return;
      seen.add(file);
      const code = readFileSync(file, "utf8");
      for (const m of code.matchAll(/(?:from|import)\s*\(?\s*["']([^"']+)["']/g)) {
        if (
          m[1].startsWith("node:") ||
          ["fs", "path", "os", "worker_threads", "crypto", "stream", "zlib"].includes(m[1])
        )
          nodeImports.push(m[1]);
        else if (m[1].startsWith(".")) visit(join(file, "..", m[1]));
      }
    };
    visit(join(pkgDir, "dist", "index.js"));
    if (nodeImports.length > 0) {
      failures++;
      console.log(`portability: FAILED, core's root entry imports ${nodeImports.join(", ")}`);
    } else console.log("portability: core's root entry imports no Node built-ins");
  }
}
console.log(failures === 0 ? "\npack check: all packages ok" : `\npack check: ${failures} problem(s)`);
process.exit(failures === 0 ? 0 : 1);
