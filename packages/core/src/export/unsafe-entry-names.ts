import { isUnsafeEntryName } from "../source/zip-archive.js";
import type { ParseIssue } from "./parse-issue.js";

/** The issue for an entry whose name would leave its archive's or folder's root (`../x`, `/x`, `C:\\x`). */
export function unsafeNameIssue(name: string, outcome: string): ParseIssue {
  return {
    code: "unsafe-entry-name",
    message: `entry ${JSON.stringify(name)} has a name that leaves its folder; ${outcome}`,
    entry: name,
  };
}

/** The names of a folder-like source that stay inside it; the others are reported and never opened. */
export function keepSafeNames(names: readonly string[], report: (issue: ParseIssue) => void): string[] {
  return names.filter((name) => {
    if (!isUnsafeEntryName(name)) return true;
    report(unsafeNameIssue(name, "not opened"));
    return false;
  });
}
