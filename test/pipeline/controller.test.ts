import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  buildPairs,
  type PreferenceRow,
  RunDirectory,
  readJsonlRows,
  runLoop,
  stageIds,
  type Summary,
} from "../../src/pipeline/index.js";
import { Logger } from "../../src/util/log.js";
import { fakeComponents, fakeRecipe, opened, qualityOf } from "./fixtures/fakes.js";

const quiet = new Logger({ quiet: true });
const tmp = () => mkdtempSync(join(tmpdir(), "pf-loop-"));

test("the loop runs K iterations end to end: every stage done, models chained, summary rising", async () => {
  const out = tmp();
  const recipe = fakeRecipe();
  const summary = await runLoop({ recipe, outDir: out, components: fakeComponents(), logger: quiet });
  const m = RunDirectory.read(out);
  assert.deepEqual(Object.keys(m.stages), stageIds(3));
  for (const [id, s] of Object.entries(m.stages)) assert.equal(s.state, "done", id);
  // iteration k trains from iteration k-1's model: quality 1, 2, 3
  for (let k = 1; k <= 3; k++) assert.equal(qualityOf(join(out, `iteration-${k}`, "model")), k);
  // iteration 2 sampled from iteration 1's model
  assert.match(readFileSync(join(out, "iteration-2", "generations.jsonl"), "utf8"), /"model":"fake-gen:q1"/);
  // summary.json: base + 3 iterations, the documented keys, reward rising, win rate above 1/2 by the end
  const file = JSON.parse(readFileSync(join(out, "summary.json"), "utf8")) as Summary;
  assert.deepEqual(file, summary);
  assert.deepEqual(
    summary.iterations.map((r) => r.iteration),
    [0, 1, 2, 3],
  );
  assert.deepEqual(Object.keys(summary.iterations[1]).sort(), [
    "held_out_reward",
    "iteration",
    "judge_win_rate",
    "judge_win_rate_se",
    "mean_length_chars",
    "pairs_kept",
    "reward_accuracy",
    "seconds_by_stage",
    "train_loss",
  ]);
  const rewards = summary.iterations.map((r) => r.held_out_reward ?? Number.NaN);
  assert.ok(rewards[3] > rewards[0], `held-out reward ${rewards.join(" -> ")}`);
  const last = summary.iterations[3];
  assert.ok((last.judge_win_rate ?? 0) > 0.5, `win rate ${last.judge_win_rate}`);
  assert.ok((last.judge_win_rate_se ?? 0) > 0);
  assert.ok(Math.abs((last.train_loss ?? 0) - 0.4) < 1e-12, "train loss is the trainer metric");
  assert.deepEqual(Object.keys(last.seconds_by_stage), [
    "generate",
    "rank",
    "pairs",
    "ref_logps",
    "train",
    "heldout_eval",
  ]);
  // the held-out win rate is the mean of per-prompt verdicts in heldout.jsonl
  const ev = await readJsonlRows<{ win: number }>(join(out, "iteration-3", "heldout.jsonl"));
  assert.equal(ev.length, 12);
  assert.equal(last.judge_win_rate, ev.reduce((a, r) => a + r.win, 0) / ev.length);
  // the reference log-probs stage ran and the trainer got the file
  assert.ok(existsSync(join(out, "iteration-1", "ref_logps.jsonl")));
  assert.equal(
    JSON.parse(readFileSync(join(out, "iteration-1", "model", "fake.json"), "utf8")).refLogps,
    true,
  );
  // the recorded recipe and choices
  assert.equal(m.choices.reference, "previous");
  assert.equal(m.seed, 5);
});

test("pairs: best = chosen, worst = rejected, all-tie groups dropped and counted, dataset columns", async () => {
  const out = tmp();
  await runLoop({
    recipe: fakeRecipe({ iterations: 1 }),
    outDir: out,
    components: fakeComponents(),
    logger: quiet,
  });
  const gens = await readJsonlRows<{ prompt_id: string; responses: string[] }>(
    join(out, "iteration-1", "generations.jsonl"),
  );
  const scores = await readJsonlRows<{ prompt_id: string; scores: number[] }>(
    join(out, "iteration-1", "scores.jsonl"),
  );
  const pairs = await readJsonlRows<PreferenceRow>(join(out, "iteration-1", "pairs.jsonl"));
  const ties = scores.filter((s) => Math.max(...s.scores) === Math.min(...s.scores)).length;
  const m = RunDirectory.read(out);
  assert.equal(m.stages["iteration-1/pairs"].metrics.dropped_ties, ties);
  assert.equal(pairs.length, gens.length - ties);
  for (const p of pairs) {
    const s = scores.find((x) => x.prompt_id === p.prompt_id);
    assert.ok(s);
    assert.equal(p.score_chosen, Math.max(...s.scores));
    assert.equal(p.score_rejected, Math.min(...s.scores));
    assert.deepEqual(p.all_rm_scores, s.scores);
    assert.equal(p.chosen[0].role, "user");
    assert.equal(p.chosen[1].role, "assistant");
    const worst = p.all_generated_responses.filter((_, i) => s.scores[i] === Math.min(...s.scores));
    assert.ok(worst.includes(p.rejected[1].content));
    const best = p.all_generated_responses.filter((_, i) => s.scores[i] === Math.max(...s.scores));
    assert.ok(best.includes(p.chosen[1].content));
    assert.deepEqual(p.messages, p.chosen);
  }
});

test("min_margin and length ratio drop more pairs and are counted apart from ties", () => {
  const prompt = "q";
  const messages = [{ role: "user" as const, content: "q" }];
  const groups = [
    { prompt_id: "a", prompt, messages, responses: ["x", "y", "z"], scores: [1, 1, 1] },
    { prompt_id: "b", prompt, messages, responses: ["x", "y", "z"], scores: [1, 1.05, 1] },
    { prompt_id: "c", prompt, messages, responses: ["x", "yy", "z"], scores: [0, 2, 1] },
    {
      prompt_id: "d",
      prompt,
      messages,
      responses: ["short", "a much much longer answer", "mid answer"],
      scores: [0, 2, 1],
    },
  ];
  const cfg = {
    strategy: "best_worst" as const,
    min_margin: 0.5,
    max_length_ratio: null,
    length_unit: "chars" as const,
  };
  const r = buildPairs(groups, cfg, { mode: "none" }, 0);
  assert.deepEqual(r.counts, { groups: 4, pairs_kept: 2, dropped_ties: 1, dropped_filtered: 1 });
  assert.deepEqual(
    r.rows.map((x) => [x.prompt_id, x.chosen[1].content, x.rejected[1].content]),
    [
      ["c", "yy", "x"],
      ["d", "a much much longer answer", "short"],
    ],
  );
  const ratio = buildPairs(groups, { ...cfg, min_margin: 0, max_length_ratio: 3 }, { mode: "none" }, 0);
  // d: the longest (25 chars) vs "short" (5) is over 3x; the next candidate within the window is paired instead
  const d = ratio.rows.find((x) => x.prompt_id === "d");
  assert.ok(d);
  assert.ok(d.chosen[1].content.length / d.rejected[1].content.length <= 3);
});

test("a rerun of a finished run does nothing (no stage attempted again, no component opened)", async () => {
  const out = tmp();
  const recipe = fakeRecipe({ iterations: 2 });
  await runLoop({ recipe, outDir: out, components: fakeComponents(), logger: quiet });
  const before = RunDirectory.read(out);
  const summaryBefore = readFileSync(join(out, "summary.json"), "utf8");
  opened.length = 0;
  await runLoop({ recipe, outDir: out, components: fakeComponents(), logger: quiet });
  const after = RunDirectory.read(out);
  assert.equal(opened.length, 0, `generators opened: ${opened.join(", ")}`);
  for (const id of Object.keys(before.stages))
    assert.equal(after.stages[id].attempts, before.stages[id].attempts, id);
  assert.equal(readFileSync(join(out, "summary.json"), "utf8"), summaryBefore);
});

test("reference: base trains every iteration against the original model", async () => {
  const out = tmp();
  const recipe = fakeRecipe({ iterations: 2, train: { reference: "base" } });
  await runLoop({ recipe, outDir: out, components: fakeComponents(), logger: quiet });
  const m = RunDirectory.read(out);
  assert.equal(m.stages["iteration-2/train"].inputs.reference, "/nonexistent/base-model");
  assert.equal(m.stages["iteration-2/train"].inputs.start, join(out, "iteration-1", "model"));
});

test("a failing component marks its stage failed and the rerun resumes from there", async () => {
  const out = tmp();
  const recipe = fakeRecipe({ iterations: 1 });
  const broken = fakeComponents();
  broken.trainer = async () => ({
    id: "broken",
    train: async () => {
      throw new Error("GPU on fire");
    },
  });
  await assert.rejects(runLoop({ recipe, outDir: out, components: broken, logger: quiet }), /GPU on fire/);
  let m = RunDirectory.read(out);
  assert.equal(m.stages["iteration-1/train"].state, "failed");
  assert.equal(m.stages["iteration-1/train"].error, "GPU on fire");
  assert.ok(!existsSync(join(out, "iteration-1", "model")), "no half-written model");
  assert.equal(m.stages["iteration-1/generate"].state, "done");
  await runLoop({ recipe, outDir: out, components: fakeComponents(), logger: quiet });
  m = RunDirectory.read(out);
  assert.equal(m.stages["iteration-1/train"].state, "done");
  assert.equal(m.stages["iteration-1/train"].attempts, 2);
  assert.equal(m.stages["iteration-1/generate"].attempts, 1);
});

test("per-iteration sampling overrides reach the generator and the manifest", async () => {
  const out = tmp();
  const recipe = fakeRecipe({
    iterations: 2,
    generate: { n: 4, batch_size: 3, per_iteration: [{}, { n: 2, temperature: 0.3 }] },
  });
  await runLoop({ recipe, outDir: out, components: fakeComponents(), logger: quiet });
  const g2 = await readJsonlRows<{ responses: string[]; sampling: { n: number; temperature: number } }>(
    join(out, "iteration-2", "generations.jsonl"),
  );
  assert.ok(g2.every((r) => r.responses.length === 2 && r.sampling.temperature === 0.3));
  const m = RunDirectory.read(out);
  const s = m.choices.sampling_by_iteration as Array<{ n: number }>;
  assert.deepEqual(
    s.map((x) => x.n),
    [4, 2],
  );
});

test("held-out reward of a group-relative ranker is measured against the base answer (base = 0)", async () => {
  const out = tmp();
  const comps = fakeComponents();
  comps.ranker = async () => ({
    id: "relative",
    async score(_p: string, candidates: string[]) {
      const good = candidates.map((c) => c.split(" ").filter((w) => w === "good").length);
      const mean = good.reduce((a, b) => a + b, 0) / good.length;
      return { scores: good.map((g) => g - mean) };
    },
  });
  const summary = await runLoop({
    recipe: fakeRecipe({ iterations: 2 }),
    outDir: out,
    components: comps,
    logger: quiet,
  });
  assert.equal(summary.iterations[0].held_out_reward, 0);
  assert.ok((summary.iterations[2].held_out_reward ?? 0) > 0, JSON.stringify(summary.iterations[2]));
});

test("a killed train stage resumes from the trainer's checkpoints; only the model lands in model/", async () => {
  const out = tmp();
  const recipe = fakeRecipe({ iterations: 1 });
  let calls = 0;
  const comps = fakeComponents();
  const inner = await comps.trainer(recipe);
  comps.trainer = async () => ({
    id: "checkpointing",
    async train(rows, start, ref, outDir, settings) {
      calls += 1;
      assert.equal(settings.checkpointDir, join(outDir, "checkpoints"));
      if (calls === 1) {
        mkdirSync(settings.checkpointDir, { recursive: true });
        writeFileSync(join(settings.checkpointDir, "step-3.json"), "{}");
        throw new Error("killed mid-training");
      }
      assert.ok(
        existsSync(join(settings.checkpointDir, "step-3.json")),
        "the checkpoint survived the failed attempt",
      );
      writeFileSync(join(outDir, "train_log.jsonl"), '{"step":1,"loss":0.69}\n');
      return inner.train(rows, start, ref, outDir, settings);
    },
  });
  await assert.rejects(
    runLoop({ recipe, outDir: out, components: comps, logger: quiet }),
    /killed mid-training/,
  );
  await runLoop({ recipe, outDir: out, components: comps, logger: quiet });
  assert.equal(calls, 2);
  assert.deepEqual(readdirSync(join(out, "iteration-1", "model")).sort(), ["fake.json", "model.safetensors"]);
  assert.ok(existsSync(join(out, "iteration-1", "train_log.jsonl")));
  assert.ok(!existsSync(join(out, "iteration-1", ".model.tmp")));
});
