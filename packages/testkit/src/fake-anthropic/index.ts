export type {
  FakeAnswer,
  FakeFact,
  FakeMessage,
  FakeUsage,
} from "./answer-message.js";
export { countFakeInputTokens, countFakeTokens, FAKE_OUTPUT_OVERHEAD_TOKENS } from "./count-fake-tokens.js";
export {
  createFakeAnthropic,
  type FakeAnthropic,
  type FakeAnthropicOptions,
  type FakeFaultTarget,
} from "./create-fake-anthropic.js";
export type { FakeAnthropicLogEntry, FakeRequestKind } from "./fake-anthropic-log.js";
export type { FakeBatchOptions, FakeBatchOutcome } from "./fake-batches.js";
export type { FakeFault } from "./fake-fault.js";
export { cacheMinimumTokens } from "./fake-prompt-cache.js";
export { type PackedMessage, parsePackedConversations } from "./parse-packed-conversations.js";
