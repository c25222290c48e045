// The report layer: report.html (inline SVG charts, no network), PNGs of every chart, terminal headline.
export { writeBytesAtomic } from "./atomic.js";
export { CONFIG, iterationLabel, PALETTE, type Spec } from "./charts.js";
export { formatHeadline } from "./headline.js";
export { escapeHtml, type RenderedChart, type Sample } from "./html.js";
export { loadLeaderboard, type RunLeaderboard } from "./leaderboard.js";
export {
  type Estimate,
  type IterationNumbers,
  iterationNumbers,
  meanSe,
  winVsBase,
  winVsPrevious,
} from "./metrics.js";
export { renderSvg, svgToPng } from "./render.js";
export { type IterationData, loadRun, type RunData } from "./run-data.js";
export {
  buildReport,
  pickSamples,
  type ReportOptions,
  type ReportResult,
  writeChartPngs,
  writeReport,
} from "./write.js";
