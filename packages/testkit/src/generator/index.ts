export { buildChatgptConversation, type BuiltConversation } from "./build-chatgpt-conversation.js";
export { buildClaudeConversation } from "./build-claude-conversation.js";
export type { ConversationKnobs } from "./conversation-knobs.js";
export { createPrng, type Prng } from "./create-prng.js";
export type {
  ExpectedIssue,
  ExportTruth,
  TruthBranch,
  TruthConversation,
  TruthMessage,
} from "./export-truth.js";
export {
  collectBytes,
  type GeneratedExport,
  type GeneratedExportFormat,
  type GeneratedFile,
  type GenerateExportOptions,
  generateExport,
  generateFiles,
  planFiles,
} from "./generate-export.js";
export { generateExportToFile } from "./generate-export-to-file.js";
