// A `processModule` that exports no `open`: the limits fleet must fail to start, saying so.
export const nothing = true;
