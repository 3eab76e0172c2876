/**
 * One kind of fact the export generator plants in user messages and the fake Anthropic server finds
 * again: its predicate, a natural sentence for an object, and the pattern that reads the object back.
 */
export interface PlantedFactTemplate {
  /** snake_case, as the facts wire contract names it (`lives_in`, `works_at`, ...). */
  readonly predicate: string;
  /** Whether the person holds one value at a time (a newer one supersedes an older one). */
  readonly singleValued: boolean;
  /** The objects the generator draws from (any object that `pattern` reads back works too). */
  readonly objects: readonly string[];
  /** The sentence stating the fact, as a person would write it: `I live in Lisbon.` */
  sentence(object: string): string;
  /** Global, unicode pattern whose first group is the object. */
  readonly pattern: RegExp;
}

/** A planted fact found in a text: the template's predicate, the object read back and where it was. */
export interface PlantedFactMatch {
  readonly predicate: string;
  readonly singleValued: boolean;
  readonly object: string;
  /** UTF-16 offset of the sentence in the text. */
  readonly index: number;
  readonly sentence: string;
}

// A capitalised name of one or more words ("Lisbon", "São Paulo", "Barnes & Noble").
const NAME = String.raw`\p{Lu}[\p{L}\p{N}'-]*(?: (?:&|and|of|de|do|da|\p{Lu}[\p{L}\p{N}'-]*))*`;
// Lower-case words ("green tea", "home-lab cluster").
const PHRASE = String.raw`\p{Ll}[\p{Ll} -]*\p{Ll}`;
const DAUGHTERS = ["Maya", "Inês", "Zoe", "Amara", "Chloé", "Hana"];
const SONS = ["Leo", "Tomás", "Kenji", "Oskar", "Arjun", "Noah"];

/** The facts the generator plants and the fake Anthropic server extracts, one template per predicate. */
export const PLANTED_FACT_TEMPLATES: readonly PlantedFactTemplate[] = [
  {
    predicate: "lives_in",
    singleValued: true,
    objects: ["Lisbon", "São Paulo", "Kyoto", "Nairobi", "Reykjavík", "New Orleans", "Zürich", "Cape Town"],
    sentence: (object) => `I live in ${object}.`,
    pattern: new RegExp(String.raw`\bI live in (${NAME})\.`, "gu"),
  },
  {
    predicate: "works_at",
    singleValued: true,
    objects: ["Acme Robotics", "Globex", "Initech", "Barnes & Noble", "Umbrella Labs", "Hooli"],
    sentence: (object) => `I work at ${object}.`,
    pattern: new RegExp(String.raw`\bI work at (${NAME})\.`, "gu"),
  },
  {
    predicate: "has_child",
    singleValued: false,
    objects: [...DAUGHTERS, ...SONS],
    sentence: (object) => `My ${SONS.includes(object) ? "son" : "daughter"} is called ${object}.`,
    pattern: /\bMy (?:daughter|son) is called (\p{Lu}\p{L}*)\./gu,
  },
  {
    predicate: "prefers",
    singleValued: false,
    objects: ["green tea", "window seats", "dark chocolate", "paper books", "early mornings", "jazz"],
    sentence: (object) => `I prefer ${object}.`,
    pattern: new RegExp(String.raw`\bI prefer (${PHRASE}|\p{Ll}+)\.`, "gu"),
  },
  {
    predicate: "works_on",
    singleValued: false,
    objects: [
      "compiler",
      "garden shed",
      "novel",
      "board game",
      "weather station",
      "espresso machine rebuild",
    ],
    sentence: (object) => `I'm working on ${/^[aeiou]/.test(object) ? "an" : "a"} ${object}.`,
    pattern: new RegExp(String.raw`\bI'm working on an? (${PHRASE}|\p{Ll}+)\.`, "gu"),
  },
];

/** Every planted-fact sentence in `text`, in order of appearance. Pure; `text` must be unescaped. */
export function findPlantedFacts(text: string): PlantedFactMatch[] {
  const found: PlantedFactMatch[] = [];
  for (const template of PLANTED_FACT_TEMPLATES) {
    for (const m of text.matchAll(template.pattern)) {
      found.push({
        predicate: template.predicate,
        singleValued: template.singleValued,
        object: m[1]!,
        index: m.index,
        sentence: m[0],
      });
    }
  }
  return found.sort((a, b) => a.index - b.index);
}
