// Gradient checkpointing at block granularity: with recomputation on, every block's activations live in
// one shared set of arena slots and only each block's input (the residual stream) is kept per layer;
// backward re-runs block l's forward from that input just before block l's backward. Trades one extra
// forward per block for O(1 block) instead of O(layers) activation memory (as torch.utils.checkpoint).

export interface CheckpointBlock {
  /** Computes the block from its input, saving activations under the arena prefix it is given. */
  forward(layer: number, prefix: string): void;
  /** Backward of the block; its activations under `prefix` must be those of this layer's forward. */
  backward(layer: number, prefix: string): void;
}

export class Checkpointer {
  constructor(readonly recompute: boolean) {}

  /** Arena key prefix for layer l's activations: shared by all layers when recomputing. */
  prefix(layer: number): string {
    return this.recompute ? "ckpt/" : `layer${layer}/`;
  }

  forward(block: CheckpointBlock, layer: number): void {
    block.forward(layer, this.prefix(layer));
  }

  /** Re-runs the forward first when activations were not kept, then the backward. */
  backward(block: CheckpointBlock, layer: number): void {
    if (this.recompute) block.forward(layer, this.prefix(layer));
    block.backward(layer, this.prefix(layer));
  }
}
