// Plugs the engine-backed rankers (PairRM, classifier reward models) into buildRanker. Called by the CLI and
// the pipeline before building rankers; build.ts itself never imports the engine.
import { registerRankerBuilder } from "./build.js";
import { classifierRanker } from "./classifier.js";
import { resolveModelFolder } from "./model-folder.js";
import { pairrmRanker } from "./pairrm-ranker.js";

let registered = false;

export function registerEngineRankers(): void {
  if (registered) return;
  registered = true;
  registerRankerBuilder("pairrm", (spec, ctx) => {
    if (spec.type !== "pairrm") throw new Error("unreachable");
    const path = resolveModelFolder(spec.path, ctx.baseDir, ctx.env);
    return pairrmRanker({ path, mode: spec.mode, seed: spec.seed });
  });
  registerRankerBuilder("classifier", (spec, ctx) => {
    if (spec.type !== "classifier") throw new Error("unreachable");
    const path = resolveModelFolder(spec.path, ctx.baseDir, ctx.env);
    return classifierRanker(path);
  });
}
