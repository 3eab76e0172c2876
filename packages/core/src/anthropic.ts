// LLM extraction through @anthropic-ai/sdk arrives with the extraction work. Until then this entry
// exports nothing but the version marker, so importing it never pretends to extract facts.
/** Whether LLM extraction is available in this build. */
export const extractionAvailable = false as const;
