// PairRM against HF transformers' DeBERTa-v2 + llm-blender's head and collator (scripts/reference/pairrm_ref.py):
// logits of every ordered pair of a padded batch, the token rows of upstream's collator at short budgets and at
// its real 1224/412 budgets on long texts (truncation and budget sharing), and the ranker end to end.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { getTsBackend } from "../../src/engine/index.js";
import {
  bubbleBest,
  buildRanker,
  compareFromMatrix,
  PairRM,
  pairrmRankerOf,
  registerEngineRankers,
  scoresFromMatrix,
} from "../../src/reward/index.js";

const dir = "test/golden/pairrm";
const folder = `${dir}/pairrm-tiny`;
interface Ref {
  pairrm: {
    texts: { source: string; cands: string[] };
    source_max: number;
    candidate_max: number;
    rows: number[][];
    order: Array<[number, number]>;
    f64: { logits: number[] };
  };
  collator_long: Array<{ source: string; cand1: string; cand2: string; ids: number[] }>;
}
const ref = JSON.parse(readFileSync(`${dir}/reference.json`, "utf8")) as Ref;
const small = { sourceMax: ref.pairrm.source_max, candidateMax: ref.pairrm.candidate_max };

test("pairrm rows equal llm-blender's collator at short budgets (truncation, budget sharing)", async () => {
  const m = await PairRM.load(folder, { backend: getTsBackend(), budget: small });
  const { texts, rows, order } = ref.pairrm;
  assert.deepEqual(m.rows(texts.source, texts.cands, order), rows);
});

test("pairrm rows equal llm-blender's collator at 1224/412 on long texts", async () => {
  const m = await PairRM.load(folder, { backend: getTsBackend() });
  for (const c of ref.collator_long) {
    const got = m.rows(c.source, [c.cand1, c.cand2], [[0, 1]])[0];
    assert.equal(got.length, c.ids.length);
    assert.deepEqual(got, c.ids);
  }
});

test("pairrm logits match HF DeBERTa + llm-blender head on a padded batch (rel err <= 1e-4)", async () => {
  const m = await PairRM.load(folder, { backend: getTsBackend(), batchRows: 4 });
  const want = ref.pairrm.f64.logits;
  const got = m.logitsOfRows(ref.pairrm.rows);
  const scale = Math.max(...want.map(Math.abs));
  got.forEach((g, i) => {
    assert.ok(Math.abs(g - want[i]) <= 1e-4 * scale, `row ${i}: ${g} vs ${want[i]}`);
  });
  // the ranker's matrix holds the same logits at [left][right]
  const { texts, order } = ref.pairrm;
  const small2 = await PairRM.load(folder, { backend: getTsBackend(), budget: small });
  const mat = small2.matrix(texts.source, texts.cands);
  order.forEach(([i, j], k) => {
    assert.ok(Math.abs(mat[i][j] - want[k]) <= 1e-4 * scale);
  });
  const res = await pairrmRankerOf(small2, { path: folder }).score(texts.source, texts.cands);
  assert.deepEqual(res.scores, scoresFromMatrix(mat));
  const cmp = small2.compare(texts.source, texts.cands[0], texts.cands[1]);
  assert.ok(Math.abs(cmp - (mat[0][1] - mat[1][0])) < 1e-6);
});

test("pairrm from pytorch_model.bin gives the same logits as from model.safetensors", async () => {
  const { mkdtempSync, copyFileSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const tmp = mkdtempSync(`${tmpdir()}/pairrm-bin-`);
  for (const f of ["config.json", "pytorch_model.bin", "tokenizer.json", "tokenizer_config.json"]) {
    copyFileSync(`${folder}/${f}`, `${tmp}/${f}`);
  }
  const a = await PairRM.load(folder, { backend: getTsBackend() });
  const b = await PairRM.load(tmp, { backend: getTsBackend() });
  const rows = ref.pairrm.rows.slice(0, 2);
  assert.deepEqual(b.logitsOfRows(rows), a.logitsOfRows(rows));
});

test("buildRanker builds pairrm (full and bubble) once the engine rankers are registered", async () => {
  registerEngineRankers();
  const full = await buildRanker(`pairrm:${folder}`);
  const { texts } = ref.pairrm;
  const r = await full.score(texts.source, texts.cands);
  assert.equal(r.scores.length, 3);
  assert.ok(r.matrix);
  const bubble = await buildRanker({ type: "pairrm", path: folder, mode: "bubble", seed: 3 });
  const b = await bubble.score(texts.source, texts.cands);
  // the same pass replayed on the full matrix (compare = M[a,b] - M[b,a]) ends in the same order
  const m = r.matrix ?? [];
  const replay = await bubbleBest(3, 3, async (x, y) => compareFromMatrix(m, x, y));
  const positions = new Array<number>(3);
  replay.order.forEach((c, pos) => {
    positions[c] = pos;
  });
  assert.deepEqual(b.scores, positions);
  assert.notEqual(bubble.id, full.id);
});

test("a repo id resolves through the local Hugging Face cache; a missing one says how to download", async () => {
  const { mkdtempSync, mkdirSync, writeFileSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { resolveModelFolder } = await import("../../src/reward/index.js");
  const hub = mkdtempSync(`${tmpdir()}/hf-hub-`);
  const snap = `${hub}/models--llm-blender--PairRM/snapshots/abc123`;
  mkdirSync(snap, { recursive: true });
  mkdirSync(`${hub}/models--llm-blender--PairRM/refs`, { recursive: true });
  writeFileSync(`${hub}/models--llm-blender--PairRM/refs/main`, "abc123\n");
  assert.equal(resolveModelFolder("llm-blender/PairRM", undefined, { HF_HUB_CACHE: hub }), snap);
  assert.throws(
    () => resolveModelFolder("llm-blender/Nope", undefined, { HF_HUB_CACHE: hub }),
    (e: Error & { hint?: string }) =>
      /not in the local Hugging Face cache/.test(e.message) && /huggingface-cli/.test(e.hint ?? ""),
  );
});
