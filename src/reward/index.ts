// The reward layer's public surface: ranker specs and the factory, scorers, cache, ensembles,
// length control and pair selection. Re-exports only.
export * from "./cache.js";
export * from "./ensemble.js";
export * from "./label-model.js";
export * from "./length-control.js";
export * from "./length-study.js";
export * from "./normalise.js";
export * from "./pairs.js";
export type * from "./ranker.js";
export * from "./scorer.js";
export * from "./scorers/builtins.js";
export * from "./scorers/text-stats.js";
export * from "./scorers/user-module.js";
export * from "./spec.js";
