/** A rate rule: at most `limit` units per `periodMs`, with bursts of up to `burst` units (GCRA). */
export interface RateRule {
  /** Names the dimension in `cost`, `remaining` and errors: letters, digits, `_` and `-`. */
  readonly name: string;
  /** Units admitted per `periodMs` on average (an integer >= 1). */
  readonly limit: number;
  /** The period of `limit`, in ms (an integer >= 1). */
  readonly periodMs: number;
  /** Units admitted at once from idle (an integer >= 1). @default limit */
  readonly burst?: number;
  /** `"key"`: one budget per `acquire` key; `"global"`: one budget shared by every key. @default "key" */
  readonly scope?: "key" | "global";
}

/** A concurrency rule: at most `concurrency` holds at once; a hold not released ends after `holdMs`. */
export interface ConcurrencyRule {
  readonly name: string;
  /** Holds allowed at once (an integer >= 1). */
  readonly concurrency: number;
  /** How long a hold lasts unless released first, in ms: a crashed holder's slot comes back after it. */
  readonly holdMs: number;
  /** @default "key" */
  readonly scope?: "key" | "global";
}

/** One dimension of a limiter. */
export type RateLimitRule = RateRule | ConcurrencyRule;

/** Units per rate rule name for one call; a rate rule left out is charged 1 (one request). */
export type RateLimitCost = Readonly<Record<string, number>>;
