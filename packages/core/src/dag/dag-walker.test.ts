import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type DagNode, walkDag } from "./dag-walker.js";

const chain = (n: number): DagNode[] =>
  Array.from({ length: n }, (_, i) => ({ id: `n${i}`, parent: i ? `n${i - 1}` : null, time: i }));

describe("walkDag", () => {
  it("walks from current up through parents", () => {
    const nodes: DagNode[] = [...chain(3), { id: "x", parent: "n0", time: 9 }];
    expect(walkDag(nodes, { current: "n2" }).path).toEqual(["n0", "n1", "n2"]);
    expect(walkDag(nodes, { current: "x" }).path).toEqual(["n0", "x"]);
  });

  it("uses the newest leaf when current is null or dangling; ties go to the later node", () => {
    const nodes: DagNode[] = [
      { id: "r", time: 0, children: ["a", "b", "c"] },
      { id: "a", time: 5 },
      { id: "b", time: 7 },
      { id: "c", time: 7 },
    ];
    const w = walkDag(nodes, { current: null });
    expect(w.path).toEqual(["r", "c"]);
    expect(w.issues.map((i) => i.code)).toEqual(["null-current-node"]);
    expect(walkDag(nodes, { current: "zzz" }).issues.map((i) => i.code)).toEqual(["dangling-current-node"]);
  });

  it("walks 100,000-deep chains and 100,000-wide fans without recursion", () => {
    expect(walkDag(chain(100_000), { current: "n99999", branches: true }).path).toHaveLength(100_000);
    const fan: DagNode[] = [
      { id: "r", time: 0 },
      ...Array.from({ length: 100_000 }, (_, i) => ({ id: `f${i}`, parent: "r", time: i })),
    ];
    const w = walkDag(fan, { current: "f5", branches: true });
    expect(w.branches).toHaveLength(99_999);
  });

  it("property: with branches, every node lands exactly once, paths are parent chains", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }).chain((n) =>
          fc.tuple(
            fc.constant(n),
            fc.array(fc.option(fc.integer({ min: -2, max: n - 1 }), { nil: null }), {
              minLength: n,
              maxLength: n,
            }),
            fc.array(fc.option(fc.integer({ min: 0, max: 100 }), { nil: null }), {
              minLength: n,
              maxLength: n,
            }),
            fc.option(fc.integer({ min: -1, max: n - 1 }), { nil: null }),
            fc.boolean(),
          ),
        ),
        ([n, parents, times, current, viaChildren]) => {
          const ids = Array.from({ length: n }, (_, i) => `n${i}`);
          const parentId = (p: number | null) => (p === null ? null : p < 0 ? `ghost${p}` : ids[p]!);
          const nodes: DagNode[] = ids.map((id, i) =>
            viaChildren
              ? { id, time: times[i]!, children: ids.filter((_, j) => parents[j] === i) }
              : { id, parent: parentId(parents[i]!), time: times[i]! },
          );
          const w = walkDag(nodes, {
            current: current === null ? null : current < 0 ? "ghost" : ids[current],
            branches: true,
          });
          const all = [...w.path, ...w.branches.flatMap((b) => b.nodeIds)];
          expect([...all].sort()).toEqual([...ids].sort());
          // Without any link the path is every node by time, not a parent chain.
          if (w.issues.some((i) => i.code === "no-links")) return;
          for (let i = 1; i < w.path.length; i++) expect(w.parentOf(w.path[i]!)).toBe(w.path[i - 1]);
          for (const b of w.branches) {
            expect(w.parentOf(b.nodeIds[0]!)).toBe(b.forkId);
            for (let i = 1; i < b.nodeIds.length; i++)
              expect(w.parentOf(b.nodeIds[i]!)).toBe(b.nodeIds[i - 1]);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
