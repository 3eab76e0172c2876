import type { ExportTruth } from "./export-truth.js";
import type { GenerateExportOptions } from "./generate-export-options.js";
import { GenerationRun } from "./generation-run.js";
import { type GeneratedFile, planFiles } from "./plan-files.js";

/**
 * Every element of every file, in order: for each file the JSON texts of its elements. Shared by the
 * JSON and ZIP writers so both produce the same conversations for a seed.
 */
export async function* generateFiles(
  options: GenerateExportOptions,
  truth: ExportTruth,
): AsyncGenerator<{ file: GeneratedFile; elements: AsyncGenerator<string> }> {
  const files = planFiles(options);
  const run = new GenerationRun(options, truth, files.length);
  for (const file of files) {
    yield { file, elements: fileElements(run, file, file.shard === files.length - 1) };
  }
}

/**
 * The elements of one file, until its share is made: `conversations` split evenly over the shards
 * (the last takes the rest), or `targetBytes` likewise. The last file also takes every long, huge
 * and malformed conversation not placed yet.
 */
async function* fileElements(run: GenerationRun, file: GeneratedFile, last: boolean): AsyncGenerator<string> {
  let inShard = 0;
  let shardBytes = 0;
  for (;;) {
    const done =
      run.exact !== undefined
        ? run.made >= run.exact || (!last && inShard >= run.perShard)
        : last
          ? run.bytes >= run.target
          : shardBytes >= run.shardTarget;
    if (done && !run.extrasLeft) break;
    if (done && !last) break;
    let json: string;
    if (run.malformedLeft > 0 && (done || run.rng.chance(0.2))) {
      json = run.malformed();
    } else if (run.duplicateDue(file.shard)) {
      json = run.duplicate();
    } else {
      json = run.conversation(file.shard, done);
      inShard++;
    }
    run.bytes += json.length;
    shardBytes += json.length;
    yield json;
  }
}
