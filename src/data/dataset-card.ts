// The dataset card (README.md) of an exported preference dataset: a YAML header the Hub reads
// (configs/data_files per split, dataset_info features and split sizes, as huggingface_hub's
// DatasetCard writes them) and a short body describing the columns and how the data was made.
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { asyncBufferFromFile, parquetMetadataAsync } from "hyparquet";
import { stringify } from "yaml";
import { writeFileAtomic } from "./atomic-file.js";

export interface DatasetCardInfo {
  /** card title (default "Preference dataset") */
  title?: string;
  /** free text under the title */
  description?: string;
  /** the policy model that generated the responses */
  policy?: string;
  /** the ranker / reward model id */
  ranker?: string;
  samplesPerPrompt?: number;
  /** SPDX id or Hub licence name */
  license?: string;
}

const splitFile = /^(.+)\.parquet$/;

/** Splits of a dataset folder (every <split>.parquet) with their row counts, train before test. */
export async function datasetSplits(
  dir: string,
): Promise<Array<{ name: string; file: string; rows: number }>> {
  const names = (await readdir(dir)).filter((f) => splitFile.test(f)).sort(compareSplits);
  const out: Array<{ name: string; file: string; rows: number }> = [];
  for (const file of names) {
    const md = await parquetMetadataAsync(await asyncBufferFromFile(join(dir, file)));
    out.push({ name: file.replace(/\.parquet$/, ""), file, rows: Number(md.num_rows) });
  }
  return out;
}

function compareSplits(a: string, b: string): number {
  const key = (s: string) => {
    const m = /^(train|test)_iteration_(\d+)/.exec(s);
    return m ? [Number(m[2]), m[1] === "train" ? 0 : 1, s] : [Number.MAX_SAFE_INTEGER, 0, s];
  };
  const [ka, kb] = [key(a), key(b)];
  return (ka[0] as number) - (kb[0] as number) || (ka[1] as number) - (kb[1] as number) || a.localeCompare(b);
}

const messageFeature = [
  { name: "content", dtype: "string" },
  { name: "role", dtype: "string" },
];

export const preferenceFeatures = [
  { name: "prompt_id", dtype: "string" },
  { name: "prompt", dtype: "string" },
  { name: "chosen", list: messageFeature },
  { name: "rejected", list: messageFeature },
  { name: "messages", list: messageFeature },
  { name: "score_chosen", dtype: "float64" },
  { name: "score_rejected", dtype: "float64" },
  { name: "all_generated_responses", sequence: "string" },
  { name: "all_rm_scores", sequence: "float64" },
];

export function renderDatasetCard(
  splits: Array<{ name: string; file: string; rows: number }>,
  info: DatasetCardInfo = {},
): string {
  const header = {
    ...(info.license ? { license: info.license } : {}),
    task_categories: ["text-generation"],
    tags: ["dpo", "preference", "prefloop"],
    configs: [{ config_name: "default", data_files: splits.map((s) => ({ split: s.name, path: s.file })) }],
    dataset_info: {
      features: preferenceFeatures,
      splits: splits.map((s) => ({ name: s.name, num_examples: s.rows })),
    },
  };
  const made = [
    info.policy ? `- policy: \`${info.policy}\`` : undefined,
    info.ranker ? `- ranker: \`${info.ranker}\`` : undefined,
    info.samplesPerPrompt ? `- samples per prompt: ${info.samplesPerPrompt}` : undefined,
  ].filter((x): x is string => x !== undefined);
  return [
    "---",
    stringify(header).trimEnd(),
    "---",
    "",
    `# ${info.title ?? "Preference dataset"}`,
    "",
    info.description ?? "Preference pairs made by iterative sampling and ranking (prefloop).",
    "",
    ...(made.length > 0 ? ["## How it was made", "", ...made, ""] : []),
    "## Splits",
    "",
    "| split | rows |",
    "|---|---|",
    ...splits.map((s) => `| ${s.name} | ${s.rows} |`),
    "",
    "## Columns",
    "",
    "- `prompt_id`: sha256 (hex) of the prompt text",
    "- `prompt`: the user turn",
    "- `chosen` / `rejected`: the conversation (user, then assistant) with the highest / lowest scored response",
    "- `messages`: same as `chosen`",
    "- `score_chosen` / `score_rejected`: their reward scores",
    "- `all_generated_responses` / `all_rm_scores`: every sampled response and its score",
    "",
  ].join("\n");
}

/** (Re)writes <dir>/README.md from the Parquet splits present in dir. */
export async function writeDatasetCard(dir: string, info: DatasetCardInfo = {}): Promise<string> {
  const path = join(dir, "README.md");
  await writeFileAtomic(path, renderDatasetCard(await datasetSplits(dir), info));
  return path;
}
