// Computes the length-control figures of docs/rankers.md: for the PairRM-ranked LIMA sample and the
// UltraFeedback sample (GPT-4 scores), each length-control mode's mean chosen-minus-rejected length
// difference and its agreement with the original pairs. Usage: npx tsx scripts/length-control-figures.ts [--json]
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type LengthControl, lengthStudy, type StudyRow } from "../src/reward/index.js";

const sharedBeside = process.env.PREFLOOP_SHARED ?? join(import.meta.dirname, "../../shared");

export function loadPairrmSample(shared = sharedBeside): StudyRow[] {
  const file = `${shared}/data/prompts/pairrm_ranked_sample/GKNL_lima_preference_PairRM_mistral7b_instruct_v0.2.jsonl`;
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line, i) => {
      const r = JSON.parse(line) as { question: string; best_candidate: string; worst_candidate: string };
      // PairRM's ranks only: best 1, worst 0.
      return { promptId: `lima-${i}`, candidates: [r.best_candidate, r.worst_candidate], scores: [1, 0] };
    });
}

export function loadUltraFeedbackSample(shared = sharedBeside): StudyRow[] {
  const file = `${shared}/data/prompts/ultrafeedback_binarized_sample/train_clean.jsonl`;
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line, i) => {
      const r = JSON.parse(line) as {
        chosen: string;
        rejected: string;
        metadata: { score_chosen: number; score_rejected: number };
      };
      return {
        promptId: `uf-${i}`,
        candidates: [r.chosen, r.rejected],
        scores: [r.metadata.score_chosen, r.metadata.score_rejected],
      };
    });
}

export interface Mode {
  name: string;
  control: LengthControl;
  maxLengthRatio?: number;
}

/** λ is per 1000 characters, in the dataset's own score units (PairRM sample: 1 = best vs worst). */
export function modesFor(dataset: "pairrm" | "ultrafeedback"): Mode[] {
  const lambda = dataset === "pairrm" ? 1 : 0.25;
  return [
    { name: "none", control: { mode: "none" } },
    {
      name: `penalty λ=${lambda}/1000 chars`,
      control: { mode: "penalty", lambda, per: 1000, unit: "chars" },
    },
    { name: "residual (score ~ length)", control: { mode: "residual", unit: "chars" } },
    { name: "length ratio ≤ 2", control: { mode: "none" }, maxLengthRatio: 2 },
  ];
}

function main(): void {
  const out: Record<string, unknown[]> = {};
  for (const [name, rows] of [
    ["pairrm", loadPairrmSample()],
    ["ultrafeedback", loadUltraFeedbackSample()],
  ] as const) {
    out[name] = modesFor(name).map((m) => ({
      mode: m.name,
      ...lengthStudy(rows, m.control, m.maxLengthRatio ? { maxLengthRatio: m.maxLengthRatio } : {}),
    }));
  }
  if (process.argv.includes("--json")) {
    console.log(JSON.stringify(out, null, 2));
    return;
  }
  for (const [name, results] of Object.entries(out)) {
    console.log(
      `\n${name}\n| mode | pairs kept | agreement with original | mean len(chosen) − len(rejected) | mean abs diff |`,
    );
    console.log("|---|---|---|---|---|");
    for (const r of results as Array<Record<string, number | string>>) {
      const f = (x: number | string) => (typeof x === "number" ? x.toFixed(0) : x);
      console.log(
        `| ${r.mode} | ${r.kept}/${r.pairs} | ${((r.agreement as number) * 100).toFixed(1)}% | ${f(r.meanLengthDiff)} | ${f(r.meanAbsLengthDiff)} |`,
      );
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) main();
