// AdamW over a Parameter list, step for step like torch.optim.AdamW (single-tensor path): decoupled
// decay p *= 1 - lr·wd, m/v moments, bias correction, p -= lr/(1-β1^t) · m / (sqrt(v)/sqrt(1-β2^t) + eps).
// The TS fallback rounds to f32 after each torch op so it agrees with PyTorch to the last bit or two;
// when an engine Backend is given its `adamw` kernel runs instead. Not a scheduler: lr comes per step.
import type { Parameter } from "../../models/index.js";

/** The engine's Backend.adamw signature (structural, so any Backend fits). */
export type AdamwKernel = (
  p: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  n: number,
  lr: number,
  beta1: number,
  beta2: number,
  eps: number,
  weightDecay: number,
  step: number,
) => void;

export interface AdamwSettings {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** which parameters get weight decay; default `decays` (HF Trainer's grouping) */
  decayFilter?: (name: string) => boolean;
}

const f = Math.fround;

/** The TypeScript reference AdamW step on one tensor (torch.optim.adamw._single_tensor_adamw). */
export const adamwTs: AdamwKernel = (p, g, m, v, n, lr, beta1, beta2, eps, weightDecay, step) => {
  const decay = f(1 - lr * weightDecay);
  const bc1 = 1 - beta1 ** step;
  const bc2Sqrt = Math.sqrt(1 - beta2 ** step);
  const stepSize = lr / bc1;
  const a1 = f(1 - beta1);
  const a2 = f(1 - beta2);
  for (let i = 0; i < n; i++) {
    const gi = g[i];
    p[i] = f(p[i] * decay);
    m[i] = f(f(m[i] * beta1) + f(gi * a1));
    v[i] = f(f(v[i] * beta2) + f(f(gi * gi) * a2));
    const denom = f(f(f(Math.sqrt(v[i])) / bc2Sqrt) + eps);
    p[i] = f(p[i] + f(-stepSize * f(m[i] / denom)));
  }
};

/** HF Trainer's rule: no weight decay on biases and norm weights. */
export function decays(name: string): boolean {
  return !/(^|\.)bias$|norm/i.test(name);
}

export class AdamW {
  readonly params: Parameter[];
  readonly m: Float32Array[];
  readonly v: Float32Array[];
  /** number of steps taken (torch's state["step"]) */
  step = 0;
  private readonly kernel: AdamwKernel;

  constructor(
    params: Parameter[],
    readonly settings: AdamwSettings,
    kernel: AdamwKernel | null = null,
  ) {
    this.params = params;
    this.m = params.map((p) => new Float32Array(p.data.length));
    this.v = params.map((p) => new Float32Array(p.data.length));
    this.kernel = kernel ?? adamwTs;
  }

  /** One update with learning rate `lr`; parameters without a gradient are skipped. */
  update(lr: number): void {
    this.step++;
    const s = this.settings;
    this.params.forEach((p, i) => {
      if (p.grad === null) return;
      const wd = (s.decayFilter ?? decays)(p.name) ? s.weightDecay : 0;
      this.kernel(
        p.data,
        p.grad,
        this.m[i],
        this.v[i],
        p.data.length,
        lr,
        s.beta1,
        s.beta2,
        s.eps,
        wd,
        this.step,
      );
    });
  }
}
