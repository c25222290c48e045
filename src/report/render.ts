// Server-side rendering of the report's Vega-Lite specs: SVG through src/eval's renderChartSvg (vega's headless
// renderer: no browser, no network), PNG through resvg with the system fonts. Not the specs (charts.ts).
import { renderChartSvg } from "../eval/index.js";
import { FONT } from "./charts.js";

export async function renderSvg(spec: Record<string, unknown>): Promise<string> {
  return renderChartSvg(spec);
}

/** PNG of an SVG at `scale` x its size (2 = sharp on high-density screens and in READMEs). */
export async function svgToPng(svg: string, scale = 2): Promise<Buffer> {
  const { Resvg } = await import("@resvg/resvg-js");
  const r = new Resvg(svg, {
    background: "#ffffff",
    fitTo: { mode: "zoom", value: scale },
    font: { loadSystemFonts: true, defaultFontFamily: FONT.split(",")[0].trim() },
  });
  return Buffer.from(r.render().asPng());
}
