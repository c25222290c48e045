// LoRA (Hu et al. 2021; PEFT's LoraLayer with dropout 0) as a wrapper around the model's own linear
// weights, so the model layer needs no change: before each forward the target weights hold
// W = W0 + (alpha/r)·B·A; after backward the model's dW (accumulated in Parameter.grad) maps to
// dB = s·dW·Aᵀ and dA = s·Bᵀ·dW. The optimiser sees only A and B; saving writes the effective
// (merged) weights. Costs one extra copy of each target weight (W0); exact in real arithmetic.
import type { MatmulParams } from "../../engine/index.js";
import type { Parameter } from "../../models/index.js";
import { ConfigError } from "../../util/errors.js";
import type { Rng } from "../rng.js";

export interface LoraSettings {
  r: number;
  alpha: number;
  /** module names (second-to-last name part, e.g. "q_proj"), or ["all-linear"] */
  targetModules: string[];
}

interface Target {
  base: Parameter;
  w0: Float32Array;
  a: Parameter; // [r, in]
  b: Parameter; // [out, r]
}

/** Whether HF parameter `name` is a target weight (2-D `<module>.weight`). */
export function isLoraTarget(name: string, shape: number[], targets: string[]): boolean {
  if (shape.length !== 2 || !name.endsWith(".weight")) return false;
  const parts = name.split(".");
  const mod = parts[parts.length - 2];
  if (targets.includes("all-linear")) return mod !== "embed_tokens" && mod !== "lm_head";
  return targets.includes(mod);
}

export class LoraAdapter {
  readonly scale: number;
  private readonly targets: Target[] = [];

  /**
   * Wraps the target weights of `params`; A ~ U(±1/sqrt(in)) (PEFT's kaiming_uniform(a=√5)), B = 0.
   * `matmul` (the engine's Backend.matmul) runs the products; without it plain TS loops do.
   */
  constructor(
    params: Parameter[],
    readonly settings: LoraSettings,
    rng: Rng,
    private readonly matmul: ((p: MatmulParams) => void) | null = null,
  ) {
    if (!(settings.r >= 1 && Number.isInteger(settings.r))) {
      throw new ConfigError(`lora_r: expected a positive integer, got ${settings.r}`);
    }
    this.scale = settings.alpha / settings.r;
    for (const p of params) {
      if (!isLoraTarget(p.name, p.shape, settings.targetModules)) continue;
      const [out, inp] = p.shape;
      const stem = p.name.slice(0, -".weight".length);
      const a: Parameter = {
        name: `${stem}.lora_A.weight`,
        shape: [settings.r, inp],
        data: new Float32Array(settings.r * inp),
        grad: null,
      };
      const bound = 1 / Math.sqrt(inp);
      for (let i = 0; i < a.data.length; i++) a.data[i] = (2 * rng.uniform() - 1) * bound;
      const b: Parameter = {
        name: `${stem}.lora_B.weight`,
        shape: [out, settings.r],
        data: new Float32Array(out * settings.r),
        grad: null,
      };
      this.targets.push({ base: p, w0: Float32Array.from(p.data), a, b });
    }
    if (this.targets.length === 0) {
      throw new ConfigError(
        `lora_target_modules: no 2-D weight matches ${settings.targetModules.join(", ")}`,
        {
          hint: "use module names such as q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj, or all-linear",
        },
      );
    }
  }

  /** The trainable LoRA parameters (A and B of every target), in a fixed order. */
  parameters(): Parameter[] {
    return this.targets.flatMap((t) => [t.a, t.b]);
  }

  /** The wrapped base weights (their data is the merged weight after `apply`). */
  baseParameters(): Parameter[] {
    return this.targets.map((t) => t.base);
  }

  /** Write W0 + s·B·A into every target weight. */
  apply(): void {
    const r = this.settings.r;
    for (const t of this.targets) {
      if (this.matmul) {
        const [out, inp] = t.base.shape;
        t.base.data.set(t.w0);
        this.matmul({
          a: t.b.data,
          b: t.a.data,
          c: t.base.data,
          m: out,
          n: inp,
          k: r,
          transA: false,
          transB: false,
          alpha: this.scale,
          beta: 1,
        });
        continue;
      }
      const [out, inp] = t.base.shape;
      const w = t.base.data;
      for (let o = 0; o < out; o++) {
        const row = o * inp;
        for (let j = 0; j < inp; j++) w[row + j] = t.w0[row + j];
        for (let k = 0; k < r; k++) {
          const bk = this.scale * t.b.data[o * r + k];
          if (bk === 0) continue;
          const ak = k * inp;
          for (let j = 0; j < inp; j++) w[row + j] += bk * t.a.data[ak + j];
        }
      }
    }
  }

  /** Accumulate dA, dB from the base weights' gradients (then the base gradients are no longer needed). */
  backward(): void {
    const r = this.settings.r;
    for (const t of this.targets) {
      const dw = t.base.grad;
      if (dw === null) continue;
      const [out, inp] = t.base.shape;
      t.a.grad ??= new Float32Array(t.a.data.length);
      t.b.grad ??= new Float32Array(t.b.data.length);
      const da = t.a.grad;
      const db = t.b.grad;
      if (this.matmul) {
        // dB[out,r] += s·dW·Aᵀ ; dA[r,in] += s·Bᵀ·dW
        this.matmul({
          a: dw,
          b: t.a.data,
          c: db,
          m: out,
          n: r,
          k: inp,
          transA: false,
          transB: true,
          alpha: this.scale,
          beta: 1,
        });
        this.matmul({
          a: t.b.data,
          b: dw,
          c: da,
          m: r,
          n: inp,
          k: out,
          transA: true,
          transB: false,
          alpha: this.scale,
          beta: 1,
        });
        continue;
      }
      for (let o = 0; o < out; o++) {
        const row = o * inp;
        for (let k = 0; k < r; k++) {
          const ak = k * inp;
          let s = 0; // (dW Aᵀ)[o, k]
          for (let j = 0; j < inp; j++) s += dw[row + j] * t.a.data[ak + j];
          db[o * r + k] += this.scale * s;
          const bk = this.scale * t.b.data[o * r + k];
          if (bk === 0) continue;
          for (let j = 0; j < inp; j++) da[ak + j] += bk * dw[row + j]; // (Bᵀ dW)[k, j]
        }
      }
    }
  }
}
