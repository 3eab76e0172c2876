/** What one model call consumed, as a stage reports it through `StageContext.recordUsage`. */
export interface ModelUsage {
  /** The model id, for example `claude-haiku-4-5`. */
  readonly model: string;
  /** Input tokens billed at the input price (cache reads and writes not included). */
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Input tokens read from the prompt cache. @default 0 */
  readonly cacheReadTokens?: number;
  /** Input tokens written to the prompt cache. @default 0 */
  readonly cacheWriteTokens?: number;
  /** What the call cost, in integer micro-dollars (1 USD = 1,000,000). */
  readonly costMicroUsd: number;
}
