// The leaderboard chart for the report: a Vega-Lite spec (LC win rate with ±1.96·SE bars beside the raw
// win rate, per model) and its SVG rendered headless with vega. Not the HTML report (src/report).

import { renderVegaLiteSvg } from "../util/vega-svg.js";
import type { LeaderboardRow } from "./leaderboard.js";

export function leaderboardChartSpec(
  rows: LeaderboardRow[],
  title = "AlpacaEval 2.0",
): Record<string, unknown> {
  const values = rows.flatMap((r) => [
    { model: r.name, metric: "LC win rate", value: r.length_controlled_winrate, se: r.lc_standard_error },
    { model: r.name, metric: "win rate", value: r.win_rate, se: r.standard_error },
  ]);
  const order = rows.map((r) => r.name);
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title,
    data: { values },
    transform: [
      { calculate: "datum.value - 1.96 * datum.se", as: "lo" },
      { calculate: "datum.value + 1.96 * datum.se", as: "hi" },
    ],
    encoding: {
      y: { field: "model", type: "nominal", sort: order, title: null, axis: { labelLimit: 280 } },
      yOffset: { field: "metric" },
      color: { field: "metric", type: "nominal", title: null },
    },
    layer: [
      { mark: "bar", encoding: { x: { field: "value", type: "quantitative", title: "% vs reference" } } },
      {
        mark: { type: "rule", color: "black" },
        encoding: { x: { field: "lo", type: "quantitative" }, x2: { field: "hi" } },
      },
    ],
    width: 480,
  };
}

/** The spec as SVG (src/util/vega-svg). */
export const renderChartSvg = renderVegaLiteSvg;
