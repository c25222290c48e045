// Gathers the generation requests of concurrent HTTP calls arriving within a short window into one
// Generator.generate call (the local engine decodes them as one batch). One call runs at a time; what
// arrives meanwhile forms the next batch. Not a scheduler with preemption. Results do not depend on
// batching: the local generator seeds each sample by (seed, prompt text, sample index). Streaming
// requests keep their hooks (the generator calls them while the whole batch decodes).
import type { GeneratedSample, GenerationRequest, Generator } from "../generate/index.js";

interface Pending {
  requests: GenerationRequest[];
  /** a hook of this submission has fired: it cannot be rerun without repeating streamed text */
  started: boolean;
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
      const p: Pending = { requests: [], started: false, resolve, reject };
      p.requests = requests.map((r) => watched(r, p));
      this.queue.push(p);
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
      // one bad request must not fail its neighbours: rerun each alone (but not a stream already begun)
      for (const p of batch) {
        if (p.started) p.reject(error);
        else await this.run([p]);
      }
    }
  }
}

/** `r` with its hooks marking `p` as started. */
function watched(r: GenerationRequest, p: Pending): GenerationRequest {
  const { onToken, onSample } = r;
  if (!onToken && !onSample) return r;
  return {
    ...r,
    onToken: onToken
      ? (sample, token, delta) => {
          p.started = true;
          onToken(sample, token, delta);
        }
      : undefined,
    onSample: onSample
      ? (sample, result) => {
          p.started = true;
          onSample(sample, result);
        }
      : undefined,
  };
}
