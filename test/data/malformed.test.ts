// The malformed-data corpus: each bad input, run through the CLI, exits non-zero with one line that
// names the file and the line or field, and leaves no output behind (data formats; the recipe/YAML
// half of the corpus lives with the recipes).
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { parquetWriteBuffer } from "hyparquet-writer";
import { main } from "../../src/cli/main.js";
import { planSplit, readPrompts, writeSplitFiles } from "../../src/data/index.js";
import { tempDir } from "./helpers.js";

interface Case {
  name: string;
  /** file name -> content (string or bytes); directories are created */
  files: Record<string, string | Uint8Array>;
  /** CLI words after `prefloop`; {dir} is the case's folder, {out} its output folder */
  argv: string[];
  /** what the one-line message must say (besides the file name) */
  expect: RegExp;
  /** the file the message must name (default: the first file) */
  names?: string;
  exit?: number;
}

const goodParquet = parquetWriteBuffer({
  columnData: [
    {
      name: "prompt",
      data: Array.from({ length: 2000 }, (_, i) => `prompt number ${i} `.repeat(5)),
      type: "STRING",
    },
  ],
});
const intParquet = parquetWriteBuffer({ columnData: [{ name: "prompt", data: [1, 2, 3], type: "INT32" }] });
const pref = (over: Record<string, unknown>) =>
  JSON.stringify({
    prompt_id: "x",
    prompt: "p",
    chosen: [
      { role: "user", content: "p" },
      { role: "assistant", content: "a" },
    ],
    rejected: [
      { role: "user", content: "p" },
      { role: "assistant", content: "b" },
    ],
    messages: [
      { role: "user", content: "p" },
      { role: "assistant", content: "a" },
    ],
    score_chosen: 1,
    score_rejected: 0,
    all_generated_responses: ["a", "b"],
    all_rm_scores: [1, 0],
    ...over,
  });
const split = (file: string, ...extra: string[]) => [
  "data",
  "split",
  `{dir}/${file}`,
  "--out",
  "{out}",
  "--train",
  "1",
  "--test",
  "0",
  "--iterations",
  "1",
  ...extra,
];
const exportJsonl = [
  "export",
  "dataset",
  "--train",
  "{dir}/train.jsonl",
  "--test",
  "{dir}/test.jsonl",
  "--out",
  "{out}",
];

const cases: Case[] = [
  {
    name: "JSONL: a line that is not JSON",
    files: { "p.jsonl": '{"prompt":"a"}\n{"prompt":"b"}\n{"prompt": "c"\n' },
    argv: split("p.jsonl"),
    expect: /line 3: not valid JSON/,
  },
  {
    name: "JSONL: missing prompt field",
    files: { "p.jsonl": '{"prompt":"a"}\n{"text":"b"}\n' },
    argv: split("p.jsonl"),
    expect: /line 2: field "prompt" missing/,
  },
  {
    name: "JSONL: empty prompt after normalisation",
    files: { "p.jsonl": '{"prompt":"a"}\n{"prompt":" \\r\\n\\t"}\n' },
    argv: split("p.jsonl"),
    expect: /line 2: the prompt is empty/,
  },
  {
    name: "JSONL: prompt of the wrong type",
    files: { "p.jsonl": '{"prompt":"a"}\n{"prompt":42}\n' },
    argv: split("p.jsonl"),
    expect: /line 2: field "prompt" expected a string, got number/,
  },
  {
    name: "JSONL: a row that is not an object",
    files: { "p.jsonl": '{"prompt":"a"}\n["b"]\n' },
    argv: split("p.jsonl"),
    expect: /line 2: expected an object/,
  },
  {
    name: "JSON: truncated array",
    files: { "p.json": '[\n {"prompt":"a"},\n {"prompt":"b"' },
    argv: split("p.json"),
    expect: /line 3: the JSON array is truncated/,
  },
  {
    name: "JSON: trailing comma",
    files: { "p.json": '[{"prompt":"a"},\n]' },
    argv: split("p.json"),
    expect: /line 2: trailing ","/,
  },
  {
    name: "JSON: an element that is not JSON",
    files: { "p.json": '[\n{"prompt":"a"},\n{"prompt":\'b\'}\n]' },
    argv: split("p.json"),
    expect: /line 3: not valid JSON/,
  },
  {
    name: "JSON: not an array",
    files: { "p.json": '"just a string"' },
    argv: split("p.json"),
    expect: /line 1: expected a JSON array/,
  },
  { name: "JSON: empty file", files: { "p.json": "  \n" }, argv: split("p.json"), expect: /empty file/ },
  {
    name: "CSV: a record with a missing column",
    files: { "p.csv": "prompt,source\na,x\nb\n" },
    argv: split("p.csv"),
    expect: /line 3: a record has a different number of columns/,
  },
  {
    name: "CSV: the mapped column is absent",
    files: { "p.csv": "question,source\na,x\n" },
    argv: split("p.csv", "--field", "prompt"),
    expect: /line 2: field "prompt" missing/,
  },
  {
    name: "CSV: an unclosed quote",
    files: { "p.csv": 'prompt\n"abc\n' },
    argv: split("p.csv"),
    expect: /quoted field is never closed/,
  },
  {
    name: "Parquet: truncated file",
    files: { "p.parquet": new Uint8Array(goodParquet).subarray(0, Math.floor(goodParquet.byteLength / 2)) },
    argv: split("p.parquet"),
    expect: /not a readable Parquet file/,
  },
  {
    name: "Parquet: prompt column of the wrong type",
    files: { "p.parquet": new Uint8Array(intParquet) },
    argv: split("p.parquet", "--field", "prompt"),
    expect: /row 1: field "prompt" expected a string, got number/,
  },
  {
    name: "messages: no user turn",
    files: {
      "p.jsonl": '{"messages":[{"role":"system","content":"s"},{"role":"assistant","content":"a"}]}\n',
    },
    argv: split("p.jsonl"),
    expect: /line 1: field "messages" has no user turn/,
  },
  {
    name: "messages: unknown role",
    files: { "p.jsonl": '{"messages":[{"role":"robot","content":"s"}]}\n' },
    argv: split("p.jsonl"),
    expect: /line 1: field "messages\[0\]\.role" expected system, user or assistant/,
  },
  {
    name: "Alpaca: instruction missing",
    files: { "p.json": '[{"instruction":"a","input":""},\n{"input":"b"}]' },
    argv: split("p.json", "--alpaca"),
    expect: /line 2: field "instruction" missing/,
  },
  {
    name: "HF folder: no data files",
    files: { "hf/README.md": "# empty\n" },
    argv: split("hf"),
    names: "hf",
    expect: /no data files found/,
  },
  {
    name: "HF folder: unknown split",
    files: { "hf/data/train-00000-of-00001.jsonl": '{"prompt":"a"}\n' },
    argv: split("hf", "--split", "validation"),
    names: "hf",
    expect: /no split "validation" \(found: train\)/,
  },
  {
    name: "source: unknown format",
    files: { "p.txt": "hello\n" },
    argv: split("p.txt"),
    expect: /cannot tell the format/,
  },
  {
    name: "split: negative size",
    files: { "p.jsonl": '{"prompt":"a"}\n' },
    argv: ["data", "split", "{dir}/p.jsonl", "--out", "{out}", "--train=-5"],
    names: "--train",
    expect: /a count must be a whole number >= 0, got -5/,
    exit: 2,
  },
  {
    name: "split: fractions over 100%",
    files: { "p.jsonl": '{"prompt":"a"}\n' },
    argv: ["data", "split", "{dir}/p.jsonl", "--out", "{out}", "--train", "40%", "--test", "0.1"],
    names: "split",
    expect: /fractions add up to 1\.500 > 1/,
    exit: 2,
  },
  {
    name: "export: score of the wrong type",
    files: {
      "train.jsonl": `${pref({})}\n${pref({ score_chosen: "high" })}\n`,
      "test.jsonl": `${pref({})}\n`,
    },
    argv: exportJsonl,
    names: "train.jsonl",
    expect: /line 2: field "score_chosen" expected a number, got string/,
  },
  {
    name: "export: a message without content",
    files: { "train.jsonl": `${pref({})}\n`, "test.jsonl": `${pref({ rejected: [{ role: "user" }] })}\n` },
    argv: exportJsonl,
    names: "test.jsonl",
    expect: /line 1: field "rejected\[0\]" expected \{role: string, content: string\}/,
  },
  {
    name: "export: not a run or dataset folder",
    files: { "x/notes.txt": "hi" },
    argv: ["export", "dataset", "{dir}/x"],
    names: "x",
    expect: /neither a run .* nor a dataset folder/,
  },
];

async function runCli(argv: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = "";
  const write = process.stderr.write.bind(process.stderr);
  const out = process.stdout.write.bind(process.stdout);
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    const code = await main(["node", "prefloop", ...argv]);
    return { code, stderr };
  } finally {
    process.stderr.write = write;
    process.stdout.write = out;
  }
}

test(`the malformed-data corpus has ${cases.length} cases`, () => assert.ok(cases.length >= 20));

for (const c of cases) {
  test(`malformed: ${c.name}`, async () => {
    const dir = await tempDir();
    for (const [name, content] of Object.entries(c.files)) {
      await mkdir(join(dir, name, ".."), { recursive: true });
      await writeFile(join(dir, name), content);
    }
    const out = join(dir, "out");
    const argv = c.argv.map((a) => a.replaceAll("{dir}", dir).replaceAll("{out}", out));
    const { code, stderr } = await runCli(argv);
    assert.equal(code, c.exit ?? 3, `exit code; stderr: ${stderr}`);
    const [message, ...rest] = stderr.trimEnd().split("\n");
    assert.ok(
      rest.every((l) => l.startsWith("  hint: ")),
      `one line (plus an optional hint): ${stderr}`,
    );
    assert.match(message, /^prefloop: /);
    assert.ok(
      message.includes(c.names ?? Object.keys(c.files)[0].split("/")[0]),
      `names the file: ${message}`,
    );
    assert.match(message, c.expect);
    // nothing half-written: no output folder, or an empty one
    assert.ok(
      !existsSync(out) || readdirSync(out).length === 0,
      `left behind: ${existsSync(out) ? readdirSync(out) : ""}`,
    );
  });
}

test("a source that fails while the split files are written leaves no part file behind", async () => {
  const dir = await tempDir();
  const lines = Array.from({ length: 500 }, (_, i) => JSON.stringify({ prompt: `prompt ${i}` }));
  await writeFile(join(dir, "p.jsonl"), `${lines.join("\n")}\n`);
  const plan = await planSplit(() => readPrompts({ path: join(dir, "p.jsonl") }), {
    iterations: 2,
    train: { count: 100 },
    test: { count: 10 },
    seed: 1,
  });
  // the file gains a bad line between the planning pass and the writing pass
  await writeFile(join(dir, "p.jsonl"), `${lines.slice(0, 400).join("\n")}\n{oops\n`);
  const out = join(dir, "out");
  for (const bucketRows of [50, 100_000]) {
    await assert.rejects(
      writeSplitFiles(readPrompts({ path: join(dir, "p.jsonl") }), plan, out, { bucketRows }),
      /p\.jsonl: line 401: not valid JSON/,
    );
    assert.deepEqual(readdirSync(out), []);
  }
});
