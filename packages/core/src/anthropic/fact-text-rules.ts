/** What of a conversation is sent for extraction; every rule cuts to an excerpt rather than dropping. */
export interface FactTextRules {
  /** Also send assistant messages (as context; facts still come from the person's words). @default false */
  readonly assistant?: boolean;
  /** A fenced code block (```) keeps this many characters, then a note of what was cut. @default 120 */
  readonly codeChars?: number;
  /**
   * A run of at least this many log-like lines (timestamps, levels, stack frames, tracebacks) keeps
   * its first two lines, then a note of what was cut. @default 6
   */
  readonly logLines?: number;
  /** A message longer than this keeps its start and end, cut in the middle. @default 6000 */
  readonly messageChars?: number;
}

/** The rules with their defaults filled in. */
export type ResolvedFactTextRules = Required<FactTextRules>;

/** Fills in the defaults of `FactTextRules`. */
export function resolveFactTextRules(rules: FactTextRules = {}): ResolvedFactTextRules {
  return {
    assistant: rules.assistant ?? false,
    codeChars: Math.max(0, rules.codeChars ?? 120),
    logLines: Math.max(2, rules.logLines ?? 6),
    messageChars: Math.max(200, rules.messageChars ?? 6000),
  };
}

const FENCE = /```[^\n]*\n[\s\S]*?(?:```|$)/g;
const LOG_LINE =
  /^\s*(?:\d{4}-\d\d-\d\d[ T]\d\d:\d\d|\[?\d\d:\d\d:\d\d|\[?(?:TRACE|DEBUG|INFO|WARN|WARNING|ERROR|FATAL|CRITICAL)\b|at [\w$.<>[\]]+ ?\(|File ".*", line \d+|Traceback \(most recent call last\)|[\w.]+(?:Error|Exception)(?::|$)|\s{2,}\S)/;

function cutCode(block: string, chars: number): string {
  if (block.length <= chars + 40) return block;
  const lines = block.split("\n").length;
  return `${block.slice(0, chars)}\n[code cut: ${lines} lines, ${block.length} characters]`;
}

function cutLogs(text: string, minLines: number): string {
  const lines = text.split("\n");
  const out: string[] = [];
  for (let i = 0; i < lines.length; ) {
    let j = i;
    while (j < lines.length && LOG_LINE.test(lines[j]!)) j++;
    if (j - i >= minLines) {
      out.push(lines[i]!, lines[i + 1]!, `[log cut: ${j - i - 2} more lines]`);
      i = j;
    } else {
      out.push(...lines.slice(i, Math.max(j, i + 1)));
      i = Math.max(j, i + 1);
    }
  }
  return out.join("\n");
}

function cutMiddle(text: string, chars: number): string {
  if (text.length <= chars) return text;
  const half = Math.floor(chars / 2);
  return `${text.slice(0, half)}\n[cut: ${text.length - 2 * half} characters]\n${text.slice(-half)}`;
}

/** The part of a message's text that is sent: code blocks and pasted logs cut to excerpts, then the length capped. */
export function factMessageText(text: string, rules: ResolvedFactTextRules): string {
  const code = text.replace(FENCE, (block) => cutCode(block, rules.codeChars));
  return cutMiddle(cutLogs(code, rules.logLines), rules.messageChars);
}
