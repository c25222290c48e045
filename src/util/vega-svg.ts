// A Vega-Lite spec rendered to SVG headlessly (vega-lite compiles, vega renders with no DOM). Shared by the
// leaderboard chart (src/eval), the reward-model reliability diagram (src/rm) and the report (src/report).
// vega and vega-lite load on first use: they are large and most commands never draw.

export async function renderVegaLiteSvg(spec: Record<string, unknown>): Promise<string> {
  const vl = await import("vega-lite");
  const vega = await import("vega");
  const compiled = vl.compile(spec as unknown as Parameters<typeof vl.compile>[0]).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}
