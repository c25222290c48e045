// Reliability diagram of a reward model (predicted vs observed preference frequency per bin, point size =
// pairs, with the diagonal of perfect calibration) as a Vega-Lite spec, rendered to SVG by src/util/vega-svg as
// src/eval/chart.ts does. Not the numbers (eval.ts).

import { renderVegaLiteSvg } from "../util/vega-svg.js";
import type { RmEvalReport } from "./eval.js";

export function reliabilitySpec(r: RmEvalReport, title: string): Record<string, unknown> {
  const points = r.calibration.bins.filter((b) => b.count > 0);
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: `${title}: reliability (ECE ${r.calibration.ece.toFixed(3)}, accuracy ${(100 * r.accuracy).toFixed(1)}%)`,
    width: 360,
    height: 360,
    config: { font: "DejaVu Sans, Liberation Sans, Helvetica, Arial, sans-serif", view: { stroke: null } },
    layer: [
      {
        data: {
          values: [
            { x: 0, y: 0 },
            { x: 1, y: 1 },
          ],
        },
        mark: { type: "line", color: "#9ca3af", strokeDash: [4, 4] },
        encoding: { x: { field: "x", type: "quantitative" }, y: { field: "y", type: "quantitative" } },
      },
      {
        data: { values: points },
        mark: { type: "line", point: true, color: "#0072b2" },
        encoding: {
          x: {
            field: "predicted",
            type: "quantitative",
            title: "predicted P(first ≻ second)",
            scale: { domain: [0, 1] },
          },
          y: {
            field: "observed",
            type: "quantitative",
            title: "observed frequency",
            scale: { domain: [0, 1] },
          },
          size: { field: "count", type: "quantitative", title: "pairs" },
          tooltip: [{ field: "count" }, { field: "predicted" }, { field: "observed" }],
        },
      },
    ],
  };
}

/** The spec as SVG (src/util/vega-svg). */
export const renderSvg = renderVegaLiteSvg;
