// The reward layer's public surface: ranker specs and the factory, scorers, cache, batching,
// ensembles and the label model, LLM judges, length control and pair selection. Re-exports only.
export * from "./build.js";
export * from "./cache.js";
export * from "./ensemble.js";
export * from "./judge.js";
export * from "./label-model.js";
export * from "./length-control.js";
export * from "./length-study.js";
export * from "./normalise.js";
export * from "./pairs.js";
export * from "./rank-file.js";
export type * from "./ranker.js";
export * from "./scorer.js";
export * from "./scorers/builtins.js";
export * from "./scorers/story.js";
export * from "./scorers/story-judge.js";
export * from "./scorers/story-words.js";
export * from "./scorers/text-stats.js";
export * from "./scorers/user-module.js";
export * from "./spec.js";
export * from "./stages.js";
export * from "./classifier.js";
export * from "./engine-rankers.js";
export * from "./model-folder.js";
export * from "./pairrm.js";
export * from "./pairrm-aggregate.js";
export * from "./pairrm-input.js";
export * from "./pairrm-ranker.js";
