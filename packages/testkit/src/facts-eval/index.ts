export { FACTS_GOLDEN, type GoldenConversation, type GoldenFact } from "./facts-golden.js";
export { type FactsScore, factMatches, scoreFacts } from "./score-facts.js";
