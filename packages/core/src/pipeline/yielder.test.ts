import { describe, expect, it } from "vitest";
import { createYielder } from "./yielder.js";

const spin = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // blocked event loop
  }
};

describe("createYielder", () => {
  it("yields a macrotask only once everyMs passed, so timers run between slices", async () => {
    const yielder = createYielder(30);
    let timerRan = false;
    setTimeout(() => {
      timerRan = true;
    }, 0);
    await yielder(); // too early: no real yield
    expect(timerRan).toBe(false);
    spin(35);
    await yielder();
    expect(timerRan).toBe(true);
  });

  it("throws the abort reason at the next yield point", async () => {
    const controller = new AbortController();
    const yielder = createYielder(0, controller.signal);
    controller.abort(new Error("stop here"));
    await expect(yielder()).rejects.toThrow("stop here");
  });
});
