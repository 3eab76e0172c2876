import type Anthropic from "@anthropic-ai/sdk";

/** A client with the Messages API, or a function making one (called once per claim that needs it). */
export type FactsClient =
  | Pick<Anthropic, "messages">
  | (() => Pick<Anthropic, "messages"> | Promise<Pick<Anthropic, "messages">>);

/** The client an option stands for; without one, `new Anthropic()` with its own retries off. */
export async function clientOf(option: FactsClient | undefined): Promise<Pick<Anthropic, "messages">> {
  if (typeof option === "function") return option();
  if (option) return option;
  const { default: Anthropic } = await import("@anthropic-ai/sdk");
  return new Anthropic({ maxRetries: 0 });
}
