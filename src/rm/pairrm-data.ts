// Training data for fine-tuning PairRM: preference pairs (or weakly labelled ones) as PairRM token rows, built
// by the same collation as inference (src/reward pairrm-input: [CLS] <|source|> … [SEP] [CLS] <|candidate1|> …
// [SEP] [CLS] <|candidate2|> … [SEP], llm-blender's budgets), every pair in both orders with labels q and 1 − q.
// Not the model (pairrm-model.ts) nor the loop. Upstream: llm_blender/pair_ranker/collator.py, ranker.py.
import type { Ranker } from "../reward/index.js";
import { type PairText, pairsOfRows, pairTexts, type RawRow, splitRows } from "./data.js";
import type { PairrmRewardModel } from "./pairrm-model.js";
import type { RmSettings } from "./settings.js";
import type { RmData } from "./trainer.js";

export interface PairrmExample {
  /** one row in pairRow layout */
  ids: number[];
  /** P(left ≻ right): the preference for (chosen, rejected), its complement for the mirrored row */
  label: number;
}

export interface BuildPairrmDataOptions {
  model: PairrmRewardModel;
  settings: RmSettings;
  evalRows?: RawRow[];
  evalPath?: string;
  labellingFunctions?: Ranker[];
}

/** Both orders of each pair (upstream shuffles the order per pair; training both removes the coin flip). */
export function pairrmExamples(model: PairrmRewardModel, pairs: PairText[]): PairrmExample[] {
  return pairs.flatMap((p) => {
    const [ab, ba] = model.pairRows(p.prompt, p.chosen, p.rejected);
    return [
      { ids: ab, label: p.preference },
      { ids: ba, label: 1 - p.preference },
    ];
  });
}

export async function buildPairrmData(
  rows: RawRow[],
  path: string,
  o: BuildPairrmDataOptions,
): Promise<{ data: RmData; note: string }> {
  const s = o.settings;
  const { pairs, note } = await pairsOfRows(rows, path, o.labellingFunctions);
  const evalPairs = o.evalRows ? pairTexts(o.evalRows, o.evalPath ?? "eval data") : null;
  const sp = evalPairs ? { train: pairs, test: evalPairs } : splitRows(pairs, s.eval_split, s.seed);
  return {
    data: {
      kind: "pairrm",
      train: pairrmExamples(o.model, sp.train),
      test: pairrmExamples(o.model, sp.test),
    },
    note: `${note ? `${note}; ` : ""}PairRM fine-tuning on ${sp.train.length} pairs (both orders), ${sp.test.length} held out`,
  };
}
