// Data-layer benchmark: streams N synthetic prompts (default 1M) through read + dedupe, a seeded
// count-mode split into 3 iterations, the shuffled split files, and the Parquet + JSONL preference
// export of every part; prints rows/s per stage and the peak RSS against the 300 MB budget.
// V8 grows its heap lazily (default flags peak ~330 MB RSS whatever N is), so the run re-executes
// itself with the heap capped at 128 MB, as a memory-budgeted deployment would; --no-cap skips that.
// Usage: node --import tsx bench/data.ts [--rows N] [--keep] [--no-cap]
import { spawnSync } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getHeapStatistics } from "node:v8";
import { once } from "node:events";
import {
  planSplit,
  readPrompts,
  toPreferenceRow,
  writeIterationDataset,
  writeSplitFiles,
} from "../src/data/index.js";
import type { PreferenceRow } from "../src/data/index.js";

const args = process.argv.slice(2);
const heapCapMb = 128;
if (!args.includes("--no-cap") && process.env.PREFLOOP_BENCH_CHILD !== "1") {
  const child = spawnSync(
    process.execPath,
    [`--max-old-space-size=${heapCapMb}`, "--import", "tsx", process.argv[1], ...args],
    {
      stdio: "inherit",
      env: { ...process.env, PREFLOOP_BENCH_CHILD: "1" },
    },
  );
  process.exit(child.status ?? 1);
}
const rows = Number(args[args.indexOf("--rows") + 1] || 1_000_000) || 1_000_000;
const budgetMb = 300;
const words =
  "the a model reward prompt answer explain write list compare why how what story code poem summary data".split(
    " ",
  );

function rssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

async function timed<T>(label: string, n: () => number, f: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const out = await f();
  const s = (performance.now() - t0) / 1000;
  console.log(
    `${label.padEnd(28)} ${String(n()).padStart(9)} rows  ${s.toFixed(1).padStart(6)} s  ${Math.round(n() / s)
      .toString()
      .padStart(8)} rows/s  peak RSS ${rssMb().toFixed(0)} MB`,
  );
  return out;
}

console.log(
  `data bench: ${rows} prompts, node ${process.version}, heap limit ${(getHeapStatistics().heap_size_limit / 2 ** 20).toFixed(0)} MB`,
);
const dir = await mkdtemp(join(tmpdir(), "prefloop-bench-data-"));
try {
  const source = join(dir, "prompts.jsonl");
  await timed(
    "generate JSONL",
    () => rows,
    async () => {
      const out = createWriteStream(source);
      let seed = 12345;
      const rand = () => {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        return seed / 2 ** 32;
      };
      for (let i = 0; i < rows; i++) {
        // 1% repeats an earlier prompt: exercises dedupe
        const id = i > 100 && rand() < 0.01 ? Math.floor(rand() * i) : i;
        const len = 8 + (id % 24);
        const text = Array.from({ length: len }, (_, j) => words[(id * 7 + j * 13) % words.length]).join(" ");
        if (!out.write(`${JSON.stringify({ prompt: `#${id}: ${text}?` })}\n`)) await once(out, "drain");
      }
      out.end();
      await once(out, "finish");
    },
  );
  console.log(`source: ${((await stat(source)).size / 2 ** 20).toFixed(0)} MiB`);
  const spec = { path: source };
  const per = Math.floor(rows * 0.3);
  const split = { iterations: 3, train: { count: per }, test: { count: Math.floor(rows * 0.02) }, seed: 42 };
  const plan = await timed(
    "plan split (2 passes)",
    () => rows,
    () => planSplit(() => readPrompts(spec), split),
  );
  const parts = await timed(
    "write shuffled parts",
    () => rows,
    () => writeSplitFiles(readPrompts(spec), plan, join(dir, "parts")),
  );
  let exported = 0;
  await timed(
    "export Parquet + JSONL",
    () => exported,
    async () => {
      for (let k = 1; k <= split.iterations; k++) {
        const rowsOf = async function* (name: string): AsyncGenerator<PreferenceRow> {
          const part = parts.find((p) => p.name === name);
          if (!part) throw new Error(`no part ${name}`);
          let i = 0;
          for await (const rec of readPrompts({
            path: part.path,
            fields: { kind: "prompt", field: "prompt" },
          })) {
            i++;
            const row = toPreferenceRow({
              prompt_id: rec.prompt_id,
              prompt: rec.prompt,
              responses: [`short answer ${i}`, `a longer answer to ${rec.prompt}`, `answer ${i % 7}`],
              scores: [(i % 13) / 13, 1.5, -0.25],
            });
            if (row) {
              exported++;
              yield row;
            }
          }
        };
        await writeIterationDataset({
          dir: join(dir, "dataset"),
          iteration: k,
          train: rowsOf(`train_iteration_${k}`),
          test: rowsOf(`test_iteration_${k}`),
        });
      }
    },
  );
  console.log(`parts: ${plan.parts.map((p) => `${p.name}=${p.count}`).join(" ")}; unique ${plan.total}`);
  const peak = rssMb();
  console.log(
    `peak RSS ${peak.toFixed(0)} MB (budget ${budgetMb} MB): ${peak < budgetMb ? "OK" : "OVER BUDGET"}`,
  );
  if (peak >= budgetMb) process.exitCode = 1;
} finally {
  if (!args.includes("--keep")) await rm(dir, { recursive: true, force: true });
  else console.log(`kept ${dir}`);
}
