import { redactSecrets } from "@threadmill/core";

/** An error message fit for one stderr line: secrets redacted, `[threadmill]` tags dropped, one line. */
export function cleanMessage(message: string): string {
  return redactSecrets(message)
    .replace(/\[threadmill\]\s*/g, "")
    .replace(/\s*\n\s*/g, " ")
    .trim();
}
