export { buildChatgptConversation, type BuiltConversation } from "./build-chatgpt-conversation.js";
export { buildClaudeConversation } from "./build-claude-conversation.js";
export type { ConversationKnobs } from "./conversation-knobs.js";
export { createPrng, type Prng } from "./create-prng.js";
export {
  emptyExportTruth,
  type ExpectedIssue,
  type ExportTruth,
  type TruthBranch,
  type TruthConversation,
  type TruthMessage,
  type TruthPaste,
  type TruthPlantedFact,
} from "./export-truth.js";
export { collectBytes } from "./collect-bytes.js";
export { type GeneratedExport, generateExport } from "./generate-export.js";
export type { GeneratedExportFormat, GenerateExportOptions } from "./generate-export-options.js";
export { generateFiles } from "./generate-files.js";
export { type GeneratedFile, planFiles } from "./plan-files.js";
export { generateExportToFile } from "./generate-export-to-file.js";
export { type EvolvedExport, type EvolveExportOptions, evolveChatgptExport } from "./evolve-export.js";
