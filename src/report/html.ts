// The report page: one self-contained HTML string (inline CSS and SVG, no script, no font or image fetched),
// with the headline table first, then one section per chart, sample answers side by side, the leaderboard
// and the recipe. A section without data says why instead of failing. Not the chart specs or rendering.
import type { LeaderboardRow } from "../eval/index.js";
import { iterationLabel } from "./charts.js";
import type { RunLeaderboard } from "./leaderboard.js";
import type { Estimate, IterationNumbers } from "./metrics.js";
import type { RunData } from "./run-data.js";

export interface RenderedChart {
  id: string;
  title: string;
  /** nav label */
  short: string;
  /** what the chart shows and how to read it (one or two sentences) */
  caption: string;
  svg: string | null;
  /** why the chart is missing, when svg is null */
  note: string;
}

export interface Sample {
  prompt: string;
  why: string;
  answers: { label: string; text: string; reward: number | null; win: number | null }[];
}

export interface PageModel {
  run: RunData;
  numbers: IterationNumbers[];
  charts: RenderedChart[];
  samples: Sample[];
  leaderboard: RunLeaderboard | null;
}

export const escapeHtml = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

const f = (v: number | null | undefined, digits: number): string =>
  v === null || v === undefined || !Number.isFinite(v) ? "—" : v.toFixed(digits);

export const pct = (e: Estimate | null): string =>
  e === null ? "—" : `${(100 * e.value).toFixed(1)}%${e.se === null ? "" : ` ± ${(100 * e.se).toFixed(1)}`}`;

const CSS = `
:root{--ink:#1f2937;--muted:#6b7280;--line:#e5e7eb;--soft:#f8fafc;--accent:#0072b2;--good:#047857;--bad:#b91c1c}
*{box-sizing:border-box}
body{margin:0;background:#f3f4f6;color:var(--ink);font:15px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans","Liberation Sans",Arial,sans-serif}
main{max-width:1060px;margin:0 auto;padding:32px 24px 64px}
header h1{font-size:28px;margin:0 0 4px;letter-spacing:-.01em}
header p{margin:0;color:var(--muted)}
section{background:#fff;border:1px solid var(--line);border-radius:10px;padding:20px 24px;margin:20px 0}
h2{font-size:19px;margin:0 0 6px}
p.caption{color:var(--muted);margin:0 0 14px;max-width:820px}
p.note{color:var(--muted);font-style:italic;margin:0}
figure{margin:0;overflow-x:auto}
figure svg{max-width:100%;height:auto}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{padding:6px 8px;font-size:13.5px;border-bottom:1px solid var(--line);text-align:right;white-space:nowrap}
th{font-weight:600;color:var(--muted);font-size:13px;text-transform:none}
td:first-child,th:first-child{text-align:left}
tr.ours td{background:#eff6ff;font-weight:600}
.up,.kpi span.up{color:var(--good)}.down,.kpi span.down{color:var(--bad)}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(240px,1fr));gap:12px}
.answer{background:var(--soft);border:1px solid var(--line);border-radius:8px;padding:10px 12px}
.answer h3{font-size:13px;margin:0 0 6px;color:var(--muted);font-weight:600;display:flex;justify-content:space-between;gap:8px}
.answer pre,.prompt pre{white-space:pre-wrap;word-break:break-word;margin:0;font:13.5px/1.5 inherit;font-family:inherit}
.prompt{margin:18px 0 8px;padding-left:10px;border-left:3px solid var(--accent)}
.prompt .why{font-size:12px;color:var(--muted)}
pre.recipe{background:var(--soft);border:1px solid var(--line);border-radius:8px;padding:14px;overflow-x:auto;font:12.5px/1.5 "DejaVu Sans Mono","Liberation Mono",Menlo,Consolas,monospace}
.kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(180px,1fr));gap:12px;margin:0 0 16px}
.kpi{background:var(--soft);border:1px solid var(--line);border-radius:8px;padding:10px 14px}
.kpi b{display:block;font-size:22px}.kpi span{color:var(--muted);font-size:13px}
nav{margin:14px 0 0;font-size:13px}nav a{color:var(--accent);margin-right:14px;text-decoration:none}
`;

function headline(m: PageModel): string {
  const rows = m.numbers;
  const last = rows.at(-1);
  const base = rows[0];
  const kpis: string[] = [];
  if (last && last.iteration > 0) {
    kpis.push(
      `<div class="kpi"><span>win rate vs base, ${iterationLabel(last.iteration)}</span><b>${escapeHtml(pct(last.winVsBase))}</b></div>`,
    );
    const dr = (last.heldOutReward?.value ?? Number.NaN) - (base?.heldOutReward?.value ?? Number.NaN);
    kpis.push(
      `<div class="kpi"><span>held-out reward, base → ${iterationLabel(last.iteration)}</span><b>${f(base?.heldOutReward?.value, 3)} → ${f(last.heldOutReward?.value, 3)}</b><span class="${dr >= 0 ? "up" : "down"}">${Number.isFinite(dr) ? `${dr >= 0 ? "+" : ""}${dr.toFixed(3)}` : ""}</span></div>`,
    );
    kpis.push(
      `<div class="kpi"><span>mean length, base → ${iterationLabel(last.iteration)}</span><b>${f(base?.meanLength, 0)} → ${f(last.meanLength, 0)} chars</b></div>`,
    );
  }
  const lb = m.leaderboard;
  if (lb) {
    const pos = lb.rows.findIndex((r) => lb.ours.has(r.name));
    if (pos >= 0)
      kpis.push(
        `<div class="kpi"><span>AlpacaEval (LC) position</span><b>#${pos + 1} of ${lb.rows.length}</b></div>`,
      );
  }
  const body = rows
    .map(
      (r) =>
        `<tr><td>${iterationLabel(r.iteration)}</td><td>${r.heldOutReward ? f(r.heldOutReward.value, 3) : "—"}</td><td>${escapeHtml(pct(r.winVsBase))}</td><td>${escapeHtml(pct(r.winVsPrevious))}</td><td>${f(r.meanLength, 0)}</td><td>${f(r.chosenLength, 0)} / ${f(r.rejectedLength, 0)}</td><td>${f(r.meanMargin, 3)}</td><td>${r.pairsKept ?? "—"}</td><td>${f(r.trainLoss, 4)}</td><td>${r.rewardAccuracy === null ? "—" : `${(100 * r.rewardAccuracy).toFixed(1)}%`}</td><td>${r.seconds === null ? "—" : `${r.seconds.toFixed(1)} s`}</td></tr>`,
    )
    .join("\n");
  const table =
    rows.length === 0
      ? `<p class="note">No iteration has finished yet (no summary.json and no held-out answers).</p>`
      : `<div style="overflow-x:auto"><table><thead><tr><th>model</th><th>held-out reward</th><th>win vs base</th><th>win vs previous</th><th>mean length</th><th>chosen / rejected length</th><th>mean margin</th><th>pairs</th><th>train loss</th><th>reward acc.</th><th>time</th></tr></thead><tbody>${body}</tbody></table></div>`;
  return `<section id="summary"><h2>Summary</h2><p class="caption">Held-out numbers are on prompts never trained on; win rates are the judge's verdicts (draws count half) ± one standard error; lengths are in characters.</p><div class="kpis">${kpis.join("")}</div>${table}</section>`;
}

function chartSection(c: RenderedChart): string {
  const body =
    c.svg === null
      ? `<p class="note">${escapeHtml(c.note)}</p>`
      : `<figure data-chart="${c.id}">${c.svg}</figure>`;
  return `<section id="${c.id}"><h2>${escapeHtml(c.title)}</h2><p class="caption">${escapeHtml(c.caption)}</p>${body}</section>`;
}

function samplesSection(samples: Sample[]): string {
  const title = `<h2>Sample responses</h2><p class="caption">The same held-out prompt answered by the base model and by each iteration (held-out sampling settings), with the training reward and the judge's verdict against the base answer.</p>`;
  if (samples.length === 0)
    return `<section id="samples">${title}<p class="note">No held-out answers in this run yet.</p></section>`;
  const blocks = samples.map((s) => {
    const answers = s.answers
      .map((a) => {
        const verdict =
          a.win === null ? "" : a.win === 1 ? "beats base" : a.win === 0 ? "loses to base" : "ties base";
        const cls = a.win === 1 ? "up" : a.win === 0 ? "down" : "";
        return `<div class="answer"><h3><span>${escapeHtml(a.label)}</span><span>reward ${f(a.reward, 3)} <span class="${cls}">${verdict}</span></span></h3><pre>${escapeHtml(a.text)}</pre></div>`;
      })
      .join("");
    return `<div class="prompt"><div class="why">${escapeHtml(s.why)}</div><pre>${escapeHtml(s.prompt)}</pre></div><div class="grid">${answers}</div>`;
  });
  return `<section id="samples">${title}${blocks.join("")}</section>`;
}

function leaderboardTable(rows: LeaderboardRow[], ours: Set<string>): string {
  const body = rows
    .map(
      (r, i) =>
        `<tr class="${ours.has(r.name) ? "ours" : ""}"><td>${i + 1}. ${escapeHtml(r.name)}</td><td>${f(r.length_controlled_winrate, 2)} ± ${f(r.lc_standard_error, 2)}</td><td>${f(r.win_rate, 2)} ± ${f(r.standard_error, 2)}</td><td>${f(r.avg_length, 0)}</td><td>${f(r.n_total, 0)}</td></tr>`,
    )
    .join("");
  return `<table><thead><tr><th>model</th><th>LC win rate (%)</th><th>win rate (%)</th><th>avg length</th><th>n</th></tr></thead><tbody>${body}</tbody></table>`;
}

function leaderboardSection(m: PageModel, chart: RenderedChart | undefined): string {
  const title = `<h2>AlpacaEval leaderboard</h2>`;
  const lb = m.leaderboard;
  if (!lb || !chart)
    return `<section id="leaderboard">${title}<p class="note">No AlpacaEval evaluation in this run (no eval/ folder with leaderboard.csv or annotations.json): enable eval.alpaca_eval in the recipe, or run \`prefloop eval\` and put its output in eval/.</p></section>`;
  const pos = lb.rows
    .map((r, i) => (lb.ours.has(r.name) ? `${escapeHtml(r.name)} #${i + 1}` : null))
    .filter(Boolean);
  const where =
    pos.length > 0 ? `Position by length-controlled win rate: ${pos.join(", ")} of ${lb.rows.length}.` : "";
  const fig =
    chart.svg === null
      ? `<p class="note">${escapeHtml(chart.note)}</p>`
      : `<figure data-chart="${chart.id}">${chart.svg}</figure>`;
  return `<section id="leaderboard">${title}<p class="caption">${escapeHtml(chart.caption)} ${where} Source: ${escapeHtml(lb.source)}.</p>${fig}${leaderboardTable(lb.rows, lb.ours)}</section>`;
}

export function renderPage(m: PageModel): string {
  const { run } = m;
  const meta = [
    run.manifest?.prefloop_version ? `prefloop ${run.manifest.prefloop_version}` : null,
    run.manifest?.seed !== undefined ? `seed ${run.manifest.seed}` : null,
    run.manifest?.created_at ? `started ${run.manifest.created_at}` : null,
    `${Math.max(0, run.iterations.length - 1)} iteration(s)`,
  ].filter(Boolean);
  const main = m.charts.filter((c) => c.id !== "leaderboard");
  const nav = [
    ...main.map((c) => [c.id, c.short]),
    ["samples", "Samples"],
    ["leaderboard", "Leaderboard"],
    ["recipe", "Recipe"],
  ]
    .map(([id, t]) => `<a href="#${id}">${escapeHtml(t)}</a>`)
    .join("");
  const recipe =
    run.recipeYaml === null
      ? `<p class="note">No recipe.yaml in the run folder.</p>`
      : `<pre class="recipe">${escapeHtml(run.recipeYaml)}</pre>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>prefloop report: ${escapeHtml(run.name)}</title><style>${CSS}</style></head>
<body><main>
<header><h1>prefloop run: ${escapeHtml(run.name)}</h1><p>${escapeHtml(meta.join(" · "))}</p><nav>${nav}</nav></header>
${headline(m)}
${main.map(chartSection).join("\n")}
${samplesSection(m.samples)}
${leaderboardSection(
  m,
  m.charts.find((c) => c.id === "leaderboard"),
)}
<section id="recipe"><h2>Resolved recipe</h2><p class="caption">recipe.yaml as the run used it (defaults filled in, paths absolute).</p>${recipe}</section>
</main></body></html>
`;
}
