// Trainer paths beyond Bradley–Terry: LoRA moves only the adapted weights and the head; the pairwise head and
// the pointwise losses train (loss falls on their own training data); every trainable parameter moves.
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  type PairwiseExample,
  type PointExample,
  pairwiseIds,
  parseRmSettings,
  RewardModel,
  type RmData,
  randomRewardModel,
  rmMicroBatch,
  sequenceIds,
  trainRewardModel,
} from "../../src/rm/index.js";
import { charAssets, countA, randomText, tinyConfig } from "./fixtures.js";

const assets = charAssets(48);
const out = () => mkdtempSync(join(tmpdir(), "rm-tr-"));

test("LoRA: only adapted weights (merged) and the score head move", async () => {
  const model = randomRewardModel(tinyConfig, assets, 7);
  const before = new Map(model.parameters().map((p) => [p.name, Float32Array.from(p.data)]));
  const train = Array.from({ length: 16 }, (_, i) => {
    const [a, b] = [randomText(9, 2 * i), randomText(9, 2 * i + 1)];
    const [c, r] = countA(a) >= countA(b) ? [a, b] : [b, a];
    return {
      chosen: sequenceIds(assets, "", c, 32),
      rejected: sequenceIds(assets, "", r, 32),
      margin: 0,
      soft: 1,
    };
  });
  await trainRewardModel({
    model,
    data: { kind: "pairs", train, test: [] },
    settings: {
      max_steps: 3,
      use_peft: true,
      lora_r: 2,
      lora_target_modules: ["q_proj", "v_proj"],
      learning_rate: 1e-2,
    },
    outDir: out(),
  });
  for (const p of model.parameters()) {
    const moved = p.data.some((x, i) => x !== before.get(p.name)?.[i]);
    const shouldMove = p.name === "score.weight" || /(q_proj|v_proj)\.weight$/.test(p.name);
    assert.equal(moved, shouldMove, `${p.name} moved=${moved}`);
  }
});

test("pairwise head and pointwise BCE/MSE losses fall on their training data", async () => {
  const texts = Array.from({ length: 24 }, (_, i) => randomText(11, i));
  const pw: PairwiseExample[] = [];
  for (let i = 0; i + 1 < texts.length; i += 2) {
    const y = countA(texts[i]) > countA(texts[i + 1]) ? 1 : 0;
    pw.push({ ...pairwiseIds(assets, "q", texts[i], texts[i + 1], 64), label: y });
    pw.push({ ...pairwiseIds(assets, "q", texts[i + 1], texts[i], 64), label: 1 - y });
  }
  const pts: PointExample[] = texts.map((t) => ({
    ids: sequenceIds(assets, "", t, 32),
    label: countA(t) >= 2 ? 1 : 0,
  }));
  const graded: PointExample[] = texts.map((t) => ({
    ids: sequenceIds(assets, "", t, 32),
    label: countA(t) / 3,
  }));
  const cases: [string, RmData, "sequence" | "pairwise"][] = [
    ["pairwise", { kind: "pairwise", train: pw, test: [] }, "pairwise"],
    ["bce", { kind: "points", loss: "bce", train: pts, test: [] }, "sequence"],
    ["mse", { kind: "points", loss: "mse", train: graded, test: [] }, "sequence"],
  ];
  for (const [name, data, head] of cases) {
    const r = randomRewardModel(tinyConfig, assets, 8);
    const model = new RewardModel(r.trunk, r.score.data, assets, head);
    const s = parseRmSettings({});
    const loss0 = rmMicroBatch(model, data, data.train, s, 1, false).loss;
    await trainRewardModel({
      model,
      data,
      settings: { max_steps: 25, learning_rate: 3e-3, per_device_train_batch_size: 8 },
      outDir: out(),
    });
    const loss1 = rmMicroBatch(model, data, data.train, s, 1, false).loss;
    assert.ok(loss1 < 0.8 * loss0, `${name}: loss ${loss0} -> ${loss1}`);
  }
});
