// A `.lua` file imports as its text: tsup (esbuild's `text` loader), vitest (the root config's plugin)
// and `node --import scripts/register-lua-text.mjs` all load it so.
declare module "*.lua" {
  const text: string;
  export default text;
}
