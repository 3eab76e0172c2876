import { checkStrictSchema } from "./check-strict-schema.js";
import { type PackedMessage, parsePackedConversations } from "./parse-packed-conversations.js";

/** Why the fake refuses a request, as the API would say it. */
export interface RequestProblem {
  readonly status: 400 | 404;
  readonly type: "invalid_request_error" | "not_found_error";
  readonly message: string;
}

/** A Messages request the fake accepted: its body and the PACKED messages of its user turns. */
export interface ValidRequest {
  readonly body: MessageRequestBody;
  readonly packed: PackedMessage[];
}

/** The fields of a Messages request body the fake reads. */
export interface MessageRequestBody {
  readonly model: string;
  readonly max_tokens: number;
  readonly messages: { readonly role: string; readonly content: unknown }[];
  readonly system?: unknown;
  readonly tools?: unknown[];
  readonly tool_choice?: unknown;
  readonly [key: string]: unknown;
}

const CREATE_KEYS = new Set([
  "model",
  "max_tokens",
  "messages",
  "system",
  "tools",
  "tool_choice",
  "metadata",
  "temperature",
  "top_p",
  "top_k",
  "stop_sequences",
  "stream",
  "thinking",
  "service_tier",
  "container",
  "cache_control",
  "diagnostics",
  "inference_geo",
  "output_config",
  "speed",
  "mcp_servers",
  "context_management",
]);
const COUNT_KEYS = new Set([
  "model",
  "messages",
  "system",
  "tools",
  "tool_choice",
  "thinking",
  "cache_control",
]);
const TOOL = "record_facts";

const invalid = (message: string): RequestProblem => ({
  status: 400,
  type: "invalid_request_error",
  message,
});
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Validates a `POST /v1/messages` body: the API's own rules (required fields, types, unknown keys,
 * unique tool names, strict tool schemas) and the facts wire contract (the `record_facts` tool,
 * forced by `tool_choice`, and PACKED text in every user turn).
 */
export function validateMessageRequest(body: unknown): { problem: RequestProblem } | ValidRequest {
  const common = validateCommon(body, CREATE_KEYS);
  if (common) return { problem: common };
  const b = body as MessageRequestBody;
  if (!Number.isInteger(b.max_tokens)) return { problem: invalid("max_tokens: Field required (an integer)") };
  if (b.max_tokens < 1) return { problem: invalid("max_tokens: Input should be greater than or equal to 1") };
  if (b.stream === true)
    return { problem: invalid("fake-anthropic: streaming is not modelled; send stream: false") };
  if (b.metadata !== undefined) {
    if (!isObject(b.metadata)) return { problem: invalid("metadata: Input should be an object") };
    const extra = Object.keys(b.metadata).find((k) => k !== "user_id");
    if (extra) return { problem: invalid(`metadata.${extra}: Extra inputs are not permitted`) };
  }
  const tools = (b.tools ?? []) as Record<string, unknown>[];
  const facts = tools.find((t) => t.name === TOOL);
  if (!facts) return { problem: invalid(`fake-anthropic: the facts contract needs a tool named "${TOOL}"`) };
  const schema = facts.input_schema as Record<string, unknown>;
  if (!isObject(schema.properties) || !("facts" in schema.properties)) {
    return { problem: invalid(`fake-anthropic: ${TOOL}.input_schema must declare the property "facts"`) };
  }
  const choice = b.tool_choice as Record<string, unknown> | undefined;
  if (choice?.type === "tool" && !tools.some((t) => t.name === choice.name)) {
    return { problem: invalid(`tool_choice.name: no tool named ${JSON.stringify(choice.name)} in tools`) };
  }
  if (choice?.type !== "tool" || choice.name !== TOOL) {
    return { problem: invalid(`fake-anthropic: tool_choice must be { type: "tool", name: "${TOOL}" }`) };
  }
  if (isObject(b.thinking) && b.thinking.type !== "disabled") {
    return { problem: invalid("Thinking may not be enabled when tool_choice forces tool use.") };
  }
  const packed: PackedMessage[] = [];
  for (const [i, m] of b.messages.entries()) {
    if (m.role !== "user") continue;
    const blocks = typeof m.content === "string" ? [{ type: "text", text: m.content }] : m.content;
    for (const [j, block] of (blocks as { type: string; text?: string }[]).entries()) {
      if (block.type !== "text") continue;
      try {
        packed.push(...parsePackedConversations(block.text!));
      } catch (error) {
        const why = (error as Error).message;
        return { problem: invalid(`fake-anthropic: messages.${i}.content.${j}.text is not PACKED: ${why}`) };
      }
    }
  }
  return { body: b, packed };
}

/** Validates a `POST /v1/messages/count_tokens` body; returns the problem or `null`. */
export function validateCountTokensRequest(body: unknown): RequestProblem | null {
  return validateCommon(body, COUNT_KEYS);
}

/** What both endpoints require: known keys, a model, messages, a system prompt and tools of the right shape. */
function validateCommon(body: unknown, keys: ReadonlySet<string>): RequestProblem | null {
  if (!isObject(body)) return invalid("The request body is not valid JSON (an object).");
  const extra = Object.keys(body).find((k) => !keys.has(k));
  if (extra) return invalid(`${extra}: Extra inputs are not permitted`);
  if (typeof body.model !== "string" || body.model === "") return invalid("model: Field required");
  if (!body.model.startsWith("claude-")) {
    return { status: 404, type: "not_found_error", message: `model: ${body.model}` };
  }
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0)
    return invalid("messages: at least one message is required");
  for (const [i, m] of messages.entries()) {
    if (!isObject(m) || (m.role !== "user" && m.role !== "assistant")) {
      return invalid(`messages.${i}.role: Input should be 'user' or 'assistant'`);
    }
    const ok =
      typeof m.content === "string" ||
      (Array.isArray(m.content) &&
        m.content.length > 0 &&
        m.content.every((c) => isObject(c) && typeof c.type === "string"));
    if (!ok) return invalid(`messages.${i}.content: a string or a non-empty list of content blocks`);
    if (Array.isArray(m.content) && m.content.some((c) => c.type === "text" && typeof c.text !== "string")) {
      return invalid(`messages.${i}.content: a text block needs a string text`);
    }
  }
  const system = body.system;
  if (system !== undefined && typeof system !== "string") {
    if (
      !Array.isArray(system) ||
      !system.every((s) => isObject(s) && s.type === "text" && typeof s.text === "string")
    ) {
      return invalid("system: a string or a list of text blocks");
    }
  }
  if (body.tools !== undefined) {
    if (!Array.isArray(body.tools)) return invalid("tools: Input should be a valid list");
    const names = new Set<string>();
    for (const [i, tool] of body.tools.entries()) {
      if (!isObject(tool) || typeof tool.name !== "string") return invalid(`tools.${i}.name: Field required`);
      if (names.has(tool.name)) return invalid("tools: Tool names must be unique.");
      names.add(tool.name);
      const schema = tool.input_schema;
      if (!isObject(schema) || schema.type !== "object")
        return invalid(`tools.${i}.input_schema: type must be 'object'`);
      const problem = tool.strict === true ? checkStrictSchema(schema, `tools.${i}.input_schema`) : null;
      if (problem) return invalid(problem);
    }
  }
  return null;
}
