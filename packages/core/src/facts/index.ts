export { FACT_UNSUPPORTED, type Fact, type FactSource, factSchema, factSourceSchema } from "./fact.js";
export { factId, normaliseFactPart } from "./fact-id.js";
