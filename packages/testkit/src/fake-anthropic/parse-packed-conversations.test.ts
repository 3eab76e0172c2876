import { describe, expect, it } from "vitest";
import { pack } from "./facts-request.test-helper.js";
import { parsePackedConversations } from "./parse-packed-conversations.js";

describe("parsePackedConversations", () => {
  it("reads conversations and messages, unescaping attributes and text, keeping blank and tag-like lines", () => {
    const text = 'a & b < c > d\n\n  "quoted" &amp; already\n</message> inside';
    const packed = pack([
      {
        conversationId: 'c"1&<>',
        title: "T",
        messages: [{ id: "m&1", role: "user", text, at: "2024-01-01T00:00:00Z" }],
      },
      {
        conversationId: "c2",
        messages: [
          { id: "m2", role: "assistant", text: "" },
          { id: "m3", role: "user", text: "x" },
        ],
      },
    ]);
    expect(parsePackedConversations(packed)).toEqual([
      { conversationId: 'c"1&<>', messageId: "m&1", role: "user", text },
      { conversationId: "c2", messageId: "m2", role: "assistant", text: "" },
      { conversationId: "c2", messageId: "m3", role: "user", text: "x" },
    ]);
  });

  const ok = pack([{ conversationId: "c", messages: [{ id: "m", role: "user", text: "hi" }] }]);
  const broken: [string, string, RegExp][] = [
    ["empty text", "", /no <conversation>/],
    ["plain text", "hello", /expected <conversation/],
    ["no id", ok.replace(' id="c"', ""), /id is missing/],
    ["an unknown attribute", ok.replace('id="m"', 'id="m" lang="en"'), /unknown attribute lang/],
    ["a repeated attribute", ok.replace('id="c"', 'id="c" id="d"'), /given twice/],
    ["a bad role", ok.replace('role="user"', 'role="system"'), /role must be/],
    ["no role", ok.replace(' role="user"', ""), /role is missing/],
    ["an unescaped quote or <", ok.replace("hi", "a <b>"), /unescaped < or >/],
    ["an unclosed conversation", ok.replace("\n</conversation>", ""), /is not closed by <\/conversation>/],
    ["text between messages", ok.replace("</message>\n", "</message>\nstray\n"), /expected <message/],
    ["a bare & in an attribute", ok.replace('id="c"', 'id="a&b"'), /unescaped &/],
  ];
  for (const [name, text, message] of broken) {
    it(`rejects ${name}`, () => {
      expect(() => parsePackedConversations(text)).toThrow(message);
    });
  }
});
