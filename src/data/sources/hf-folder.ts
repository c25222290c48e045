// Hugging Face dataset folders (a `git clone` or snapshot of a dataset repo): finds the shards of
// each split from the README's `configs: data_files` when present, else from the layouts the Hub
// auto-detects: data/<split>-00000-of-00002[-<hash>].parquet, <split>/*.parquet, [<config>/]<split>/*,
// <split>.jsonl. Shards are read in name order through the per-format sources. Not a Hub client.
import { readdir, readFile } from "node:fs/promises";
import { basename, dirname, join, relative, sep } from "node:path";
import { parse as parseYaml } from "yaml";
import { InputError } from "../../util/errors.js";

const dataExt = /\.(parquet|jsonl|ndjson|json|csv|tsv)$/i;
const notData = /^(dataset_infos?|dataset_dict|state|config)\.json$/i;

/** Split name -> shard paths (absolute, sorted). */
export async function findSplits(dir: string, config?: string): Promise<Map<string, string[]>> {
  const files = (await listFiles(dir, 4)).map((f) => relative(dir, f).split(sep).join("/"));
  const fromCard = await splitsFromCard(dir, files, config);
  const splits = fromCard ?? splitsFromLayout(files);
  for (const [name, shards] of splits)
    splits.set(
      name,
      shards.sort().map((f) => join(dir, f)),
    );
  return splits;
}

/** The shards of one split; with no split named, "train" or the only split; "*" = every split. */
export async function hfShards(dir: string, split?: string, config?: string): Promise<string[]> {
  const splits = await findSplits(dir, config);
  const names = [...splits.keys()].sort();
  if (split === "*" && names.length > 0) return names.flatMap((n) => splits.get(n) ?? []);
  if (names.length === 0) {
    const arrow = (await listFiles(dir, 3)).some((f) => f.endsWith(".arrow"));
    throw new InputError(
      `${dir}: no data files found (expected Parquet/JSONL/CSV shards such as data/train-00000-of-00001.parquet)`,
      arrow
        ? {
            hint: "this looks like datasets' save_to_disk (Arrow) output: write Parquet with ds.to_parquet(...)",
          }
        : {},
    );
  }
  const chosen = split ?? (splits.has("train") ? "train" : names.length === 1 ? names[0] : undefined);
  if (chosen === undefined) {
    throw new InputError(`${dir}: several splits (${names.join(", ")}); choose one`, {
      hint: "set the source's split",
    });
  }
  const shards = splits.get(chosen);
  if (shards === undefined) throw new InputError(`${dir}: no split "${chosen}" (found: ${names.join(", ")})`);
  return shards;
}

function splitsFromLayout(files: string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const f of files) {
    const name = basename(f);
    if (!dataExt.test(name) || notData.test(name)) continue;
    const parent = basename(dirname(f));
    const sharded = /^(.+?)-\d{5}-of-\d{5}(-[0-9a-f]+)?\./.exec(name);
    let split: string;
    if (sharded) split = sharded[1];
    else if (parent !== "." && parent !== "data") split = parent;
    else split = name.replace(dataExt, "").replace(/[-_]\d+$/, "");
    const list = out.get(split) ?? [];
    list.push(f);
    out.set(split, list);
  }
  return out;
}

async function splitsFromCard(
  dir: string,
  files: string[],
  config?: string,
): Promise<Map<string, string[]> | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, "README.md"), "utf8");
  } catch {
    return undefined;
  }
  const m = /^---\r?\n([\s\S]*?)\r?\n---/.exec(text);
  if (!m) return undefined;
  let header: unknown;
  try {
    header = parseYaml(m[1]);
  } catch (e) {
    throw new InputError(
      `${join(dir, "README.md")}: the YAML header does not parse (${(e as Error).message})`,
    );
  }
  const configs = (header as { configs?: unknown }).configs;
  if (!Array.isArray(configs) || configs.length === 0) return undefined;
  const pick =
    configs.find((c) => (c as { config_name?: string }).config_name === (config ?? "default")) ??
    (config === undefined ? configs[0] : undefined);
  if (pick === undefined) throw new InputError(`${join(dir, "README.md")}: no config "${config}" in configs`);
  const dataFiles = (pick as { data_files?: unknown }).data_files;
  const entries: Array<{ split: string; patterns: string[] }> = [];
  if (typeof dataFiles === "string") entries.push({ split: "train", patterns: [dataFiles] });
  else if (Array.isArray(dataFiles)) {
    for (const d of dataFiles) {
      if (typeof d === "string") entries.push({ split: "train", patterns: [d] });
      else if (typeof d === "object" && d !== null) {
        const { split, path } = d as { split?: unknown; path?: unknown };
        const patterns = typeof path === "string" ? [path] : Array.isArray(path) ? path.map(String) : [];
        entries.push({ split: typeof split === "string" ? split : "train", patterns });
      }
    }
  }
  if (entries.length === 0) return undefined;
  const out = new Map<string, string[]>();
  for (const { split, patterns } of entries) {
    const res = patterns.map(globToRegExp);
    out.set(split, [...(out.get(split) ?? []), ...files.filter((f) => res.some((r) => r.test(f)))]);
  }
  return out;
}

function globToRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === "*" && glob[i + 1] === "*") {
      re += ".*";
      i++;
      if (glob[i + 1] === "/") i++;
    } else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^(\\./)?${re}$`);
}

async function listFiles(dir: string, depth: number): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const out: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith(".")) continue;
    const path = join(dir, e.name);
    if (e.isDirectory() && depth > 0) out.push(...(await listFiles(path, depth - 1)));
    else if (e.isFile()) out.push(path);
  }
  return out;
}
