// llama.cpp <-> Hugging Face tensor names for the Llama family, and the Q/K row permutation between
// HF's half-split RoPE layout and llama.cpp's interleaved-pair layout (convert_hf_to_gguf.py `permute`).
// Not a reader or writer; pure name and index arithmetic.

const layerMap: [string, string][] = [
  ["attn_norm.weight", "input_layernorm.weight"],
  ["attn_q.weight", "self_attn.q_proj.weight"],
  ["attn_k.weight", "self_attn.k_proj.weight"],
  ["attn_v.weight", "self_attn.v_proj.weight"],
  ["attn_q.bias", "self_attn.q_proj.bias"],
  ["attn_k.bias", "self_attn.k_proj.bias"],
  ["attn_v.bias", "self_attn.v_proj.bias"],
  ["attn_output.weight", "self_attn.o_proj.weight"],
  ["ffn_norm.weight", "post_attention_layernorm.weight"],
  ["ffn_gate.weight", "mlp.gate_proj.weight"],
  ["ffn_up.weight", "mlp.up_proj.weight"],
  ["ffn_down.weight", "mlp.down_proj.weight"],
];
const globalMap: [string, string][] = [
  ["token_embd.weight", "model.embed_tokens.weight"],
  ["output_norm.weight", "model.norm.weight"],
  ["output.weight", "lm_head.weight"],
];

/** HF name of a llama.cpp tensor name, or null for tensors the model does not use. */
export function ggufToHfName(name: string): string | null {
  for (const [g, h] of globalMap) if (name === g) return h;
  const m = /^blk\.(\d+)\.(.+)$/.exec(name);
  if (!m) return null;
  for (const [g, h] of layerMap) if (m[2] === g) return `model.layers.${m[1]}.${h}`;
  return null;
}

export function hfToGgufName(name: string): string | null {
  for (const [g, h] of globalMap) if (name === h) return g;
  const m = /^model\.layers\.(\d+)\.(.+)$/.exec(name);
  if (!m) return null;
  for (const [g, h] of layerMap) if (m[2] === h) return `blk.${m[1]}.${g}`;
  return null;
}

/**
 * Permute the rows of a q/k projection weight [H*HS, C] (or bias [H*HS], cols = 1) between RoPE layouts.
 * half -> interleaved: row (h, 2j+e) takes row (h, e*HS/2 + j), which is llama.cpp's `permute`.
 */
export function permuteRopeRows(
  w: Float32Array,
  heads: number,
  headDim: number,
  cols: number,
  to: "half" | "interleaved",
): Float32Array {
  const out = new Float32Array(w.length);
  const half = headDim / 2;
  for (let h = 0; h < heads; h++) {
    for (let j = 0; j < half; j++) {
      for (let e = 0; e < 2; e++) {
        const inter = h * headDim + 2 * j + e;
        const split = h * headDim + e * half + j;
        const [dst, src] = to === "interleaved" ? [inter, split] : [split, inter];
        out.set(w.subarray(src * cols, (src + 1) * cols), dst * cols);
      }
    }
  }
  return out;
}
