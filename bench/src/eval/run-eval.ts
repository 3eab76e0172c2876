// `pnpm eval facts`: scores fact extraction against testkit's hand-written golden set. With
// ANTHROPIC_API_KEY set it asks the real API (ANTHROPIC_BASE_URL and FACTS_MODEL respected) and
// costs a few cents; without, it runs mechanically against the fake server, whose recall only
// covers sentences in the planted-fact form.
import Anthropic from "@anthropic-ai/sdk";
import { extractFacts } from "@threadmill/core/anthropic";
import { createFakeAnthropic, FACTS_GOLDEN, scoreFacts } from "@threadmill/testkit";

const [what] = process.argv.slice(2);
if (what !== "facts") {
  process.stderr.write("usage: pnpm eval facts\n");
  process.exit(2);
}

const real = Boolean(process.env.ANTHROPIC_API_KEY);
const fake = real ? null : await createFakeAnthropic();
const client = new Anthropic({ maxRetries: 0, ...(fake ? { apiKey: "fake", baseURL: fake.url } : {}) });
const model = process.env.FACTS_MODEL ?? "claude-haiku-4-5";
try {
  const rows: string[] = ["| conversation | expected | found | extra |", "| --- | --- | --- | --- |"];
  let found = 0;
  let expected = 0;
  let extracted = 0;
  let extra = 0;
  let cost = 0;
  let requests = 0;
  for (const golden of FACTS_GOLDEN) {
    const result = await extractFacts([golden.conversation], { client, model });
    const score = scoreFacts(golden.expected, result.facts);
    const mine = result.facts.filter((f) => f.subject.toLowerCase() === "user");
    found += score.found.length;
    expected += golden.expected.length;
    extracted += mine.length;
    extra += score.extra.length;
    cost += result.costMicroUsd;
    requests += result.requests;
    const extras = score.extra.map((f) => `${f.predicate}=${f.object}`).join(", ");
    rows.push(
      `| ${golden.conversation.id} | ${golden.expected.length} | ${score.found.length} | ${extras || "-"} |`,
    );
  }
  const precision = extracted === 0 ? 1 : (extracted - extra) / extracted;
  const recall = expected === 0 ? 1 : found / expected;
  process.stdout.write(
    `## facts eval: ${real ? `${model} (real API)` : "the fake server (mechanical: it reads only planted-form sentences)"}\n\n` +
      `${rows.join("\n")}\n\n` +
      `precision ${precision.toFixed(2)} (${extracted - extra} of ${extracted} extracted facts expected), ` +
      `recall ${recall.toFixed(2)} (${found} of ${expected} expected facts found), ` +
      `${requests} requests, $${(cost / 1e6).toFixed(4)}\n`,
  );
} finally {
  await fake?.close();
}
