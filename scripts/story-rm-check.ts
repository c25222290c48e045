// Checks a trained story reward model where DPO uses it: on the held-out RM prompts of make-story-rm-data.ts
// (never the run's judge prompts), groups of 5 samples as in the default recipe, how often the RM's best/worst
// pair is ordered the same way by the story suite, and the suite and story-judge gaps of the pairs it picks beside
// the suite's own best/worst pairs. Not a substitute for the run: the held-out judge decides.
// Usage: npx tsx scripts/story-rm-check.ts --data DIR --ranker classifier:RM_DIR [--group 5]
//        npx tsx scripts/story-rm-check.ts --run RUN_DIR   (suite score and judge win rate of each iteration's held-out answers)
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { bundledRecipePath, loadRecipe } from "../src/config/index.js";
import {
  buildRanker,
  registerEngineRankers,
  type StoryComponents,
  storyComponents,
  storyJudgeComponents,
} from "../src/reward/index.js";

interface Group {
  prompt: string;
  split: string;
  responses: string[];
  scores: number[];
}

export interface RmCheck {
  groups: number;
  /** share of groups where the suite scores the RM's best above the RM's worst (ties half) */
  best_worst_agreement: number;
  /** mean suite(best) − suite(worst): of the RM's picks, and of the suite's own */
  suite_gap_rm: number;
  suite_gap_suite: number;
  /** mean story-judge(best) − story-judge(worst) of the same picks (random picks: 0) */
  judge_gap_rm: number;
  judge_gap_suite: number;
  /** per suite component (targetChars 400, the recipe's), length in chars and judge component (judge.*): best − worst of the RM's picks | the suite's */
  components_rm: Record<string, number>;
  components_suite: Record<string, number>;
}

const features = (prompt: string, r: string): Record<string, number> => {
  const c: StoryComponents = storyComponents(prompt, r, 400);
  const j = storyJudgeComponents(prompt, r);
  return {
    ...c,
    chars: r.trim().length,
    ...Object.fromEntries(Object.entries(j).map(([k, v]) => [`judge.${k}`, v])),
  };
};

const argmax = (xs: number[]): number => xs.reduce((b, x, i) => (x > xs[b] ? i : b), 0);
const argmin = (xs: number[]): number => xs.reduce((b, x, i) => (x < xs[b] ? i : b), 0);

export async function checkStoryRm(dataDir: string, rankerSpec: string, groupSize = 5): Promise<RmCheck> {
  registerEngineRankers();
  const ranker = await buildRanker(rankerSpec, {}, "--ranker");
  const judge = await buildRanker("story-judge", {}, "judge");
  const groups = readFileSync(join(dataDir, "samples.jsonl"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Group)
    .filter((g) => g.split === "eval");
  let agree = 0;
  let n = 0;
  const sums = { suiteRm: 0, suiteSuite: 0, judgeRm: 0, judgeSuite: 0 };
  const compRm: Record<string, number> = {};
  const compSuite: Record<string, number> = {};
  const addGap = (acc: Record<string, number>, prompt: string, b: string, w: string): void => {
    const fb = features(prompt, b);
    const fw = features(prompt, w);
    for (const k of Object.keys(fb)) acc[k] = (acc[k] ?? 0) + fb[k] - fw[k];
  };
  for (const g of groups) {
    const rm = (await ranker.score(g.prompt, g.responses)).scores;
    const jd = (await judge.score(g.prompt, g.responses)).scores;
    // Consecutive windows of groupSize samples: each window mixes temperatures as the data file interleaves them.
    for (let s = 0; s + groupSize <= g.responses.length; s += groupSize) {
      const idx = Array.from({ length: groupSize }, (_, i) => s + i);
      const pick = (xs: number[]): number[] => idx.map((i) => xs[i]);
      const [rb, rw] = [idx[argmax(pick(rm))], idx[argmin(pick(rm))]];
      const [sb, sw] = [idx[argmax(pick(g.scores))], idx[argmin(pick(g.scores))]];
      const d = g.scores[rb] - g.scores[rw];
      agree += d > 0 ? 1 : d === 0 ? 0.5 : 0;
      sums.suiteRm += d;
      sums.suiteSuite += g.scores[sb] - g.scores[sw];
      sums.judgeRm += jd[rb] - jd[rw];
      sums.judgeSuite += jd[sb] - jd[sw];
      addGap(compRm, g.prompt, g.responses[rb], g.responses[rw]);
      addGap(compSuite, g.prompt, g.responses[sb], g.responses[sw]);
      n++;
    }
  }
  await ranker.close?.();
  return {
    groups: n,
    best_worst_agreement: agree / n,
    suite_gap_rm: sums.suiteRm / n,
    suite_gap_suite: sums.suiteSuite / n,
    judge_gap_rm: sums.judgeRm / n,
    judge_gap_suite: sums.judgeSuite / n,
    components_rm: Object.fromEntries(Object.entries(compRm).map(([k, v]) => [k, +(v / n).toFixed(3)])),
    components_suite: Object.fromEntries(Object.entries(compSuite).map(([k, v]) => [k, +(v / n).toFixed(3)])),
  };
}

/** A finished run's held-out answers per iteration: the story suite's mean score (the RM's teacher) and the judge's win rate. */
export async function runSuiteScores(runDir: string): Promise<RunRow[]> {
  // The default recipe's own ranker (the story suite with its targetChars), whatever ranked the run.
  const spec = loadRecipe(bundledRecipePath("default")).recipe.rank.ranker;
  const suite = await buildRanker(spec, {}, "rank.ranker");
  const summary = JSON.parse(readFileSync(join(runDir, "summary.json"), "utf8")) as {
    iterations: Array<{ iteration: number; judge_win_rate: number | null; judge_win_rate_se: number | null }>;
  };
  // Each iteration folder records its own part of the held-out prompts; every iteration answers all of them.
  const prompts = new Map(
    summary.iterations
      .filter((it) => it.iteration > 0)
      .flatMap((it) =>
        readJsonlFile<{ prompt_id: string; prompt: string }>(
          join(runDir, `iteration-${it.iteration}`, "heldout_prompts.jsonl"),
        ),
      )
      .map((p) => [p.prompt_id, p.prompt]),
  );
  const out: RunRow[] = [];
  for (const it of summary.iterations) {
    const file = join(runDir, it.iteration === 0 ? "base" : `iteration-${it.iteration}`, "heldout.jsonl");
    const rows = readJsonlFile<{ prompt_id: string; response: string }>(file);
    let total = 0;
    for (const r of rows)
      total += (await suite.score(prompts.get(r.prompt_id) ?? "", [r.response])).scores[0];
    out.push({
      iteration: it.iteration,
      suite: total / rows.length,
      win: it.judge_win_rate,
      se: it.judge_win_rate_se,
    });
  }
  return out;
}

export interface RunRow {
  iteration: number;
  /** mean story-suite score of the held-out answers */
  suite: number;
  win: number | null;
  se: number | null;
}

const readJsonlFile = <T>(path: string): T[] =>
  readFileSync(path, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as T);

function main(): void {
  const args = process.argv.slice(2);
  const at = (flag: string, d: string): string => {
    const i = args.indexOf(flag);
    return i >= 0 && i + 1 < args.length ? args[i + 1] : d;
  };
  const run = args.indexOf("--run");
  if (run >= 0) {
    runSuiteScores(args[run + 1]).then((rows) => {
      for (const r of rows) console.log(JSON.stringify(r));
    });
    return;
  }
  checkStoryRm(
    at("--data", "runs/story-rm/data"),
    at("--ranker", "classifier:runs/story-rm/rm"),
    Number(at("--group", "5")),
  ).then(
    (r) => console.log(JSON.stringify(r)),
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : String(e));
      process.exitCode = 1;
    },
  );
}

if (import.meta.url === `file://${process.argv[1]}`) main();
