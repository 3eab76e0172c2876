/// <reference path="../../util/lua-text.d.ts" />
import { luaScript } from "../../util/lua-script.js";
import storeClock from "../../util/lua/store-clock.lua";
import ledger from "./includes/ledger.lua";
import period from "./includes/period.lua";
import read from "./read-4.lua";
import reserve from "./reserve-4.lua";
import setCaps from "./set-caps-1.lua";
import settle from "./settle-4.lua";

const includes = { "shared/store-clock": storeClock, "includes/ledger": ledger, "includes/period": period };

/**
 * The spend ledger's Redis scripts, ports of `reserveSpend`, `settleSpend` and `readSpend` on the
 * server's clock (the month too), includes resolved. Each takes a fixed number of keys (the number
 * its file name ends with), all under one tenant's hash tag; each file's header gives its KEYS, ARGV
 * and reply. adapter-redis runs them.
 */
export const SPEND_LUA: Readonly<{ setCaps: string; reserve: string; settle: string; read: string }> = {
  setCaps: luaScript("set-caps-1.lua", setCaps, includes),
  reserve: luaScript("reserve-4.lua", reserve, includes),
  settle: luaScript("settle-4.lua", settle, includes),
  read: luaScript("read-4.lua", read, includes),
};
