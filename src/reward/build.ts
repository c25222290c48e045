// The ranker factory: a RankerSpec (spec.ts) → a Ranker, optionally behind the score cache.
// Engine-backed rankers (pairrm, classifier) are registered by their own module through
// registerRankerBuilder, so this file never imports the engine.
import { dirname } from "node:path";
import type { Tokenizer } from "../text/index.js";
import { PrefloopError } from "../util/errors.js";
import { cachedRanker, ScoreCache } from "./cache.js";
import { labelModelEnsemble, weightedEnsemble } from "./ensemble.js";
import { judgeRanker } from "./judge.js";
import type { Ranker } from "./ranker.js";
import { scorerRanker } from "./scorer.js";
import {
  jsonScorer,
  keywordsScorer,
  lengthScorer,
  readingLevelScorer,
  refusalScorer,
  regexScorer,
  repetitionScorer,
} from "./scorers/builtins.js";
import { storyJudgeScorer } from "./scorers/story-judge.js";
import { storySuiteScorer } from "./scorers/story.js";
import { loadUserScorer } from "./scorers/user-module.js";
import { parseRankerSpec, type RankerSpec } from "./spec.js";

export interface BuildContext {
  /** where relative paths (scorer modules, reference files) resolve: the recipe's folder or the cwd */
  baseDir?: string;
  /** counts "tokens" for length scorers; a word-and-punctuation estimate without one */
  tokenizer?: Tokenizer;
  /** a score cache file (JSONL); every ranker built is wrapped by it */
  cachePath?: string;
  /** or an already open cache (shared by several rankers) */
  cache?: ScoreCache;
  env?: NodeJS.ProcessEnv;
}

type EngineSpec = Extract<RankerSpec, { type: "pairrm" | "classifier" }>;
export type RankerBuilder = (spec: EngineSpec, ctx: BuildContext) => Promise<Ranker>;
const builders = new Map<string, RankerBuilder>();

/** Lets the engine-backed rankers (PairRM, classifier RMs) plug in without this layer importing them. */
export function registerRankerBuilder(type: EngineSpec["type"], builder: RankerBuilder): void {
  builders.set(type, builder);
}

async function buildUncached(spec: RankerSpec, ctx: BuildContext, cache?: ScoreCache): Promise<Ranker> {
  switch (spec.type) {
    case "length":
      return scorerRanker(lengthScorer(spec, ctx.tokenizer));
    case "regex":
      return scorerRanker(regexScorer(spec));
    case "keywords":
      return scorerRanker(keywordsScorer(spec));
    case "json":
      return scorerRanker(jsonScorer(spec));
    case "refusal":
      return scorerRanker(refusalScorer(spec));
    case "repetition":
      return scorerRanker(repetitionScorer(spec));
    case "reading-level":
      return scorerRanker(readingLevelScorer(spec));
    case "story-suite":
      return scorerRanker(storySuiteScorer(spec));
    case "story-judge":
      return scorerRanker(storyJudgeScorer());
    case "module":
      return scorerRanker(await loadUserScorer(spec.path, spec.export, ctx.baseDir));
    case "judge": {
      const references =
        spec.references && ctx.baseDir ? resolveFrom(ctx.baseDir, spec.references) : spec.references;
      return judgeRanker({ ...spec, references }, ctx.env);
    }
    case "ensemble": {
      const members = await Promise.all(
        spec.members.map(async (m) => ({
          ranker: await buildCached(m.ranker, ctx, cache),
          weight: m.weight,
        })),
      );
      return spec.combine === "label-model"
        ? labelModelEnsemble(members)
        : weightedEnsemble(members, spec.normalise);
    }
    case "pairrm":
    case "classifier": {
      const builder = builders.get(spec.type);
      if (!builder) {
        throw new PrefloopError("unsupported", `ranker '${spec.type}' is not available in this build`, {
          hint: "it needs the engine-backed reward models; use a programmatic scorer or a judge meanwhile",
        });
      }
      return builder(spec, ctx);
    }
  }
}

function resolveFrom(baseDir: string, path: string): string {
  return path.startsWith("/") ? path : `${baseDir}/${path}`;
}

// Members of an ensemble are cached one by one too: reweighting an ensemble never rescores its members.
async function buildCached(spec: RankerSpec, ctx: BuildContext, cache?: ScoreCache): Promise<Ranker> {
  const ranker = await buildUncached(spec, ctx, cache);
  return cache ? cachedRanker(ranker, cache) : ranker;
}

/**
 * Builds a Ranker from a spec in any form (string, recipe object, parsed spec), wrapped by the score
 * cache when ctx gives one. `where` names the flag or recipe field in error messages.
 */
export async function buildRanker(spec: unknown, ctx: BuildContext = {}, where = "ranker"): Promise<Ranker> {
  const parsed = parseRankerSpec(spec, where);
  const cache = ctx.cache ?? (ctx.cachePath ? await ScoreCache.open(ctx.cachePath) : undefined);
  return buildCached(parsed, ctx, cache);
}

/** The folder a recipe's relative ranker paths resolve against. */
export const recipeBaseDir = (recipePath: string): string => dirname(recipePath);
