/** The includes a Lua script may name, by path (`"includes/gcra"`) -> text. */
export type LuaIncludes = Readonly<Record<string, string>>;

// A line `--- @include "includes/<name>"` (BullMQ's syntax, as adapter-redis' scripts) is replaced by
// that file's text: the build loads each file as plain text and knows nothing of includes.
const INCLUDE_LINE = /^--- @include "([^"]+)"$/gm;

/** A script's text with its `@include` lines replaced by the files they name. */
export function luaScript(file: string, text: string, includes: LuaIncludes): string {
  return text.replace(INCLUDE_LINE, (_, path: string) => {
    const included = includes[path];
    if (included === undefined) throw new Error(`[threadmill] ${file} includes unknown "${path}".`);
    return included;
  });
}
