// The limits conformance suites' `processModule`: child processes (`node --import tsx`) import it and
// call `open()`, which reaches the storage the environment names (see limits-stores.ts).
import { register } from "node:module";

// The adapter runs core's Lua, imported as text (`.lua`), which tsx alone cannot load: register the
// repo's loader before importing anything that reaches it (hence the dynamic import below).
register("../../../scripts/lua-text-hooks.mjs", import.meta.url);

/** Opens the Redis limits stores from `process.env`. */
export async function open() {
  const { openLimitsStores } = await import("./limits-stores.js");
  return openLimitsStores();
}
