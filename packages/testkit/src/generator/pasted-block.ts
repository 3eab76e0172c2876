import type { Prng } from "./create-prng.js";

/** What a person pastes into a chat: a fenced code block, or a long log pasted as is. */
export interface PastedBlock {
  readonly kind: "code" | "log";
  readonly text: string;
}

const NAMES = ["total", "row", "index", "payload", "retries", "buffer", "cursor", "limit"];
const LEVELS = ["INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR"];
const EVENTS = ["request done", "cache miss", "retrying upstream", "lease renewed", "flush", "timeout"];

/**
 * Draws a pasted block: a fenced code block of 4 to 30 lines (with `<`, `>` and `&` in it), or an
 * unfenced log of 40 to 200 lines. ASCII only, so every reader yields it unchanged.
 */
export function pastedBlock(rng: Prng): PastedBlock {
  if (rng.chance(0.5)) {
    const lines = [rng.pick(["```ts", "```python", "```", "```sql"])];
    const n = rng.int(4, 30);
    for (let i = 0; i < n; i++) {
      const a = rng.pick(NAMES);
      const b = rng.pick(NAMES);
      lines.push(
        rng.pick([
          `  if (${a} < ${b} && ${b} > 0) return ${a};`,
          `const ${a}${i} = ${b}.map((x) => x * ${rng.int(2, 9)});`,
          `  // ${a} & ${b} must stay in sync`,
          `SELECT ${a}, count(*) FROM t WHERE ${b} <> ${rng.int(0, 99)};`,
        ]),
      );
    }
    lines.push("```");
    return { kind: "code", text: lines.join("\n") };
  }
  const lines: string[] = [];
  const n = rng.int(40, 200);
  let ms = Date.UTC(2024, 2, 1) + rng.int(0, 86_400_000);
  for (let i = 0; i < n; i++) {
    ms += rng.int(1, 2000);
    lines.push(
      `${new Date(ms).toISOString()} ${rng.pick(LEVELS)} worker-${rng.int(1, 8)} ${rng.pick(EVENTS)} ` +
        `id=${rng.int(0, 0xffffff).toString(16)} latency_ms=${rng.int(1, 900)} status=${rng.pick([200, 200, 429, 500])}`,
    );
  }
  return { kind: "log", text: lines.join("\n") };
}
