// The JSON Schema subset a `strict: true` tool may use, as @anthropic-ai/sdk's own
// `transformJSONSchema` (lib/transform-json-schema.ts, 1.12) reduces schemas to before sending them:
// every other keyword (minimum, maximum, minLength, pattern, default, ...) is unsupported.
const KEYWORDS = new Set([
  "$schema",
  "$defs",
  "$ref",
  "enum",
  "const",
  "type",
  "anyOf",
  "allOf",
  "description",
  "title",
  "properties",
  "additionalProperties",
  "required",
  "format",
  "items",
  "minItems",
]);
const FORMATS = new Set([
  "date-time",
  "time",
  "date",
  "duration",
  "email",
  "hostname",
  "uri",
  "ipv4",
  "ipv6",
  "uuid",
]);

/**
 * Checks a strict tool's `input_schema` against what strict tool use supports; returns the first
 * problem as `path: reason`, or `null` when the schema is fine.
 */
export function checkStrictSchema(schema: unknown, path = "input_schema"): string | null {
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) {
    return `${path}: a schema must be an object`;
  }
  const node = schema as Record<string, unknown>;
  for (const key of Object.keys(node)) {
    if (!KEYWORDS.has(key)) return `${path}: '${key}' is not supported by strict tool use`;
  }
  if (node.type === "object" && node.additionalProperties !== false) {
    return `${path}: an object schema must set additionalProperties to false for strict tool use`;
  }
  if (node.minItems !== undefined && node.minItems !== 0 && node.minItems !== 1) {
    return `${path}: minItems other than 0 or 1 is not supported by strict tool use`;
  }
  if (typeof node.format === "string" && !FORMATS.has(node.format)) {
    return `${path}: format '${node.format}' is not supported by strict tool use`;
  }
  const children: [string, unknown][] = [];
  for (const key of ["properties", "$defs"] as const) {
    const map = node[key];
    if (map && typeof map === "object") {
      for (const [name, child] of Object.entries(map)) children.push([`${path}.${key}.${name}`, child]);
    }
  }
  if (node.items !== undefined) children.push([`${path}.items`, node.items]);
  for (const key of ["anyOf", "allOf"] as const) {
    const list = node[key];
    if (Array.isArray(list))
      for (const [i, child] of list.entries()) children.push([`${path}.${key}.${i}`, child]);
  }
  for (const [childPath, child] of children) {
    const problem = checkStrictSchema(child, childPath);
    if (problem) return problem;
  }
  return null;
}
