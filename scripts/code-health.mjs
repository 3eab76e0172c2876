// `node scripts/code-health.mjs [dir ...]`: the largest source files, the longest functions and the
// import cycles of the given source trees (default: every package's src/). Tests are left out.
// Exits 1 when a cycle exists; sizes only print (they are hints, not rules).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve } from "node:path";

const require = createRequire(import.meta.url);
const ts = require("typescript");

const FILE_LINES = 400;
const FUNCTION_LINES = 120;
const args = process.argv.slice(2);
const roots = (args.length > 0 ? args : readdirSync("packages").map((p) => join("packages", p, "src")))
  .map((d) => resolve(d))
  .filter((d) => statSync(d, { throwIfNoEntry: false })?.isDirectory());

const isSource = (f) => /\.tsx?$/.test(f) && !/\.test(-d)?\.tsx?$/.test(f) && !f.endsWith(".d.ts");
function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === "node_modules" || e.name === "dist" ? [] : walk(p);
    return isSource(p) ? [p] : [];
  });
}
const files = roots.flatMap(walk);
const rel = (f) => relative(process.cwd(), f);

const sizes = [];
const functions = [];
const imports = new Map();
for (const file of files) {
  const text = readFileSync(file, "utf8");
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  sizes.push({ file, lines: text.split("\n").length });
  const line = (pos) => source.getLineAndCharacterOfPosition(pos).line;
  const deps = [];
  const visit = (node) => {
    if (ts.isFunctionLike(node) && "body" in node && node.body) {
      const lines = line(node.end) - line(node.getStart(source)) + 1;
      const name =
        node.name?.getText(source) ??
        (ts.isVariableDeclaration(node.parent) ? node.parent.name.getText(source) : "(anonymous)");
      functions.push({ file, name, lines, at: line(node.getStart(source)) + 1 });
    }
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
      const spec = node.moduleSpecifier.text;
      if (spec.startsWith(".")) deps.push(resolve(dirname(file), spec.replace(/\.js$/, ".ts")));
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  imports.set(
    file,
    deps.filter((d) => files.includes(d)),
  );
}

// Cycles among imports, type-only ones included (they still tie two files' designs together):
// Tarjan's strongly connected components.
const cycles = [];
{
  let index = 0;
  const stack = [];
  const meta = new Map();
  const connect = (v) => {
    meta.set(v, { index, low: index, onStack: true });
    index++;
    stack.push(v);
    for (const w of imports.get(v) ?? []) {
      if (!meta.has(w)) {
        connect(w);
        meta.get(v).low = Math.min(meta.get(v).low, meta.get(w).low);
      } else if (meta.get(w).onStack) meta.get(v).low = Math.min(meta.get(v).low, meta.get(w).index);
    }
    if (meta.get(v).low === meta.get(v).index) {
      const component = [];
      let w;
      do {
        w = stack.pop();
        meta.get(w).onStack = false;
        component.push(w);
      } while (w !== v);
      if (component.length > 1) cycles.push(component);
    }
  };
  for (const f of files) if (!meta.has(f)) connect(f);
}

sizes.sort((a, b) => b.lines - a.lines);
functions.sort((a, b) => b.lines - a.lines);
console.log(`${files.length} source files; largest:`);
for (const s of sizes.slice(0, 8))
  console.log(
    `  ${String(s.lines).padStart(5)}  ${rel(s.file)}${s.lines > FILE_LINES ? "  (over ~400)" : ""}`,
  );
console.log("longest functions:");
for (const f of functions.slice(0, Number(process.env.TOP ?? 8)))
  console.log(
    `  ${String(f.lines).padStart(5)}  ${f.name}  ${rel(f.file)}:${f.at}${f.lines > FUNCTION_LINES ? "  (over ~120)" : ""}`,
  );
console.log(
  `files over ${FILE_LINES} lines: ${sizes.filter((s) => s.lines > FILE_LINES).length}; functions over ${FUNCTION_LINES} lines: ${functions.filter((f) => f.lines > FUNCTION_LINES).length}`,
);
console.log(`import cycles: ${cycles.length}`);
for (const c of cycles) console.log(`  ${c.map(rel).join(" <-> ")}`);
process.exitCode = cycles.length > 0 ? 1 : 0;
