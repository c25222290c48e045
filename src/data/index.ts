// The data layer's public surface: prompt sources, splits, preference rows, dataset export and push.
export { AtomicWriter, writeFileAtomic } from "./atomic-file.js";
export {
  type WrittenDataset,
  type IterationDatasetOptions,
  readPreferenceJsonl,
  writeIterationDataset,
  writeSplit,
} from "./dataset.js";
export { type DatasetCardInfo, datasetSplits, renderDatasetCard, writeDatasetCard } from "./dataset-card.js";
export { type ExportResult, exportDataset } from "./export.js";
export { type FieldMapping, extractPrompt, resolveMapping } from "./field-map.js";
export { IdMap } from "./id-set.js";
export { normalizePrompt, promptId } from "./normalize.js";
export { preferenceColumns, writePreferenceParquet } from "./parquet-write.js";
export { type PromptsRecipe, sourceSpecFromRecipe, splitSpecFromRecipe } from "./recipe.js";
export { checkPreferenceRow, type ScoredPrompt, toPreferenceRow } from "./preference.js";
export { type PushOptions, type PushResult, pushDataset } from "./push.js";
export {
  detectFormat,
  newReadStats,
  type PromptSourceSpec,
  type ReadOptions,
  type ReadStats,
  readPrompts,
  readRawRows,
  type SourceFormat,
} from "./source.js";
export { findSplits } from "./sources/hf-folder.js";
export {
  checkSplitSpec,
  type PartSize,
  parseSize,
  partOf,
  planSplit,
  type PlanOptions,
  type SplitPart,
  type SplitPlan,
  type SplitSpec,
  UNUSED,
} from "./split.js";
export {
  partPrompts,
  splitInMemory,
  type SplitPromptLine,
  type WriteSplitOptions,
  type WrittenPart,
  writeSplitFiles,
} from "./split-write.js";
export type { PreferenceRow, PromptRecord, RawRow } from "./types.js";
