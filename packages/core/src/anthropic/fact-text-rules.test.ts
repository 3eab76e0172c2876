import { describe, expect, it } from "vitest";
import { factMessageText, resolveFactTextRules } from "./fact-text-rules.js";

const rules = resolveFactTextRules();

describe("factMessageText", () => {
  it("keeps plain prose whole", () => {
    const text = "I live in Lisbon and I work at Acme.\nMy daughter is called Maya.";
    expect(factMessageText(text, rules)).toBe(text);
  });

  it("cuts a fenced code block to an excerpt and says so", () => {
    const code = Array.from({ length: 80 }, (_, i) => `const v${i} = compute(${i}); // step ${i}`).join("\n");
    const text = `I work at Acme.\n\`\`\`ts\n${code}\n\`\`\`\nWhy does it fail?`;
    const sent = factMessageText(text, rules);
    expect(sent).toContain("I work at Acme.");
    expect(sent).toContain("Why does it fail?");
    expect(sent).toMatch(/\[code cut: 82 lines, \d+ characters\]/);
    expect(sent).not.toContain("v79");
    expect(sent.length).toBeLessThan(text.length / 5);
  });

  it("cuts a pasted log to its first two lines", () => {
    const log = Array.from(
      { length: 40 },
      (_, i) => `2026-03-01 10:00:${String(i).padStart(2, "0")} ERROR worker ${i} failed`,
    ).join("\n");
    const sent = factMessageText(`My server keeps crashing:\n${log}\nI'm in Porto.`, rules);
    expect(sent).toContain("worker 1 failed");
    expect(sent).not.toContain("worker 2 failed");
    expect(sent).toContain("[log cut: 38 more lines]");
    expect(sent).toContain("I'm in Porto.");
  });

  it("cuts a Python traceback", () => {
    const trace = [
      "Traceback (most recent call last):",
      ...Array.from({ length: 10 }, (_, i) => `  File "app.py", line ${i + 1}, in f${i}`),
      "ValueError: bad",
    ].join("\n");
    const sent = factMessageText(trace, rules);
    expect(sent).toContain("[log cut: 10 more lines]");
    expect(sent).not.toContain("f9");
  });

  it("caps a very long message, keeping its start and end", () => {
    const text = `I live in Oslo. ${"blah ".repeat(5000)}I prefer tea.`;
    const sent = factMessageText(text, resolveFactTextRules({ messageChars: 1000 }));
    expect(sent.length).toBeLessThan(1100);
    expect(sent.startsWith("I live in Oslo.")).toBe(true);
    expect(sent.endsWith("I prefer tea.")).toBe(true);
  });

  it("keeps a short code block whole", () => {
    const text = "Use `x`:\n```js\nlet x = 1;\n```";
    expect(factMessageText(text, rules)).toBe(text);
  });
});
