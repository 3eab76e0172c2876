/** One message of the PACKED text the extractor sends, with its text unescaped. */
export interface PackedMessage {
  readonly conversationId: string;
  readonly messageId: string;
  readonly role: "user" | "assistant";
  readonly text: string;
}

const OPEN_CONVERSATION = /^<conversation((?: [a-z]+="[^"]*")*)>$/;
const OPEN_MESSAGE = /^<message((?: [a-z]+="[^"]*")*)>$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;
const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"' };

/**
 * Parses the PACKED text of the facts wire contract (`<conversation ...>` blocks of `<message ...>`
 * blocks, joined by newlines) into its messages, unescaping attributes and text.
 * @throws Error naming the line and what is wrong, for any departure from the contract.
 */
export function parsePackedConversations(packed: string): PackedMessage[] {
  const lines = packed.split("\n");
  const out: PackedMessage[] = [];
  let conversations = 0;
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`line ${i + 1}: ${why}`);
  };
  while (i < lines.length) {
    const line = lines[i]!;
    if (line === "") {
      i++;
      continue;
    }
    const open =
      OPEN_CONVERSATION.exec(line) ?? fail(`expected <conversation id="..."> but found ${show(line)}`);
    const conv = attributes(open[1]!, ["id", "title", "created", "updated"], ["created", "updated"], fail);
    conversations++;
    i++;
    for (;;) {
      if (i >= lines.length) fail(`conversation "${conv.id}" is not closed by </conversation>`);
      const inner = lines[i]!;
      if (inner === "</conversation>") break;
      const msg =
        OPEN_MESSAGE.exec(inner) ??
        fail(`expected <message ...> or </conversation> but found ${show(inner)}`);
      const attrs = attributes(msg[1]!, ["id", "role", "at"], ["at"], fail);
      if (attrs.role !== "user" && attrs.role !== "assistant") fail(`role must be "user" or "assistant"`);
      const start = ++i;
      while (i < lines.length && lines[i] !== "</message>") {
        const text = lines[i]!;
        if (text === "</conversation>" || OPEN_MESSAGE.test(text) || OPEN_CONVERSATION.test(text)) {
          fail(`message "${attrs.id}" is not closed by </message>`);
        }
        checkText(text, fail);
        i++;
      }
      if (i >= lines.length) fail(`message "${attrs.id}" is not closed by </message>`);
      out.push({
        conversationId: conv.id!,
        messageId: attrs.id!,
        role: attrs.role as "user" | "assistant",
        text: unescapeEntities(lines.slice(start, i).join("\n")),
      });
      i++;
    }
    i++;
  }
  if (conversations === 0) throw new Error("no <conversation> block");
  return out;
}

function attributes(
  source: string,
  allowed: readonly string[],
  times: readonly string[],
  fail: (why: string) => never,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [, name, raw] of source.matchAll(/ ([a-z]+)="([^"]*)"/g)) {
    if (!allowed.includes(name!)) fail(`unknown attribute ${name} (allowed: ${allowed.join(", ")})`);
    if (name! in out) fail(`attribute ${name} given twice`);
    if (raw === "") fail(`attribute ${name} is empty; an unknown value is left out entirely`);
    if (/[<>]|&(?!(?:amp|quot|lt|gt);)/.test(raw!)) fail(`attribute ${name} has an unescaped & < or >`);
    const value = unescapeEntities(raw!);
    if (times.includes(name!) && !ISO.test(value)) fail(`attribute ${name} is not an ISO 8601 time`);
    out[name!] = value;
  }
  if (!out.id) fail("attribute id is missing");
  if (allowed.includes("role") && !out.role) fail("attribute role is missing");
  return out;
}

function checkText(line: string, fail: (why: string) => never): void {
  if (/[<>]/.test(line)) fail(`message text has an unescaped < or >: ${show(line)}`);
  if (/&(?!(?:amp|lt|gt);)/.test(line)) fail(`message text has an unescaped &: ${show(line)}`);
}

function unescapeEntities(text: string): string {
  return text.replace(/&(amp|lt|gt|quot);/g, (_, name: string) => ENTITIES[name]!);
}

function show(line: string): string {
  return JSON.stringify(line.length > 80 ? `${line.slice(0, 80)}...` : line);
}
