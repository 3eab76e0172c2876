// The fake's own token count, independent of any tokenizer core uses, so a test that passes cannot
// be one that merely agrees with itself: a run of up to 6 letters, of up to 3 digits, or one symbol.
const TOKEN = /\p{L}{1,6}|\p{N}{1,3}|[^\s\p{L}\p{N}]/gu;

/** Fixed output tokens the fake adds to every answer, beside its content. */
export const FAKE_OUTPUT_OVERHEAD_TOKENS = 8;

/** Tokens of `text` as the fake counts them: matches of `/\p{L}{1,6}|\p{N}{1,3}|[^\s\p{L}\p{N}]/gu`. */
export function countFakeTokens(text: string): number {
  let n = 0;
  TOKEN.lastIndex = 0;
  while (TOKEN.exec(text) !== null) n++;
  return n;
}

/**
 * Input tokens of a Messages request as the fake counts them: the system text, the JSON of the
 * tools array, and every message's text (a non-text block counts as its JSON).
 */
export function countFakeInputTokens(body: {
  readonly system?: unknown;
  readonly tools?: unknown;
  readonly messages?: unknown;
}): number {
  let n = countSystemTokens(body.system, Infinity);
  if (Array.isArray(body.tools) && body.tools.length > 0) n += countFakeTokens(JSON.stringify(body.tools));
  if (Array.isArray(body.messages)) {
    for (const m of body.messages as { content?: unknown }[]) {
      const content = m?.content;
      if (typeof content === "string") n += countFakeTokens(content);
      else if (Array.isArray(content)) {
        for (const block of content as { type?: unknown; text?: unknown }[]) {
          n += countFakeTokens(
            block?.type === "text" && typeof block.text === "string" ? block.text : JSON.stringify(block),
          );
        }
      }
    }
  }
  return n;
}

/** Tokens of the system prompt's first `blocks` blocks (all of a string prompt). */
export function countSystemTokens(system: unknown, blocks: number): number {
  if (typeof system === "string") return countFakeTokens(system);
  if (!Array.isArray(system)) return 0;
  let n = 0;
  for (const block of system.slice(0, blocks) as { text?: unknown }[]) {
    if (typeof block?.text === "string") n += countFakeTokens(block.text);
  }
  return n;
}
