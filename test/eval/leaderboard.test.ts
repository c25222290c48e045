// Leaderboard discovery in alpaca_eval's results layout, LC from a given difficulty, and the SVG chart.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { leaderboardChartSpec, renderChartSvg } from "../../src/eval/chart.js";
import { buildLeaderboard, findAnnotationFiles } from "../../src/eval/leaderboard.js";
import { alpacaDir } from "./shared-data.js";

describe("eval leaderboard", () => {
  it("finds one judge's annotations in the results layout and renders the chart", async () => {
    const results = join(alpacaDir, "results");
    const files = findAnnotationFiles([results], "weighted_alpaca_eval_gpt4_turbo");
    assert.equal(files.length, 7);
    assert.ok(files.every((f) => f.includes("weighted_alpaca_eval_gpt4_turbo")));
    const golden = JSON.parse(
      readFileSync(join(import.meta.dirname, "../golden/eval/lc_sklearn.json"), "utf8"),
    ) as {
      difficulty: number[];
    };
    const baseline = files.find((f) => f.includes("gpt4_1106_preview/"))!;
    const rows = await buildLeaderboard([files[0]!, files[1]!, baseline], { difficulty: golden.difficulty });
    assert.equal(rows.length, 3);
    assert.equal(rows.find((r) => r.name === "gpt4_1106_preview")?.length_controlled_winrate, 50);
    for (let i = 1; i < rows.length; i++) {
      assert.ok(rows[i - 1]!.length_controlled_winrate >= rows[i]!.length_controlled_winrate);
    }
    const svg = await renderChartSvg(leaderboardChartSpec(rows));
    assert.match(svg, /^<svg/);
    for (const r of rows) assert.ok(svg.includes(r.name.slice(0, 10)), r.name);
  });
});
