export type { ModelUsage } from "./model-usage.js";
export type { RunnerLogger } from "./runner-logger.js";
