// A minimal float32 tensor (shape + contiguous row-major data) and shape helpers. Kernels take raw
// Float32Arrays; this only carries shapes through the model layer and names them in errors.

export class Tensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;

  constructor(shape: readonly number[], data?: Float32Array) {
    this.shape = [...shape];
    const n = numel(shape);
    this.data = data ?? new Float32Array(n);
    if (this.data.length !== n) {
      throw new RangeError(`Tensor: data has ${this.data.length} elements, shape [${shape}] needs ${n}`);
    }
  }

  get numel(): number {
    return this.data.length;
  }

  /** A view with another shape over the same data. */
  view(shape: readonly number[]): Tensor {
    return new Tensor(shape, this.data);
  }

  toString(): string {
    return `Tensor[${this.shape.join(",")}]`;
  }
}

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(",")}]`;
}
