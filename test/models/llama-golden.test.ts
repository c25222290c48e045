// Llama / Mistral / Qwen2 (tied and untied, right padding) against HF transformers' own code:
// logits, masked token log-probs and every parameter gradient of a weighted log-prob sum.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { type Backend, getNativeBackend, getTsBackend } from "../../src/engine/index.js";
import { loadModel } from "../../src/models/index.js";
import { goldenDir, readGolden, relErr } from "./golden.js";

const variants = [
  "llama_tied",
  "llama_untied",
  "qwen2_tied",
  "qwen2_untied",
  "mistral_untied",
  "llama3_untied",
];

// every available backend: ts always, native when built (npm run build:native)
const backends: Backend[] = [getTsBackend(), getNativeBackend()].filter((b): b is Backend => b !== null);

for (const variant of variants) {
  for (const [backend, recompute] of backends.flatMap(
    (b) =>
      [
        [b, false],
        [b, true],
      ] as const,
  )) {
    test(`${variant} [${backend.name}${recompute ? ", recompute" : ""}]: logits, log-probs and gradients match HF`, () => {
      const g = readGolden(variant);
      const { model } = loadModel(join(goldenDir, variant), { backend, recompute });
      const [B, T] = g.shape("ids");
      const V = model.config.vocabSize;
      const tokens = Int32Array.from(g.get("ids"));
      const mask = Uint8Array.from(g.get("mask"));
      const lossMask = Uint8Array.from(g.get("loss_mask"));
      const batch = { tokens, mask, B, T };

      const logits = model.logits(batch);
      const e1 = relErr(logits, g.get("logits"), (i) => mask[Math.floor(i / V)] === 1);
      assert.ok(e1 < 1e-4, `logits rel err ${e1}`);

      const logps = model.tokenLogprobs(batch, lossMask, true);
      const e2 = relErr(logps, g.get("token_logps"));
      assert.ok(e2 < 1e-4, `token log-probs rel err ${e2}`);
      for (let b = 0; b < B; b++) {
        for (let t = 0; t < T - 1; t++) if (!lossMask[b * T + t + 1]) assert.equal(logps[b * (T - 1) + t], 0);
      }

      const w = g.get("weights");
      const d = new Float32Array(B * (T - 1));
      for (let b = 0; b < B; b++)
        for (let t = 0; t < T - 1; t++) d[b * (T - 1) + t] = w[b * (T - 1) + t] * lossMask[b * T + t + 1];
      let loss = 0;
      for (let i = 0; i < d.length; i++) loss += d[i] * logps[i];
      assert.ok(Math.abs(loss - g.get("loss")[0]) < 1e-4 * Math.abs(g.get("loss")[0]), `loss ${loss}`);

      model.backward(d);
      const params = model.parameters();
      assert.deepEqual(
        params.map((p) => `grad/${p.name}`).sort(),
        g
          .names()
          .filter((n) => n.startsWith("grad/"))
          .sort(),
      );
      for (const p of params) {
        assert.ok(p.grad, `${p.name} has no gradient`);
        const e = relErr(p.grad, g.get(`grad/${p.name}`));
        assert.ok(e < 1e-4, `${p.name} grad rel err ${e}`);
      }
    });
  }
}

for (const backend of backends) {
  test(`stories260K.gguf [${backend.name}] (interleaved RoPE, GQA) matches HF LlamaForCausalLM built from the same file`, () => {
    const g = readGolden("stories260K");
    const { model, tokenizer } = loadModel("models/stories260K.gguf", { backend });
    assert.equal(model.config.ropeLayout, "interleaved");
    assert.equal(model.config.tieWordEmbeddings, true);
    assert.equal(model.config.numKvHeads, 4);
    assert.equal(tokenizer.kind, "gguf");
    const ids = Int32Array.from(g.get("ids"));
    const logits = model.logits({
      tokens: ids,
      mask: new Uint8Array(ids.length).fill(1),
      B: 1,
      T: ids.length,
    });
    const e = relErr(logits, g.get("logits"));
    assert.ok(e < 1e-4, `rel err ${e}`);
  });
}
