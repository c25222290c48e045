import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkAligned, parseAnnotations, readAnnotations } from "../../src/eval/annotations.js";
import { computeMetrics, winRateFromPreferences } from "../../src/eval/metrics.js";
import { InputError } from "../../src/util/errors.js";
import { annotatedModels, publishedLeaderboard } from "./shared-data.js";

describe("eval metrics", () => {
  const published = publishedLeaderboard();
  const models = annotatedModels();

  it("finds the shared annotated models", () => {
    assert.ok(models.length >= 7, `found ${models.length}`);
  });

  for (const { model, path } of models) {
    it(`equals the published leaderboard row for ${model}`, async () => {
      const m = computeMetrics(await readAnnotations(path));
      const row = published.get(model);
      assert.ok(row, `${model} in the leaderboard`);
      assert.ok(
        Math.abs(m.win_rate - Number(row.win_rate)) < 1e-6,
        `win_rate ${m.win_rate} vs ${row.win_rate}`,
      );
      assert.ok(Math.abs(m.standard_error - Number(row.standard_error)) < 1e-6, "standard_error");
      assert.ok(Math.abs(m.discrete_win_rate - Number(row.discrete_win_rate)) < 1e-9, "discrete_win_rate");
      for (const k of ["n_wins", "n_wins_base", "n_draws", "n_total", "avg_length"] as const) {
        assert.equal(m[k], Number(row[k]), k);
      }
    });
  }

  it("counts draws, drops missing preferences and maps legacy 0 to a draw", () => {
    const m = winRateFromPreferences([2, 1, 1.5, null, 1.7, 1.2]);
    assert.equal(m.n_total, 5);
    assert.equal(m.n_draws, 1);
    assert.equal(m.n_wins, 2);
    assert.equal(m.n_wins_base, 2);
    assert.ok(Math.abs(m.win_rate - 48) < 1e-12);
    assert.ok(Math.abs(m.discrete_win_rate - 50) < 1e-12);
    const rows = [
      { instruction: "a", output_1: "x", output_2: "y", generator_1: "b", generator_2: "m", preference: 0 },
    ];
    assert.equal(parseAnnotations(rows, "f.json").rows[0]?.preference, 1.5);
  });

  const good = {
    instruction: "a",
    output_1: "x",
    output_2: "y",
    generator_1: "b",
    generator_2: "m",
    preference: 2,
  };
  const cases: [string, unknown, RegExp][] = [
    [
      "missing field",
      [good, { ...good, output_2: undefined }],
      /f\.json: \[1\]\.output_2: expected a string/,
    ],
    [
      "preference out of range",
      [{ ...good, preference: 3 }],
      /f\.json: \[0\]\.preference: expected a number in \[1, 2\]/,
    ],
    ["preference a string", [good, good, { ...good, preference: "2" }], /\[2\]\.preference/],
    [
      "two models in one file",
      [good, { ...good, generator_2: "other" }],
      /\[1\]\.generator_2: expected one model/,
    ],
    ["not an array", { a: 1 }, /f\.json: \(root\)/],
  ];
  for (const [name, data, re] of cases) {
    it(`rejects a bad file: ${name}`, () => {
      assert.throws(
        () => parseAnnotations(data, "f.json"),
        (e: unknown) => e instanceof InputError && re.test(e.message),
      );
    });
  }

  it("rejects files that do not judge the same instructions with the same judge", () => {
    const a = parseAnnotations([good, { ...good, instruction: "b" }], "a.json");
    const b = parseAnnotations([good, { ...good, instruction: "c", generator_2: "m" }], "b.json");
    assert.throws(
      () => checkAligned([a, b]),
      /b\.json: \[1\]\.instruction: expected the same instruction as a\.json/,
    );
    const c = parseAnnotations([{ ...good, annotator: "x" }], "c.json");
    const d = parseAnnotations([{ ...good, annotator: "y" }], "d.json");
    assert.throws(() => checkAligned([c, d]), /d\.json: \[0\]\.annotator/);
    const e = parseAnnotations(
      [
        { ...good, generator_1: "other" },
        { ...good, generator_1: "other", instruction: "b" },
      ],
      "e.json",
    );
    assert.throws(() => checkAligned([a, e]), /e\.json: \[0\]\.generator_1/);
  });
});
