import type Anthropic from "@anthropic-ai/sdk";
import pRetry, { AbortError } from "p-retry";
import type { TokenCounter } from "../chunk/token-counter.js";
import { BudgetExceededError } from "../errors/budget-exceeded-error.js";
import { contentHash } from "../util/hash.js";
import {
  FACTS_PROMPT_VERSION,
  FACTS_SYSTEM_PROMPT,
  FACTS_TOOL,
  FACTS_TOOL_NAME,
  type ExtractedFact,
  extractedFactsSchema,
} from "./fact-prompt.js";
import { type FactTryContext, sendFactTry } from "./fact-request-try.js";
import { type PackedConversation, renderPacked } from "./render-packed.js";
import { retriableStatus, retryAfterMsOf, toProviderError } from "./provider-retry.js";
import { sleep } from "../pipeline/sleep.js";

/** A request's conversations and text (a plan, or one half of a split one). */
export interface FactRequestBody {
  readonly id: string;
  readonly conversations: readonly PackedConversation[];
  readonly text: string;
}

/** Something a request could not do, reported on the job rather than repaired. */
export interface FactRequestIssue {
  readonly code: "facts_refused" | "facts_invalid" | "facts_too_long";
  readonly requestId: string;
  /** How many messages it left without facts. */
  readonly messages: number;
  readonly message: string;
}

/** Everything one request (its tries, retries and splits included) gave and cost. */
export interface FactRequestOutcome {
  readonly facts: ExtractedFact[];
  readonly issues: FactRequestIssue[];
  readonly tries: number;
  readonly splits: number;
  readonly costMicroUsd: number;
}

/** Options of `runFactRequest` beyond the try's. */
export interface RunFactRequestOptions extends FactTryContext {
  readonly counter: TokenCounter;
  /** Tries of one send after transient failures (429, 529, 5xx, dropped connections). @default 6 */
  readonly retries?: number;
  /** Marks the system prompt for prompt caching. @default true */
  readonly cache?: boolean;
  /** Backoff floor between tries, in ms. @default 500 */
  readonly minTimeoutMs?: number;
}

/**
 * Estimated input tokens of a request: the system prompt, the tool and the text. With `margin` (what
 * is reserved), 15 % and 64 tokens more: the API's own count can run above any local estimate, and a
 * reservation below the real cost could pass a cap.
 */
export function requestInputTokens(counter: TokenCounter, text: string, margin = true): number {
  const tokens =
    counter.count(FACTS_SYSTEM_PROMPT) + counter.count(JSON.stringify(FACTS_TOOL)) + counter.count(text);
  return margin ? Math.ceil(tokens * 1.15) + 64 : tokens;
}

export function factRequestBody(
  options: Pick<RunFactRequestOptions, "model" | "maxTokens" | "cache">,
  text: string,
): Anthropic.MessageCreateParamsNonStreaming {
  return {
    model: options.model,
    max_tokens: options.maxTokens,
    system: [
      {
        type: "text",
        text: FACTS_SYSTEM_PROMPT,
        ...(options.cache === false ? {} : { cache_control: { type: "ephemeral" as const } }),
      },
    ],
    tools: [FACTS_TOOL as unknown as Anthropic.Tool],
    tool_choice: { type: "tool", name: FACTS_TOOL_NAME },
    messages: [{ role: "user", content: [{ type: "text", text }] }],
  };
}

/** Halves of a request that ran out of `max_tokens`: by conversations, else by messages; `null` for one message. */
export function splitRequest(
  model: string,
  request: FactRequestBody,
): [FactRequestBody, FactRequestBody] | null {
  let parts: [PackedConversation[], PackedConversation[]];
  const cs = request.conversations;
  if (cs.length >= 2) {
    const half = Math.ceil(cs.length / 2);
    parts = [cs.slice(0, half), cs.slice(half)];
  } else if (cs.length === 1 && cs[0]!.messages.length >= 2) {
    const c = cs[0]!;
    const half = Math.ceil(c.messages.length / 2);
    parts = [[{ ...c, messages: c.messages.slice(0, half) }], [{ ...c, messages: c.messages.slice(half) }]];
  } else return null;
  const body = (conversations: PackedConversation[]): FactRequestBody => {
    const text = renderPacked(conversations);
    return { id: `fr_${contentHash(FACTS_PROMPT_VERSION, model, text)}`, conversations, text };
  };
  return [body(parts[0]), body(parts[1])];
}

export const messagesOf = (r: FactRequestBody) => r.conversations.reduce((n, c) => n + c.messages.length, 0);

/** The tool's input when the answer is a complete, valid call of it; otherwise why not. */
export function answerOf(
  message: Anthropic.Message,
): { facts: ExtractedFact[] } | { problem: FactRequestIssue["code"]; why: string } {
  if (message.stop_reason === "refusal") return { problem: "facts_refused", why: "the model refused" };
  const call = message.content.find((b) => b.type === "tool_use" && b.name === FACTS_TOOL_NAME);
  if (call?.type !== "tool_use") return { problem: "facts_invalid", why: "the answer did not call the tool" };
  const parsed = extractedFactsSchema.safeParse(call.input);
  if (!parsed.success)
    return {
      problem: "facts_invalid",
      why: `the answer failed validation: ${parsed.error.issues[0]?.message ?? "invalid"}`,
    };
  return { facts: parsed.data.facts };
}

/**
 * Runs one request to its end: each send retried on transient failures (honouring `retry-after`),
 * every try through the ledger and the limiter; an answer cut by `max_tokens` is split in two and
 * both halves run; a refusal or an answer failing validation is sent once more and then reported as
 * an issue. Nothing is ever repaired. A `BudgetExceededError` is never retried here.
 */
export async function runFactRequest(
  request: FactRequestBody,
  options: RunFactRequestOptions,
): Promise<FactRequestOutcome> {
  let tries = 0;
  let splits = 0;
  let costMicroUsd = 0;
  const facts: ExtractedFact[] = [];
  const issues: FactRequestIssue[] = [];
  const minTimeout = options.minTimeoutMs ?? 500;

  const send = (r: FactRequestBody) =>
    pRetry(
      async () => {
        tries++;
        try {
          const result = await sendFactTry(
            options,
            factRequestBody(options, r.text),
            requestInputTokens(options.counter, r.text),
          );
          costMicroUsd += result.costMicroUsd;
          return result.message;
        } catch (error) {
          if (BudgetExceededError.isInstance(error) || options.signal?.aborted)
            throw new AbortError(error as Error);
          if (!retriableStatus(error)) throw new AbortError(error as Error);
          throw error;
        }
      },
      {
        retries: options.retries ?? 6,
        minTimeout,
        factor: 2,
        maxTimeout: 8_000,
        randomize: true,
        signal: options.signal,
        onFailedAttempt: async ({ error }) => {
          const wait = retryAfterMsOf(error);
          if (wait > 0) await sleep(wait, options.signal);
        },
      },
    ).catch((error: unknown) => {
      throw toProviderError(error);
    });

  const step = async (r: FactRequestBody, retried: boolean): Promise<void> => {
    const message = await send(r);
    if (message.stop_reason === "max_tokens") {
      const halves = splitRequest(options.model, r);
      if (!halves) {
        issues.push({
          code: "facts_too_long",
          requestId: r.id,
          messages: messagesOf(r),
          message: "one message's facts did not fit max_tokens",
        });
        return;
      }
      splits++;
      await step(halves[0], false);
      await step(halves[1], false);
      return;
    }
    const answer = answerOf(message);
    if ("facts" in answer) {
      facts.push(...answer.facts);
      return;
    }
    if (!retried) return step(r, true);
    issues.push({
      code: answer.problem,
      requestId: r.id,
      messages: messagesOf(r),
      message: `${answer.why} twice`,
    });
  };

  await step(request, false);
  return { facts, issues, tries, splits, costMicroUsd };
}
