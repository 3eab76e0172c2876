/**
 * Makes the parent links a forest: nodes unreachable from a root sit on (or hang off) a cycle, which
 * is cut at one node, turning it into a root. Updates `parent` and `childOrder` in place and returns
 * how many cycles were cut.
 */
export function breakCycles(parent: Int32Array, childOrder: number[][]): number {
  const n = parent.length;
  const reached = new Uint8Array(n);
  const stack: number[] = [];
  const reach = (from: number) => {
    stack.push(from);
    reached[from] = 1;
    while (stack.length > 0) {
      const i = stack.pop()!;
      const ch = childOrder[i];
      if (!ch) continue;
      for (const c of ch) {
        if (!reached[c]) {
          reached[c] = 1;
          stack.push(c);
        }
      }
    }
  };
  for (let i = 0; i < n; i++) if (parent[i] === -1 && !reached[i]) reach(i);
  let cycles = 0;
  const seen = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    if (reached[i]) continue;
    let k = i;
    while (parent[k] !== -1 && seen[k] !== i && !reached[k]) {
      seen[k] = i;
      k = parent[k]!;
    }
    if (!reached[k]) {
      // k is on a cycle (or a root); cut it from its parent and hang the cycle from it.
      const p = parent[k]!;
      if (p !== -1) {
        const list = childOrder[p]!;
        list.splice(list.indexOf(k), 1);
        parent[k] = -1;
        cycles++;
      }
      reach(k);
    }
  }
  return cycles;
}
