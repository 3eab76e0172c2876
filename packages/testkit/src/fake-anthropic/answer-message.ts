import { findPlantedFacts } from "../planted-facts/planted-facts.js";
import { countFakeInputTokens, countFakeTokens, FAKE_OUTPUT_OVERHEAD_TOKENS } from "./count-fake-tokens.js";
import type { FakeFault } from "./fake-fault.js";
import type { FakePromptCache } from "./fake-prompt-cache.js";
import type { ValidRequest } from "./validate-message-request.js";

/** A fact as the fake's `record_facts` tool input carries it (the wire contract's shape). */
export interface FakeFact {
  readonly subject: "user";
  readonly predicate: string;
  readonly object: string;
  readonly confidence: number;
  readonly sources: { readonly conversationId: string; readonly messageId: string }[];
}

/** The `usage` of an answer, as the API reports it. */
export interface FakeUsage {
  readonly input_tokens: number;
  readonly output_tokens: number;
  readonly cache_creation_input_tokens: number;
  readonly cache_read_input_tokens: number;
  readonly cache_creation: {
    readonly ephemeral_5m_input_tokens: number;
    readonly ephemeral_1h_input_tokens: number;
  };
  readonly server_tool_use: null;
  readonly service_tier: "standard" | "batch";
  readonly inference_geo: null;
  readonly output_tokens_details: null;
  readonly speed: null;
}

/** A Messages API answer as the fake writes it. */
export interface FakeMessage {
  readonly id: string;
  readonly type: "message";
  readonly role: "assistant";
  readonly model: string;
  readonly content: Record<string, unknown>[];
  readonly stop_reason: "tool_use" | "max_tokens" | "refusal" | "end_turn";
  readonly stop_sequence: null;
  readonly stop_details: { type: "refusal"; category: null; explanation: null } | null;
  readonly container: null;
  readonly diagnostics: null;
  readonly usage: FakeUsage;
}

/** What the fake answered: the message, and the user message ids it answered in full (empty if not). */
export interface FakeAnswer {
  readonly message: FakeMessage;
  readonly answered: string[];
}

/** The tool input of the `invalid` fault: no object, a string confidence, no sources. */
const INVALID_INPUT = {
  facts: [{ subject: "user", predicate: "lives_in", confidence: "high", sources: [] }],
};

/**
 * Answers a valid request: one fact per planted sentence in its user messages, unless `fault`
 * breaks the answer (`max_tokens`, `invalid`, `refusal`, `text`). An answer whose facts would pass
 * `max_tokens` is cut to the facts that fit, with stop_reason `max_tokens`, as the API does.
 */
export function answerMessage(
  request: ValidRequest,
  fault: FakeFault | undefined,
  deps: {
    readonly cache: FakePromptCache;
    readonly nextId: (prefix: string) => string;
    readonly batch: boolean;
  },
): FakeAnswer {
  const { body, packed } = request;
  const facts: FakeFact[] = [];
  for (const m of packed) {
    if (m.role !== "user") continue;
    for (const f of findPlantedFacts(m.text)) {
      const sources = [{ conversationId: m.conversationId, messageId: m.messageId }];
      facts.push({ subject: "user", predicate: f.predicate, object: f.object, confidence: 0.9, sources });
    }
  }
  const outputOf = (value: unknown) => countFakeTokens(JSON.stringify(value)) + FAKE_OUTPUT_OVERHEAD_TOKENS;
  const tool = (input: unknown) => ({
    type: "tool_use",
    id: deps.nextId("toolu"),
    name: "record_facts",
    input,
    caller: { type: "direct" },
  });
  let content: Record<string, unknown>[];
  let stop: FakeMessage["stop_reason"] = "tool_use";
  let output: number;
  let complete = false;
  if (fault?.kind === "max_tokens") {
    const half = facts.slice(0, Math.floor(facts.length / 2));
    content = [tool(half.length > 0 ? { facts: half } : {})];
    stop = "max_tokens";
    output = body.max_tokens;
  } else if (fault?.kind === "invalid") {
    content = [tool(INVALID_INPUT)];
    output = outputOf(INVALID_INPUT);
  } else if (fault?.kind === "refusal") {
    content = [];
    stop = "refusal";
    output = 3;
  } else if (fault?.kind === "text") {
    const text = `I found ${facts.length} facts, but I will describe them instead of calling the tool.`;
    content = [{ type: "text", text, citations: null }];
    stop = "end_turn";
    output = outputOf(text);
  } else {
    output = outputOf({ facts });
    if (output <= body.max_tokens) {
      content = [tool({ facts })];
      complete = true;
    } else {
      let fit = facts.length - 1;
      while (fit > 0 && outputOf({ facts: facts.slice(0, fit) }) > body.max_tokens) fit--;
      content = [tool(fit > 0 ? { facts: facts.slice(0, fit) } : {})];
      stop = "max_tokens";
      output = body.max_tokens;
    }
  }
  const message: FakeMessage = {
    id: deps.nextId("msg"),
    type: "message",
    role: "assistant",
    model: body.model,
    content,
    stop_reason: stop,
    stop_sequence: null,
    stop_details: stop === "refusal" ? { type: "refusal", category: null, explanation: null } : null,
    container: null,
    diagnostics: null,
    usage: usageOf(request, output, deps),
  };
  const answered = complete ? packed.filter((m) => m.role === "user").map((m) => m.messageId) : [];
  return { message, answered };
}

function usageOf(
  request: ValidRequest,
  output: number,
  deps: { readonly cache: FakePromptCache; readonly batch: boolean },
): FakeUsage {
  const total = countFakeInputTokens(request.body);
  const cache = deps.cache.use(request.body);
  return {
    input_tokens: total - cache.creation - cache.read,
    output_tokens: output,
    cache_creation_input_tokens: cache.creation,
    cache_read_input_tokens: cache.read,
    cache_creation: {
      ephemeral_5m_input_tokens: cache.ttl === "5m" ? cache.creation : 0,
      ephemeral_1h_input_tokens: cache.ttl === "1h" ? cache.creation : 0,
    },
    server_tool_use: null,
    service_tier: deps.batch ? "batch" : "standard",
    inference_geo: null,
    output_tokens_details: null,
    speed: null,
  };
}
