import type { Prng } from "./create-prng.js";

const ASCII_WORDS =
  "the of and to in is you that it for on with as are this be at have or from by not but what all were when we there can an your which their said if do will each about how up out them then she many some so these would other into has more her two like him see time could no make than first been its who now people my made over did down only way find use may water long little very after words called just where most know get through back much before go good new write our used me man too any day same right look think also around another came come work three word must because does part even place well such here take why things help put years different away again off went old number great tell men say small every found still between name should home big give air line set own under read last never us left end along while might next sound below saw something thought both few those always looked show large often together asked house world going want school important until form food keep children feet land side without boy once animals life enough took sometimes four head above kind began almost live page got earth need far hand high year mother light parts country father let night following picture being study second eyes soon times story boys since white days ever paper hard near sentence better best across during today others however sure means knew try told young miles sun ways thing whole hear example heard several change answer room sea against top turned learn point city play toward five using himself usually".split(
    " ",
  );
const NON_ASCII_WORDS = [
  "café",
  "naïve",
  "über",
  "東京",
  "日本語",
  "данные",
  "שלום",
  "مرحبا",
  "😀",
  "🚀",
  "façade",
  "Ærø",
  "ℕ",
  "𝔘𝔫𝔦",
];

/** Words of generated text: mostly English, some non-ASCII when `nonAscii` is set. */
export function words(rng: Prng, count: number, nonAscii: boolean): string {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    out.push(nonAscii && rng.chance(0.01) ? rng.pick(NON_ASCII_WORDS) : rng.pick(ASCII_WORDS));
  }
  return out.join(" ");
}

/** A paragraph-structured text of about `chars` characters. */
export function paragraphText(rng: Prng, chars: number, nonAscii: boolean): string {
  const paragraphs: string[] = [];
  let size = 0;
  while (size < chars) {
    const sentences: string[] = [];
    const n = rng.int(1, 5);
    for (let s = 0; s < n; s++) {
      const w = words(rng, rng.int(4, 18), nonAscii);
      sentences.push(w.charAt(0).toUpperCase() + w.slice(1) + rng.pick([".", ".", ".", "?", "!"]));
    }
    const p = sentences.join(" ");
    paragraphs.push(p);
    size += p.length + 2;
  }
  return paragraphs.join("\n\n");
}
