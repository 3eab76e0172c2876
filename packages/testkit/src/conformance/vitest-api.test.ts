import * as vitest from "vitest";
import { describe, expect, it } from "vitest";
import { vitestApi } from "./vitest-api.js";

describe("vitestApi", () => {
  it("returns the running vitest's own functions", () => {
    const api = vitestApi();
    expect(api.describe).toBe(vitest.describe);
    expect(api.it).toBe(vitest.it);
    expect(api.expect).toBe(vitest.expect);
    expect(api.onTestFinished).toBe(vitest.onTestFinished);
  });
});
