// `node --import <this file>`: a `.lua` import is a module whose default export is the file's text, as
// tsup's text loader and the vitest config make it. For what runs adapter-redis' sources outside both
// (the bench and the chaos tests' worker processes, under tsx).
import { register } from "node:module";

register("./lua-text-hooks.mjs", import.meta.url);
