import { libraryBuild } from "../../tsup.preset.js";

// The Lua scripts (src/lua/*.lua) are bundled as text.
const lua = { loader: { ".lua": "text" } } as const;

export default libraryBuild({ index: "src/index.ts" }, { esm: lua, cjs: lua });
