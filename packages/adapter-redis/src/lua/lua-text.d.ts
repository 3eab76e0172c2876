// A `.lua` file imports as its text: tsup (esbuild's `text` loader) and vitest (the root config's
// plugin) both load it so.
declare module "*.lua" {
  const text: string;
  export default text;
}
