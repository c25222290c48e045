// Gathers the generation requests of concurrent HTTP calls arriving within a short window into one
// Generator.generate call (the local engine decodes them as one batch). One call runs at a time; what
// arrives meanwhile forms the next batch. Not a scheduler with preemption. Results do not depend on
// batching: the local generator seeds each sample by (seed, prompt text, sample index).
import type { GeneratedSample, GenerationRequest, Generator } from "../generate/index.js";

interface Pending {
  requests: GenerationRequest[];
  resolve: (samples: GeneratedSample[][]) => void;
  reject: (error: unknown) => void;
}

export class BatchQueue {
  private queue: Pending[] = [];
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  /** batches run so far (for tests and /health) */
  batches = 0;

  constructor(
    private readonly generator: Generator,
    /** how long the first request of a batch waits for company, in ms */
    private readonly windowMs = 5,
  ) {}

  submit(requests: GenerationRequest[]): Promise<GeneratedSample[][]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ requests, resolve, reject });
      if (!this.running && this.timer === undefined) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          void this.drain();
        }, this.windowMs);
      }
    });
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        this.batches++;
        await this.run(batch);
      }
    } finally {
      this.running = false;
    }
  }

  private async run(batch: Pending[]): Promise<void> {
    try {
      const all = await this.generator.generate(batch.flatMap((p) => p.requests));
      let at = 0;
      for (const p of batch) {
        p.resolve(all.slice(at, at + p.requests.length));
        at += p.requests.length;
      }
    } catch (error) {
      if (batch.length === 1) {
        batch[0]?.reject(error);
        return;
      }
      // one bad request must not fail its neighbours: rerun each alone
      for (const p of batch) await this.run([p]);
    }
  }
}
