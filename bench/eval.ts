// Benchmark: AlpacaEval metrics (win rate, SE, counts, discrete win rate, average length) for 200 models
// × 805 annotations, from parsed annotation files. Target: under 1 s. Run: npx tsx bench/eval.ts
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type AnnotationFile, computeMetrics, parseAnnotations } from "../src/eval/index.js";

const dir = join(import.meta.dirname, "../../../shared/data/alpaca_eval/results");
const sources = ["alpaca-7b", "claude-2.1", "gpt-3.5-turbo-1106", "OpenHermes-2.5-Mistral-7B"].map(
  (m) =>
    JSON.parse(
      readFileSync(join(dir, m, "weighted_alpaca_eval_gpt4_turbo/annotations.json"), "utf8"),
    ) as Record<string, unknown>[],
);

// 200 synthetic models: real rows with jittered preferences, so no two models are identical.
let seed = 1;
const rand = (): number => {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return seed / 2 ** 32;
};
const files: AnnotationFile[] = [];
const tParse = performance.now();
for (let m = 0; m < 200; m++) {
  const src = sources[m % sources.length]!;
  const rows = src.map((r) => ({
    ...r,
    generator_2: `model-${m}`,
    preference: Math.min(2, Math.max(1, (r.preference as number) + (rand() - 0.5) * 0.2)),
  }));
  files.push(parseAnnotations(rows, `model-${m}.json`));
}
const parseMs = performance.now() - tParse;

const t0 = performance.now();
let check = 0;
for (const f of files) check += computeMetrics(f).win_rate;
const ms = performance.now() - t0;
console.log(
  `metrics: 200 models x 805 rows in ${ms.toFixed(1)} ms (${(ms / 200).toFixed(3)} ms/model); target < 1000 ms: ${ms < 1000 ? "ok" : "MISSED"}`,
);
// Reference run: the obvious implementation (code points by spreading each string, two-pass stats).
const t1 = performance.now();
let checkRef = 0;
for (const f of files) {
  const prefs = f.rows.flatMap((r) => (r.preference === null ? [] : [r.preference - 1]));
  const mean = prefs.reduce((a, b) => a + b, 0) / prefs.length;
  checkRef += mean * 100;
  Math.floor(f.rows.reduce((a, r) => a + [...r.output_2].length, 0) / f.rows.length);
}
const refMs = performance.now() - t1;
console.log(
  `naive reference in the same process: ${refMs.toFixed(1)} ms; speed-up ${(refMs / ms).toFixed(1)}x (same mean: ${Math.abs(check - checkRef) < 1e-6})`,
);
console.log(
  `validation of the parsed JSON (not timed above): ${parseMs.toFixed(1)} ms; mean win rate ${(check / 200).toFixed(3)}`,
);
