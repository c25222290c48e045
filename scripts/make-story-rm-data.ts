// Builds reward-model training data for the default recipe from prefloop's own outputs: samples of the base
// model (stories260K) at several temperatures on story prompts that are NOT the run's held-out (judge) prompts,
// labelled by the recipe's own ranker (the story suite). Not the run itself: scripts/story-rm-run.sh chains this
// with `prefloop rm train` and `prefloop run --set rank.ranker=classifier:<dir>`.
// Usage: npx tsx scripts/make-story-rm-data.ts --out DIR [--prompts 600] [--n 4] [--temperatures 0.8,1,1.2]
//        [--min-gap 0.2] [--max-pairs-per-prompt 0] [--swap-pairs 0]
//        [--reuse-samples] [--eval-fraction 0.1] [--seed 13]
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bundledRecipePath, loadRecipe, type Recipe, resolveRecipePaths } from "../src/config/index.js";
import { openLocalGenerator } from "../src/generate/index.js";
import { defaultComponents, seedFor } from "../src/pipeline/index.js";
import { allNames, buildRanker, protagonist } from "../src/reward/index.js";
import { mulberry32 } from "../src/util/random.js";
import { makeStoryPrompts } from "./make-story-prompts.js";

export interface RmDataOptions {
  out: string;
  /** distinct prompts: the recipe's training prompts first, then fresh ones from make-story-prompts */
  prompts: number;
  /** samples per prompt and temperature */
  n: number;
  temperatures: number[];
  /** pairs: every pair of one prompt's samples whose suite scores differ by at least this */
  minGap: number;
  /** at most this many pairs per prompt (a seeded choice), so a few prompts do not dominate; 0 = all */
  maxPairsPerPrompt: number;
  /**
   * name-swap counterfactuals per prompt: a sample that names the protagonist, paired with the same text with the
   * name replaced by another story name; the suite labels both (only its character term differs). 0 = none.
   */
  swapPairs: number;
  /** rebuild the pair files from an existing samples.jsonl in `out` instead of sampling again */
  reuseSamples: boolean;
  /** share of prompts (not pairs) kept apart for the reward model's held-out accuracy */
  evalFraction: number;
  seed: number;
}

interface SampleGroup {
  prompt_id: string;
  prompt: string;
  split: "train" | "eval";
  responses: string[];
  temperatures: number[];
  scores: number[];
}

const writeJsonl = (path: string, rows: unknown[]): void => {
  writeFileSync(`${path}.tmp`, rows.map((r) => `${JSON.stringify(r)}\n`).join(""));
  renameSync(`${path}.tmp`, path);
};

type SuiteRanker = { score(prompt: string, candidates: string[]): Promise<{ scores: number[] }> };

/** Samples every prompt at every temperature (seeds from the prompt and temperature) and scores each group. */
async function sampleGroups(
  o: RmDataOptions,
  resolved: Recipe,
  prompts: Array<{ prompt: string; id: string; u: number }>,
  ranker: SuiteRanker,
): Promise<SampleGroup[]> {
  const generator = await openLocalGenerator(resolved.model.path, { maxBatchRows: 32 });
  const g = resolved.generate;
  const groups: SampleGroup[] = [];
  const perCall = Math.max(1, Math.floor(32 / o.n));
  for (let i = 0; i < prompts.length; i += perCall) {
    const batch = prompts.slice(i, i + perCall);
    const requests = batch.flatMap((p) =>
      o.temperatures.map((t) => ({
        prompt: { raw: p.prompt },
        n: o.n,
        sampling: {
          temperature: t,
          topP: g.top_p,
          topK: g.top_k,
          minP: g.min_p,
          maxTokens: g.max_tokens,
          stop: g.stop,
          seed: seedFor(o.seed, "rm-data", t, p.id),
        },
      })),
    );
    const out = await generator.generate(requests);
    for (const [j, p] of batch.entries()) {
      const samples = o.temperatures.flatMap((t, k) =>
        out[j * o.temperatures.length + k].map((s) => ({ t, s })),
      );
      const responses = samples.map((x) => x.s.text);
      const { scores } = await ranker.score(p.prompt, responses);
      groups.push({
        prompt_id: p.id,
        prompt: p.prompt,
        split: p.u < o.evalFraction ? "eval" : "train",
        responses,
        temperatures: samples.map((x) => x.t),
        scores,
      });
    }
    process.stderr.write(`rm-data: ${groups.length}/${prompts.length} prompts\n`);
  }
  await generator.close?.();
  return groups;
}

/** Name-swap counterfactual pairs of one prompt's samples, labelled by the recipe's ranker. */
async function swapPairsFor(
  x: SampleGroup,
  o: RmDataOptions,
  ranker: SuiteRanker,
  rand: () => number,
): Promise<Array<{ prompt: string; chosen: string; rejected: string; gap: number }>> {
  const name = protagonist(x.prompt);
  if (name === null) return [];
  const re = new RegExp(`\\b${name}\\b`, "g");
  const names = new RegExp(`\\b${name}\\b`);
  const rivals = allNames.filter((n) => n !== name && !x.prompt.includes(n));
  const out: Array<{ prompt: string; chosen: string; rejected: string; gap: number }> = [];
  for (const r of x.responses.filter((t) => names.test(t)).slice(0, o.swapPairs)) {
    const swapped = r.replace(re, rivals[Math.floor(rand() * rivals.length)]);
    const [a, b] = (await ranker.score(x.prompt, [r, swapped])).scores;
    if (Math.abs(a - b) < o.minGap) continue;
    const [chosen, rejected] = a > b ? [r, swapped] : [swapped, r];
    out.push({ prompt: x.prompt, chosen, rejected, gap: Math.abs(a - b) });
  }
  return out;
}

export async function makeStoryRmData(o: RmDataOptions): Promise<Record<string, number>> {
  const resolved = resolveRecipePaths(loadRecipe(bundledRecipePath("default")));
  // The run's own split (same seed, same code): its held-out prompts are the judge's and stay out.
  const split = await defaultComponents().prompts(resolved);
  const heldOut = new Set(split.test.flat().map((p) => p.prompt.trim()));
  const pool = new Map<string, string>();
  for (const p of split.train.flat().slice(0, o.prompts)) pool.set(p.prompt.trim(), p.prompt_id);
  for (const p of makeStoryPrompts(o.prompts * 3 + 300, o.seed)) {
    if (pool.size >= o.prompts) break;
    if (!heldOut.has(p.prompt) && !pool.has(p.prompt)) pool.set(p.prompt, p.prompt_id);
  }
  const rand = mulberry32(o.seed);
  const prompts = [...pool].map(([prompt, id]) => ({ prompt, id, u: rand() }));

  const ranker = await buildRanker(resolved.rank.ranker, {}, "rank.ranker");
  const samplesPath = join(o.out, "samples.jsonl");
  const groups: SampleGroup[] =
    o.reuseSamples && existsSync(samplesPath)
      ? readFileSync(samplesPath, "utf8")
          .split("\n")
          .filter(Boolean)
          .map((l) => JSON.parse(l) as SampleGroup)
      : await sampleGroups(o, resolved, prompts, ranker);
  mkdirSync(o.out, { recursive: true });
  writeJsonl(samplesPath, groups);
  const counts: Record<string, number> = { prompts: groups.length, held_out_prompts_excluded: heldOut.size };
  for (const part of ["train", "eval"] as const) {
    const mine = groups.filter((x) => x.split === part);
    const pairs: unknown[] = [];
    const unlabelled: unknown[] = [];
    const points: unknown[] = [];
    const swaps: unknown[] = [];
    for (const x of mine) {
      const mineStart = pairs.length;
      x.responses.forEach((r, a) => {
        points.push({ prompt: x.prompt, response: r, score: x.scores[a] });
        for (let b = a + 1; b < x.responses.length; b++) {
          const gap = x.scores[a] - x.scores[b];
          if (x.responses[a] === x.responses[b]) continue;
          unlabelled.push({ prompt: x.prompt, response_a: r, response_b: x.responses[b] });
          if (Math.abs(gap) < o.minGap) continue;
          const [c, w] = gap > 0 ? [a, b] : [b, a];
          pairs.push({
            prompt: x.prompt,
            chosen: x.responses[c],
            rejected: x.responses[w],
            gap: Math.abs(gap),
          });
        }
      });
      if (o.maxPairsPerPrompt > 0 && pairs.length - mineStart > o.maxPairsPerPrompt) {
        const group = pairs.splice(mineStart);
        for (let i = group.length - 1; i > 0; i--) {
          const j = Math.floor(rand() * (i + 1));
          [group[i], group[j]] = [group[j], group[i]];
        }
        pairs.push(...group.slice(0, o.maxPairsPerPrompt));
      }
      // Held-out swaps go to their own file: they measure whether the RM learned the character term.
      if (part === "train" && o.swapPairs > 0) pairs.push(...(await swapPairsFor(x, o, ranker, rand)));
      if (part === "eval") swaps.push(...(await swapPairsFor(x, { ...o, swapPairs: 3 }, ranker, rand)));
    }
    if (part === "eval") writeJsonl(join(o.out, "swaps-eval.jsonl"), swaps);
    writeJsonl(join(o.out, `pairs-${part}.jsonl`), pairs);
    writeJsonl(join(o.out, `points-${part}.jsonl`), points);
    writeJsonl(join(o.out, `unlabelled-${part}.jsonl`), unlabelled);
    counts[`${part}_prompts`] = mine.length;
    counts[`${part}_pairs`] = pairs.length;
    counts[`${part}_points`] = points.length;
  }
  return counts;
}

function main(): void {
  const args = process.argv.slice(2);
  const at = (flag: string, d: string): string => {
    const i = args.indexOf(flag);
    return i >= 0 && i + 1 < args.length ? args[i + 1] : d;
  };
  const options: RmDataOptions = {
    out: at("--out", "runs/story-rm/data"),
    prompts: Number(at("--prompts", "600")),
    n: Number(at("--n", "4")),
    temperatures: at("--temperatures", "0.8,1,1.2").split(",").map(Number),
    minGap: Number(at("--min-gap", "0.2")),
    maxPairsPerPrompt: Number(at("--max-pairs-per-prompt", "0")),
    swapPairs: Number(at("--swap-pairs", "0")),
    reuseSamples: args.includes("--reuse-samples"),
    evalFraction: Number(at("--eval-fraction", "0.1")),
    seed: Number(at("--seed", "13")),
  };
  makeStoryRmData(options).then(
    (counts) => console.log(JSON.stringify(counts)),
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : String(e));
      process.exitCode = 1;
    },
  );
}

if (import.meta.url === `file://${process.argv[1]}`) main();
