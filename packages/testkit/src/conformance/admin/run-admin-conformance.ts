import { describe } from "vitest";
import type { AdapterConformanceOptions } from "../conformance-context.js";
import { describeAdminCleanup } from "./describe-admin-cleanup.js";
import { describeAdminFind } from "./describe-admin-find.js";
import { describeAdminLibrary } from "./describe-admin-library.js";

/**
 * Registers the operations contract (`adapter.admin`) as vitest cases: finding stuck or failed jobs
 * across tenants, retention that removes exactly what it should (read back through every port), and
 * the store check behind a readiness endpoint.
 */
export function runAdminConformance(options: AdapterConformanceOptions): void {
  describe(`${options.name}: admin`, () => {
    describeAdminFind(options);
    describeAdminCleanup(options);
    describeAdminLibrary(options);
  });
}
