// Makes the small sample exports under examples/data with the testkit generator (seeded: the same
// bytes on every machine). Run from the repository root: `pnpm tsx examples/data/make-samples.ts`.
import { stat } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { generateExportToFile } from "../../packages/testkit/src/index.js";

const here = (name: string) => fileURLToPath(new URL(name, import.meta.url));

const samples = [
  {
    file: "chatgpt-export.zip",
    // A ChatGPT export ZIP (conversations.json + side files): branches from edits and regenerations,
    // hidden system/tool/thought nodes, multimodal parts, attachments, custom instructions.
    options: { format: "chatgpt-zip", seed: 2026, targetBytes: 3_000_000, branches: 0.15 },
  },
  {
    file: "claude-export.zip",
    // A Claude.ai export ZIP: thinking/tool_use blocks, attachments, branches, legacy flat conversations.
    options: { format: "claude-zip", seed: 2026, targetBytes: 2_000_000, branches: 0.15 },
  },
] as const;

for (const { file, options } of samples) {
  const truth = await generateExportToFile(here(file), { ...options, truth: "full" });
  const branches = truth.conversations.reduce((n, c) => n + c.branches.length, 0);
  const attachments = truth.conversations.reduce(
    (n, c) => n + c.messages.reduce((m, msg) => m + msg.attachments.length, 0),
    0,
  );
  const { size } = await stat(here(file));
  console.log(
    `${file}: ${(size / 1e6).toFixed(2)} MB, ${truth.conversationCount} conversations, ${truth.messageCount} messages, ${branches} branches, ${attachments} attachments, ${truth.issues.length} expected issues`,
  );
}
