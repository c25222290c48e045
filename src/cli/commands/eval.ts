// `prefloop eval generate|annotate|metrics|leaderboard|lc-check|lc-predict`: AlpacaEval-compatible
// evaluation. Thin: parses flags, imports the eval layer lazily, prints results on stdout.
import { pathToFileURL } from "node:url";
import type { Command } from "commander";
import { ConfigError } from "../../util/errors.js";

const collect = (v: string, prev: string[]): string[] => [...prev, v];
const num = (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new ConfigError(`expected a number, got "${v}"`);
  return n;
};

async function progressBar(label: string, quiet: boolean) {
  if (quiet || !process.stderr.isTTY) return { update: (_d: number, _t: number) => {}, stop: () => {} };
  const { SingleBar, Presets } = await import("cli-progress");
  const bar = new SingleBar(
    { format: `${label} [{bar}] {value}/{total}`, stream: process.stderr },
    Presets.shades_classic,
  );
  let started = false;
  return {
    update: (d: number, t: number) => {
      if (!started) {
        bar.start(t, 0);
        started = true;
      }
      bar.update(d);
    },
    stop: () => started && bar.stop(),
  };
}

function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(2);
}

export function registerEval(program: Command): void {
  const evalCmd = program
    .command("eval")
    .description("AlpacaEval-compatible evaluation: outputs, judging, win rates, LC");
  const quiet = (): boolean => Boolean(program.opts().quiet);

  evalCmd
    .command("metrics")
    .description(
      "win rate, standard error, counts and average length (AlpacaEval's get_winrate); --lc adds the LC win rate",
    )
    .requiredOption("--annotations <files...>", "annotations.json files (alpaca_eval format)")
    .option("--json", "print JSON (one object, or an array when several files)")
    .option("--lc", "add length_controlled_winrate and lc_standard_error (the GLM)")
    .option(
      "--difficulty <file>",
      "instruction difficulty (CSV index,instruction_difficulty or JSON); default: estimated from the files",
    )
    .option(
      "--lc-weights <csv>",
      "published GLM coefficients: anchor the difficulty estimate and label gamed rows",
    )
    .option(
      "--gamed-outputs <file>",
      "model_outputs.json of a gamed baseline (repeatable; needs --lc-weights)",
      collect,
      [],
    )
    .option("--save-difficulty <file>", "write the difficulty used (CSV)")
    .action(async (o) => {
      const ev = await import("../../eval/index.js");
      const files = await Promise.all((o.annotations as string[]).map(ev.readAnnotations));
      const rows: Record<string, number | string>[] = files.map((f) => ({ ...ev.computeMetrics(f) }));
      if (o.lc) {
        const weights = o.lcWeights ? await ev.readLcWeights(o.lcWeights) : undefined;
        const gamedOutputs = await Promise.all(
          (o.gamedOutputs as string[]).map(async (p) => {
            const outs = await ev.readModelOutputs(p);
            return { name: outs[0]?.generator ?? p, outputs: outs.map((r) => r.output) };
          }),
        );
        const { results, difficulty } = ev.lcForFiles(files, {
          difficulty: o.difficulty ? await ev.readDifficulty(o.difficulty) : undefined,
          weights,
          gamedOutputs: gamedOutputs.length > 0 ? gamedOutputs : undefined,
        });
        results.forEach((r, i) => {
          rows[i]!.length_controlled_winrate = r.length_controlled_winrate;
          rows[i]!.lc_standard_error = r.lc_standard_error;
        });
        if (o.saveDifficulty) await ev.writeDifficulty(o.saveDifficulty, difficulty);
      }
      if (o.json) {
        process.stdout.write(`${JSON.stringify(rows.length === 1 ? rows[0] : rows, null, 2)}\n`);
        return;
      }
      files.forEach((f, i) => {
        const r = rows[i]!;
        const parts = Object.entries(r).map(([k, v]) => `${k}=${typeof v === "number" ? fmt(v) : v}`);
        process.stdout.write(`${f.model}\t${parts.join("\t")}\n`);
      });
    });

  evalCmd
    .command("annotate")
    .description("judge model outputs against reference outputs, writing alpaca_eval's annotations.json")
    .requiredOption("--model-outputs <file>", "model_outputs.json of the model to evaluate")
    .requiredOption(
      "--reference-outputs <file>",
      "model_outputs.json of the reference (e.g. gpt4_1106_preview)",
    )
    .requiredOption("--out <file>", "annotations.json to write")
    .option("--base-url <url>", "OpenAI-compatible endpoint of the judge", "https://api.openai.com/v1")
    .option("--judge-model <name>", "judge model", "gpt-4-1106-preview")
    .option("--api-key-env <name>", "environment variable holding the API key", "OPENAI_API_KEY")
    .option("--ranker-module <path>", "offline judge: an ES module whose default export creates a Ranker")
    .option("--cache <file>", "verdict cache (JSONL); default: <out>.cache.jsonl")
    .option("--concurrency <n>", "requests in flight", num, 8)
    .option("--max-retries <n>", "retries per request (429/5xx, honours retry-after)", num, 6)
    .option("--seed <n>", "seed of the per-instruction order switch (alpaca_eval: 0)", num, 0)
    .option("--price-prompt <usd>", "USD per million prompt tokens", num, 10)
    .option("--price-completion <usd>", "USD per million completion tokens", num, 30)
    .action(async (o) => {
      const ev = await import("../../eval/index.js");
      const model = await ev.readModelOutputs(o.modelOutputs);
      const reference = await ev.readModelOutputs(o.referenceOutputs);
      let judge: import("../../eval/index.js").PairJudge;
      if (o.rankerModule) {
        const mod = (await import(pathToFileURL(o.rankerModule).href)) as {
          default: () =>
            | Promise<import("../../reward/index.js").Ranker>
            | import("../../reward/index.js").Ranker;
        };
        if (typeof mod.default !== "function")
          throw new ConfigError(
            `--ranker-module ${o.rankerModule}: expected a default export creating a Ranker`,
          );
        judge = new ev.RankerJudge(await mod.default());
      } else {
        judge = new ev.OpenAIWeightedJudge({
          baseURL: o.baseUrl,
          model: o.judgeModel,
          apiKey: process.env[o.apiKeyEnv],
          maxRetries: o.maxRetries,
          pricePerMillionPrompt: o.pricePrompt,
          pricePerMillionCompletion: o.priceCompletion,
        });
      }
      const bar = await progressBar("judging", quiet());
      const { annotations, stats } = await ev.annotatePairs(
        ev.matchOutputs(model, reference, [o.modelOutputs, o.referenceOutputs]),
        {
          judge,
          cache: new ev.JudgeCache(o.cache ?? `${o.out}.cache.jsonl`),
          concurrency: o.concurrency,
          seed: o.seed,
          onProgress: bar.update,
        },
      );
      bar.stop();
      await ev.writeJsonAtomic(o.out, annotations);
      process.stderr.write(
        `annotated ${stats.total} (judged ${stats.judged}, cached ${stats.cacheHits}, identical ${stats.draws}, unparsed ${stats.unparsed}); ` +
          `tokens ${stats.promptTokens}+${stats.completionTokens}, cost $${stats.cost.toFixed(4)}\n`,
      );
    });

  evalCmd
    .command("generate")
    .description("write model_outputs.json for an instruction set from an OpenAI-compatible endpoint")
    .requiredOption(
      "--instructions <file>",
      "alpaca_eval eval set (JSONL: index, instruction, dataset) or a JSON array",
    )
    .requiredOption("--out <file>", "model_outputs.json to write")
    .requiredOption("--name <name>", "generator name recorded in each row")
    .requiredOption(
      "--base-url <url>",
      "OpenAI-compatible endpoint (vLLM, llama.cpp, Ollama, prefloop serve)",
    )
    .requiredOption("--model <name>", "model name at the endpoint")
    .option("--api-key-env <name>", "environment variable holding the API key", "OPENAI_API_KEY")
    .option("--temperature <t>", "sampling temperature", num, 0.7)
    .option("--top-p <p>", "nucleus sampling", num, 1)
    .option("--max-tokens <n>", "max new tokens", num, 2048)
    .option("--seed <n>", "sampling seed", num, 0)
    .option("--concurrency <n>", "requests in flight", num, 8)
    .option("--limit <n>", "only the first n instructions", num)
    .action(async (o) => {
      const ev = await import("../../eval/index.js");
      let rows = await ev.readInstructions(o.instructions);
      if (o.limit !== undefined) rows = rows.slice(0, o.limit);
      const generator = new ev.OpenAIChatGenerator({
        baseURL: o.baseUrl,
        model: o.model,
        apiKey: process.env[o.apiKeyEnv],
        concurrency: o.concurrency,
      });
      const bar = await progressBar("generating", quiet());
      const outputs = await ev.generateModelOutputs(generator, rows, {
        name: o.name,
        sampling: {
          ...ev.defaultEvalSampling,
          temperature: o.temperature,
          topP: o.topP,
          maxTokens: o.maxTokens,
          seed: o.seed,
        },
        batchSize: o.concurrency * 2,
        onProgress: bar.update,
      });
      bar.stop();
      await generator.close();
      await ev.writeJsonAtomic(o.out, outputs);
    });

  evalCmd
    .command("leaderboard")
    .description(
      "leaderboard CSV in AlpacaEval's columns (sorted by LC) and a chart, from annotation files or folders",
    )
    .argument(
      "<paths...>",
      "annotations.json files or folders holding them (alpaca_eval results layout works)",
    )
    .option("--out <csv>", "write the CSV here (default: stdout)")
    .option("--chart <file>", "write the Vega-Lite spec (.json) or the rendered chart (.svg)")
    .option(
      "--annotator <name>",
      "in results/<model>/<annotator>/ layouts, the judge to use",
      "weighted_alpaca_eval_gpt4_turbo",
    )
    .option("--difficulty <file>", "instruction difficulty; default: estimated from the files")
    .option("--lc-weights <csv>", "published GLM coefficients anchoring the difficulty estimate")
    .option("--mode <mode>", "the mode column", "community")
    .action(async (paths: string[], o) => {
      const ev = await import("../../eval/index.js");
      const rows = await ev.buildLeaderboard(paths, {
        annotator: o.annotator,
        mode: o.mode,
        difficulty: o.difficulty ? await ev.readDifficulty(o.difficulty) : undefined,
        weights: o.lcWeights ? await ev.readLcWeights(o.lcWeights) : undefined,
      });
      const csv = ev.leaderboardCsv(rows);
      if (o.out) await ev.writeFileAtomic(o.out, csv);
      else process.stdout.write(csv);
      if (o.chart) {
        const spec = ev.leaderboardChartSpec(rows);
        const text = String(o.chart).endsWith(".svg")
          ? await ev.renderChartSvg(spec)
          : `${JSON.stringify(spec, null, 2)}\n`;
        await ev.writeFileAtomic(o.chart, text);
      }
    });

  evalCmd
    .command("lc-check")
    .description(
      "reproduce the published LC win rates offline (difficulty estimated from the shared annotations)",
    )
    .option("--data <dir>", "alpaca_eval data folder (results/, leaderboards/)", "../shared/data/alpaca_eval")
    .option("--json", "print the report as JSON")
    .option("--all", "also list every model of the coefficient table")
    .action(async (o) => {
      const ev = await import("../../eval/index.js");
      const r = await ev.lcCheck(o.data);
      if (o.json) {
        process.stdout.write(
          `${JSON.stringify({ summary: r.summary, refit: r.refit, coefficients: r.coefficients }, null, 2)}\n`,
        );
        return;
      }
      const out = ["model\tpublished_lc\treproduced_lc\tdiff\tmethod"];
      for (const x of [...r.refit, ...r.coefficients.filter((c) => o.all || c.shared)]) {
        out.push(
          `${x.model}\t${x.published.toFixed(2)}\t${x.reproduced.toFixed(2)}\t${(x.reproduced - x.published).toFixed(2)}\t${x.method}`,
        );
      }
      const s = r.summary;
      out.push(
        `refit (annotated models): n=${s.refit.n} MAE=${s.refit.mae.toFixed(2)} spearman=${s.refit.spearman.toFixed(3)}`,
      );
      out.push(
        `coefficients (shared models): n=${s.sharedCoefficients.n} MAE=${s.sharedCoefficients.mae.toFixed(2)} spearman=${s.sharedCoefficients.spearman.toFixed(3)}`,
      );
      out.push(
        `coefficients (all models): n=${s.allCoefficients.n} MAE=${s.allCoefficients.mae.toFixed(2)} spearman=${s.allCoefficients.spearman.toFixed(3)}`,
      );
      process.stdout.write(`${out.join("\n")}\n`);
    });

  evalCmd
    .command("lc-predict")
    .description(
      "LC win rate of one model against another from a coefficient table (upstream's predict_winrate)",
    )
    .requiredOption("--lc-weights <csv>", "GLM coefficient table (length_controlled_v1)")
    .requiredOption("--difficulty <file>", "instruction difficulty (CSV or JSON)")
    .requiredOption("--model <name>", "model")
    .requiredOption("--baseline <name>", "baseline model")
    .action(async (o) => {
      const ev = await import("../../eval/index.js");
      const lc = ev.predictWinrate(
        await ev.readLcWeights(o.lcWeights),
        o.model,
        o.baseline,
        await ev.readDifficulty(o.difficulty),
      );
      process.stdout.write(
        `${JSON.stringify({ model: o.model, baseline: o.baseline, length_controlled_winrate: lc })}\n`,
      );
    });
}
