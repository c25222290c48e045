// Vega-Lite specs of the report's charts, built from RunData: held-out reward distribution, win rates with
// SE bars, lengths (held-out, chosen, rejected), score margins, training curves, time per stage. Each builder
// returns null when the run has no data for it (the report then prints a note). Not the rendering (render.ts).
import { assistantText, type IterationNumbers } from "./metrics.js";
import type { RunData } from "./run-data.js";

export type Spec = Record<string, unknown>;

export const FONT = "DejaVu Sans, Liberation Sans, Helvetica, Arial, sans-serif";
const INK = "#1f2937";
const MUTED = "#6b7280";
const BASE_COLOUR = "#9ca3af";
/** colour-blind-safe categorical palette (Okabe–Ito, without its yellow) */
export const PALETTE = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#000000"];

/** The shared look: one font, quiet axes, no chart border. */
export const CONFIG = {
  font: FONT,
  background: "#ffffff",
  padding: 8,
  view: { stroke: null },
  title: { fontSize: 14, fontWeight: 600, color: INK, anchor: "start", offset: 10 },
  axis: {
    labelColor: MUTED,
    titleColor: INK,
    titleFontWeight: 500,
    labelFontSize: 11,
    titleFontSize: 12,
    gridColor: "#eceff3",
    domainColor: "#cbd5e1",
    tickColor: "#cbd5e1",
  },
  legend: { labelColor: INK, titleColor: INK, labelFontSize: 11, titleFontSize: 12, orient: "bottom" },
  range: { category: PALETTE },
};

export const iterationLabel = (k: number): string => (k === 0 ? "base" : `iteration ${k}`);

function spec(title: string, body: Spec): Spec {
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title,
    config: CONFIG,
    ...body,
  };
}

/** base in grey, iterations in the palette, in iteration order */
function modelColour(labels: string[]): Spec {
  let i = 0;
  return {
    field: "model",
    type: "nominal",
    sort: labels,
    title: null,
    scale: { domain: labels, range: labels.map((l) => (l === "base" ? BASE_COLOUR : PALETTE[i++ % 7])) },
    legend: null,
  };
}

export function rewardDistributionSpec(run: RunData): Spec | null {
  const values = run.iterations.flatMap((it) =>
    it.heldOut.map((r) => ({ model: iterationLabel(it.iteration), reward: r.reward })),
  );
  if (values.length === 0) return null;
  const labels = run.iterations
    .filter((it) => it.heldOut.length > 0)
    .map((it) => iterationLabel(it.iteration));
  const x = { field: "model", type: "nominal", sort: labels, title: null, axis: { labelAngle: 0 } };
  return spec("Held-out reward per iteration", {
    width: { step: 90 },
    height: 260,
    data: { values },
    layer: [
      {
        mark: { type: "tick", opacity: 0.35, thickness: 1.5, size: 30 },
        encoding: {
          x,
          y: { field: "reward", type: "quantitative", title: "training reward" },
          color: modelColour(labels),
        },
      },
      {
        mark: {
          type: "boxplot",
          extent: 1.5,
          size: 46,
          opacity: 0.55,
          median: { color: INK },
          outliers: false,
        },
        encoding: {
          x,
          y: { field: "reward", type: "quantitative", title: "training reward" },
          color: modelColour(labels),
        },
      },
      {
        mark: { type: "point", shape: "diamond", filled: true, size: 70, color: INK },
        encoding: {
          x,
          y: { aggregate: "mean", field: "reward", type: "quantitative", title: "training reward" },
        },
      },
    ],
  });
}

export function winRateSpec(rows: IterationNumbers[]): Spec | null {
  const values = rows.flatMap((r) =>
    (
      [
        ["vs base", r.winVsBase],
        ["vs previous iteration", r.winVsPrevious],
      ] as const
    )
      .filter(([, e]) => e !== null)
      .map(([comparison, e]) => ({
        model: iterationLabel(r.iteration),
        comparison,
        value: 100 * (e?.value ?? 0),
        lo: 100 * Math.max(0, (e?.value ?? 0) - (e?.se ?? 0)),
        hi: 100 * Math.min(1, (e?.value ?? 0) + (e?.se ?? 0)),
      })),
  );
  if (values.length === 0) return null;
  const labels = [...new Set(values.map((v) => v.model))];
  const x = { field: "model", type: "nominal", sort: labels, title: null, axis: { labelAngle: 0 } };
  const xOffset = { field: "comparison", sort: ["vs base", "vs previous iteration"] };
  const colour = {
    field: "comparison",
    type: "nominal",
    title: null,
    scale: { domain: ["vs base", "vs previous iteration"], range: [PALETTE[0], PALETTE[1]] },
    legend: { labelLimit: 0 },
  };
  return spec("Judge win rate on held-out prompts (± 1 SE)", {
    width: Math.max(260, 130 * rows.filter((r) => r.iteration > 0).length),
    height: 260,
    data: { values },
    layer: [
      {
        mark: { type: "bar", cornerRadiusEnd: 2, width: { band: 0.8 } },
        encoding: {
          x,
          xOffset,
          y: { field: "value", type: "quantitative", title: "win rate (%)", scale: { domain: [0, 100] } },
          color: colour,
        },
      },
      {
        mark: { type: "rule", color: INK, strokeWidth: 1.5 },
        encoding: {
          x,
          xOffset,
          y: { field: "lo", type: "quantitative" },
          y2: { field: "hi" },
        },
      },
      {
        data: { values: [{ even: 50 }] },
        mark: { type: "rule", strokeDash: [4, 4], color: MUTED },
        encoding: { y: { field: "even", type: "quantitative" } },
      },
    ],
  });
}

export function lengthSpec(rows: IterationNumbers[]): Spec | null {
  const series = [
    ["held-out answers", (r: IterationNumbers) => r.meanLength],
    ["chosen (training pairs)", (r: IterationNumbers) => r.chosenLength],
    ["rejected (training pairs)", (r: IterationNumbers) => r.rejectedLength],
  ] as const;
  const values = rows.flatMap((r) =>
    series
      .map(([name, get]) => ({ model: iterationLabel(r.iteration), series: name, chars: get(r) }))
      .filter((v) => v.chars !== null),
  );
  if (values.length === 0) return null;
  const labels = rows.map((r) => iterationLabel(r.iteration));
  return spec("Mean response length (characters)", {
    width: Math.max(260, 110 * labels.length),
    height: 260,
    data: { values },
    encoding: {
      x: { field: "model", type: "ordinal", sort: labels, title: null, axis: { labelAngle: 0 } },
      y: { field: "chars", type: "quantitative", title: "mean length (chars)" },
      color: {
        field: "series",
        type: "nominal",
        title: null,
        scale: { domain: series.map((s) => s[0]), range: [INK, PALETTE[2], PALETTE[5]] },
        legend: { labelLimit: 0, symbolStrokeWidth: 2 },
      },
      strokeDash: {
        field: "series",
        type: "nominal",
        title: null,
        scale: {
          domain: series.map((s) => s[0]),
          range: [
            [1, 0],
            [6, 3],
            [2, 2],
          ],
        },
      },
    },
    layer: [{ mark: { type: "line", strokeWidth: 2 } }, { mark: { type: "point", filled: true, size: 60 } }],
  });
}

export function marginSpec(run: RunData): Spec | null {
  const values = run.iterations.flatMap((it) =>
    it.pairs.map((p) => ({
      model: iterationLabel(it.iteration),
      margin: p.score_chosen - p.score_rejected,
      longer: [...assistantText(p.chosen)].length > [...assistantText(p.rejected)].length,
    })),
  );
  if (values.length === 0) return null;
  const labels = run.iterations.filter((it) => it.pairs.length > 0).map((it) => iterationLabel(it.iteration));
  const x = { field: "model", type: "nominal", sort: labels, title: null, axis: { labelAngle: 0 } };
  return spec("Chosen − rejected reward margin of the training pairs", {
    width: { step: 90 },
    height: 240,
    data: { values },
    layer: [
      {
        mark: { type: "boxplot", extent: 1.5, size: 46, opacity: 0.6, median: { color: INK } },
        encoding: {
          x,
          y: { field: "margin", type: "quantitative", title: "score chosen − score rejected" },
          color: modelColour(labels),
        },
      },
      {
        mark: { type: "point", shape: "diamond", filled: true, size: 70, color: INK },
        encoding: {
          x,
          y: {
            aggregate: "mean",
            field: "margin",
            type: "quantitative",
            title: "score chosen − score rejected",
          },
        },
      },
    ],
  });
}

export const TRAIN_METRICS = [
  ["loss", "loss"],
  ["rewards/accuracies", "reward accuracy"],
  ["rewards/margins", "reward margin"],
  ["learning_rate", "learning rate"],
] as const;

export function trainingSpec(run: RunData): Spec | null {
  const values: Record<string, number | string>[] = [];
  let offset = 0;
  for (const it of run.iterations) {
    let last = 0;
    for (const line of it.trainLog) {
      if (typeof line.step !== "number") continue;
      last = Math.max(last, line.step);
      for (const [key, title] of TRAIN_METRICS)
        if (typeof line[key] === "number" && Number.isFinite(line[key]))
          values.push({
            model: iterationLabel(it.iteration),
            metric: title,
            step: offset + line.step,
            value: line[key],
          });
    }
    offset += last;
  }
  if (values.length === 0) return null;
  const labels = run.iterations
    .filter((it) => it.trainLog.length > 0)
    .map((it) => iterationLabel(it.iteration));
  const panel = (title: string): Spec => ({
    width: 300,
    height: 150,
    title: { text: title, fontSize: 12 },
    transform: [{ filter: { field: "metric", equal: title } }],
    mark: { type: "line", strokeWidth: 1.8, point: values.length < 80 },
    encoding: {
      x: { field: "step", type: "quantitative", title: "optimizer step (all iterations)" },
      y: {
        field: "value",
        type: "quantitative",
        title: null,
        scale: { zero: false },
        axis: title === "learning rate" ? { format: ".1e" } : {},
      },
      color: { ...modelColour(labels), legend: { title: null, orient: "bottom" } },
    },
  });
  const present = TRAIN_METRICS.map(([, t]) => t).filter((t) => values.some((v) => v.metric === t));
  return spec("Training curves (train_log.jsonl)", {
    data: { values },
    columns: 2,
    concat: present.map(panel),
    resolve: { scale: { y: "independent" } },
  });
}

export function stageTimeSpec(run: RunData): Spec | null {
  const values = run.stageTimes
    .filter((s) => s.seconds > 0)
    .map((s) => ({ group: s.group, stage: s.stage, seconds: Math.round(s.seconds * 1000) / 1000 }));
  if (values.length === 0) return null;
  const groups = [...new Set(values.map((v) => v.group))];
  const stages = [...new Set(values.map((v) => v.stage))];
  return spec("Time per stage", {
    width: 520,
    height: { step: 26 },
    data: { values: values.map((v) => ({ ...v, stageOrder: stages.indexOf(v.stage) })) },
    mark: { type: "bar", stroke: "#ffffff", strokeWidth: 1 },
    encoding: {
      y: { field: "group", type: "nominal", sort: groups, title: null },
      x: { field: "seconds", type: "quantitative", stack: "zero", title: "seconds" },
      color: { field: "stage", type: "nominal", sort: stages, title: null },
      order: { field: "stageOrder", type: "quantitative" },
    },
  });
}
