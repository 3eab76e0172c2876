/// <reference path="../../util/lua-text.d.ts" />
import { luaScript } from "../../util/lua-script.js";
import storeClock from "../../util/lua/store-clock.lua";
import acquire from "./acquire-n.lua";
import acquireSingle from "./acquire-single-n.lua";
import adjust from "./adjust-n.lua";
import gcra from "./includes/gcra.lua";
import release from "./release-n.lua";

const includes = { "shared/store-clock": storeClock, "includes/gcra": gcra };

/**
 * The rate limiter's Redis scripts, ports of `decideAcquire` (for a batch, and for one call), `applyAdjustments` and `releaseHolds`
 * on the server's clock, includes resolved. Each takes a variable number of keys (one per charge), all
 * under one limiter's hash tag; each file's header gives its KEYS, ARGV and reply. adapter-redis runs them.
 */
export const RATE_LIMIT_LUA: Readonly<{
  acquire: string;
  acquireSingle: string;
  adjust: string;
  release: string;
}> = {
  acquire: luaScript("acquire-n.lua", acquire, includes),
  acquireSingle: luaScript("acquire-single-n.lua", acquireSingle, includes),
  adjust: luaScript("adjust-n.lua", adjust, includes),
  release: luaScript("release-n.lua", release, includes),
};
