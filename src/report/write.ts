// writeReport(runDir): loads the run, builds and renders every chart, writes report.html atomically (and PNGs
// of every chart on request). The entry point `prefloop report` and the end of `prefloop run` call.
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { writeBytesAtomic } from "./atomic.js";
import { leaderboardChartSpec } from "../eval/index.js";
import {
  CONFIG,
  iterationLabel,
  lengthSpec,
  marginSpec,
  rewardDistributionSpec,
  type Spec,
  stageTimeSpec,
  trainingSpec,
  winRateSpec,
} from "./charts.js";
import { type PageModel, type RenderedChart, renderPage, type Sample } from "./html.js";
import { loadLeaderboard } from "./leaderboard.js";
import { iterationNumbers } from "./metrics.js";
import { loadRun, type RunData } from "./run-data.js";
import { renderSvg, svgToPng } from "./render.js";

export interface ReportOptions {
  /** HTML file (default: <runDir>/report.html) */
  out?: string;
  /** also write <id>.png (and <id>.svg) of every chart into this folder */
  pngDir?: string;
  /** PNG pixel ratio (default 2) */
  pngScale?: number;
}

export interface ReportResult {
  html: string;
  /** every chart section, rendered or with the note saying why not */
  charts: RenderedChart[];
  /** PNG files written (with pngDir) */
  pngs: string[];
}

interface ChartDef {
  id: string;
  short: string;
  title: string;
  caption: string;
  note: string;
  spec: Spec | null;
}

function chartDefs(run: RunData, model: Omit<PageModel, "charts" | "samples">): ChartDef[] {
  const n = model.numbers;
  return [
    {
      id: "reward",
      short: "Reward",
      title: "Held-out reward distribution",
      caption:
        "Training reward of each held-out answer (one tick per prompt), box = quartiles, diamond = mean. Rising boxes mean the policy learned what the reward model likes on prompts it never trained on.",
      note: "No held-out answers yet (base/heldout.jsonl and iteration-k/heldout.jsonl are missing).",
      spec: rewardDistributionSpec(run),
    },
    {
      id: "win-rate",
      short: "Win rate",
      title: "Win rate vs base and vs the previous iteration",
      caption:
        "Share of held-out prompts on which the judge prefers the iteration's answer (draws count half), with ±1 standard error bars; the dashed line is a coin flip. Iteration 1's previous model is the base.",
      note: "No judge verdicts: the held-out evaluation of an iteration has not run (or eval.enabled is false).",
      spec: winRateSpec(n),
    },
    {
      id: "length",
      short: "Length",
      title: "Response length: the length bias made visible",
      caption:
        "Mean length of held-out answers per model, beside the mean length of the chosen and rejected responses of each iteration's training pairs. Chosen well above rejected means the reward pays for length, and held-out answers grow to match.",
      note: "No answers or pairs yet.",
      spec: lengthSpec(n),
    },
    {
      id: "margins",
      short: "Margins",
      title: "Chosen vs rejected score margins",
      caption:
        "Reward of the chosen minus the rejected response of every training pair (box = quartiles, diamond = mean). Shrinking margins mean the samples agree more as the policy sharpens.",
      note: "No training pairs yet (iteration-k/pairs.jsonl).",
      spec: marginSpec(run),
    },
    {
      id: "training",
      short: "Training",
      title: "Training curves",
      caption:
        "DPO loss, reward accuracy (share of pairs where the implicit reward ranks chosen above rejected), reward margin and learning rate per optimizer step, iterations end to end, from each iteration's train_log.jsonl (TRL metric names).",
      note: "No train_log.jsonl in any iteration (the trainer did not log steps, e.g. an external or fake trainer).",
      spec: trainingSpec(run),
    },
    {
      id: "time",
      short: "Time",
      title: "Time per stage",
      caption:
        "Wall-clock seconds of each stage, as recorded in manifest.json (resumed stages count their last attempt).",
      note: "No stage has recorded its time yet.",
      spec: stageTimeSpec(run),
    },
    {
      id: "leaderboard",
      short: "Leaderboard",
      title: "AlpacaEval leaderboard",
      caption: "Length-controlled and raw win rates against the reference model, ±1.96 SE.",
      note: "No AlpacaEval results.",
      spec: model.leaderboard ? { ...leaderboardChartSpec(model.leaderboard.rows), config: CONFIG } : null,
    },
  ];
}

/** Up to three held-out prompts answered by every model: largest reward gain, median, largest drop. */
export function pickSamples(run: RunData, count = 3): Sample[] {
  const its = run.iterations.filter((it) => it.heldOut.length > 0);
  if (its.length === 0) return [];
  const byModel = its.map((it) => new Map(it.heldOut.map((r) => [r.prompt_id, r])));
  const ids = its[0].heldOut.map((r) => r.prompt_id).filter((id) => byModel.every((m) => m.has(id)));
  const first = byModel[0];
  const last = byModel[byModel.length - 1];
  const gain = (id: string) => (last.get(id)?.reward ?? 0) - (first.get(id)?.reward ?? 0);
  const sorted = [...ids].sort((a, b) => gain(b) - gain(a) || (a < b ? -1 : 1));
  const picks: [string, string][] = [];
  const add = (i: number, why: string) => {
    const id = sorted[i];
    if (id !== undefined && !picks.some(([p]) => p === id)) picks.push([id, why]);
  };
  add(0, "largest reward gain");
  add(Math.floor(sorted.length / 2), "median prompt");
  add(
    sorted.length - 1,
    gain(sorted[sorted.length - 1]) < 0 ? "largest reward drop" : "smallest reward gain",
  );
  return picks.slice(0, count).map(([id, why]) => ({
    prompt: run.prompts.get(id) ?? `(prompt ${id.slice(0, 12)}…)`,
    why: `${why} (${iterationLabel(its[0].iteration)} → ${iterationLabel(its[its.length - 1].iteration)}: ${gain(id) >= 0 ? "+" : ""}${gain(id).toFixed(3)})`,
    answers: its.map((it, i) => {
      const r = byModel[i].get(id);
      return {
        label: iterationLabel(it.iteration),
        text: r?.response ?? "",
        reward: r?.reward ?? null,
        win: r?.win ?? null,
      };
    }),
  }));
}

export async function buildReport(
  runDir: string,
): Promise<{ html: string; charts: RenderedChart[]; specs: Map<string, Spec> }> {
  const run = loadRun(resolve(runDir));
  const leaderboard = await loadLeaderboard(run.evalDir);
  const base = { run, numbers: iterationNumbers(run), leaderboard };
  const charts: RenderedChart[] = [];
  const specs = new Map<string, Spec>();
  for (const d of chartDefs(run, base)) {
    let svg: string | null = null;
    let note = d.note;
    if (d.spec) {
      specs.set(d.id, d.spec);
      try {
        svg = await renderSvg(d.spec);
      } catch (e) {
        // A chart that fails to render is a bug to report, but the rest of the report is still worth having.
        note = `This chart could not be rendered: ${(e as Error).message}`;
      }
    }
    charts.push({ id: d.id, short: d.short, title: d.title, caption: d.caption, svg, note });
  }
  const html = renderPage({ ...base, charts, samples: pickSamples(run) });
  return { html, charts, specs };
}

export async function writeReport(runDir: string, opts: ReportOptions = {}): Promise<ReportResult> {
  const { html, charts } = await buildReport(runDir);
  const out = resolve(opts.out ?? join(runDir, "report.html"));
  writeBytesAtomic(out, html);
  const pngs: string[] = [];
  if (opts.pngDir) pngs.push(...(await writeChartPngs(charts, opts.pngDir, opts.pngScale)));
  return { html: out, charts, pngs };
}

/** <dir>/<id>.png for every rendered chart. */
export async function writeChartPngs(charts: RenderedChart[], dir: string, scale = 2): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const out: string[] = [];
  for (const c of charts) {
    if (c.svg === null) continue;
    const file = join(dir, `${c.id}.png`);
    writeBytesAtomic(file, await svgToPng(c.svg, scale));
    out.push(file);
  }
  return out;
}
