// Progress for long stages: a cli-progress bar with rate and ETA on a TTY; otherwise (CI, pipes) a plain
// line every `everyPercent` percent; with --log-format json the same lines as JSON; nothing with --quiet.
// Rate and ETA count only work done in this process, so a resumed stage does not look impossibly fast.
import cliProgress from "cli-progress";
import type { OutputSettings } from "./log.js";

export interface ProgressOptions {
  /** what is counted ("prompts", "pairs", "steps") */
  unit: string;
  /** units already done (resumed work) */
  initial: number;
  /** plain/json mode: print a line each time this many percent more is done */
  everyPercent: number;
}

export interface ProgressBar {
  increment(n?: number): void;
  update(done: number): void;
  /** extra key/values shown at the end of lines (e.g. loss) */
  setInfo(info: Record<string, string | number>): void;
  stop(): void;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

export function startProgress(
  label: string,
  total: number,
  settings: OutputSettings,
  options: Partial<ProgressOptions> = {},
): ProgressBar {
  const unit = options.unit ?? "items";
  const initial = options.initial ?? 0;
  const every = options.everyPercent ?? 5;
  if (settings.quiet) return new NullProgress();
  if (settings.logFormat === "text" && settings.stream.isTTY === true)
    return new TtyProgress(label, total, unit, initial, settings);
  return new LineProgress(label, total, unit, initial, every, settings);
}

class NullProgress implements ProgressBar {
  increment(): void {}
  update(): void {}
  setInfo(): void {}
  stop(): void {}
}

/** Rate and ETA from work done since start (excluding resumed units). */
function rateEta(done: number, initial: number, total: number, startMs: number, nowMs: number) {
  const elapsed = Math.max(1e-3, (nowMs - startMs) / 1000);
  const rate = (done - initial) / elapsed;
  const eta = rate > 0 ? (total - done) / rate : Number.POSITIVE_INFINITY;
  return { rate, eta, elapsed };
}

class LineProgress implements ProgressBar {
  private done: number;
  private lastBucket: number;
  private info: Record<string, string | number> = {};
  private readonly start: number;
  private stopped = false;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly unit: string,
    private readonly initial: number,
    private readonly every: number,
    private readonly settings: OutputSettings,
  ) {
    this.done = initial;
    this.start = settings.now();
    this.lastBucket = this.bucket();
    this.print("start");
  }

  increment(n = 1): void {
    this.update(this.done + n);
  }

  update(done: number): void {
    this.done = Math.min(done, this.total);
    const b = this.bucket();
    if (b > this.lastBucket) {
      this.lastBucket = b;
      if (this.done < this.total) this.print("progress");
    }
  }

  setInfo(info: Record<string, string | number>): void {
    this.info = { ...this.info, ...info };
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.print("done");
  }

  private bucket(): number {
    return this.total > 0 ? Math.floor((100 * this.done) / this.total / this.every) : 0;
  }

  private print(event: "start" | "progress" | "done"): void {
    const { rate, eta, elapsed } = rateEta(
      this.done,
      this.initial,
      this.total,
      this.start,
      this.settings.now(),
    );
    const pct = this.total > 0 ? (100 * this.done) / this.total : 100;
    if (this.settings.logFormat === "json") {
      const line = {
        time: new Date(this.settings.now()).toISOString(),
        level: "info",
        event: `progress_${event}`,
        stage: this.label,
        done: this.done,
        total: this.total,
        unit: this.unit,
        percent: Math.round(pct * 10) / 10,
        rate_per_s: Math.round(rate * 1000) / 1000,
        eta_s: Number.isFinite(eta) ? Math.round(eta) : null,
        elapsed_s: Math.round(elapsed * 10) / 10,
        ...this.info,
      };
      this.settings.stream.write(`${JSON.stringify(line)}\n`);
      return;
    }
    const extra = Object.entries(this.info)
      .map(([k, v]) => ` ${k}=${v}`)
      .join("");
    const tail =
      event === "done"
        ? `done in ${formatDuration(elapsed)}`
        : `${rate.toFixed(rate < 10 ? 2 : 1)} ${this.unit}/s, ETA ${formatDuration(eta)}`;
    this.settings.stream.write(
      `${this.label}: ${pct.toFixed(0)}% (${this.done}/${this.total} ${this.unit}, ${tail})${extra}\n`,
    );
  }
}

class TtyProgress implements ProgressBar {
  private readonly bar: cliProgress.SingleBar;
  private done: number;
  private readonly start: number;
  private info = "";

  constructor(
    label: string,
    private readonly total: number,
    unit: string,
    private readonly initial: number,
    private readonly settings: OutputSettings,
  ) {
    this.done = initial;
    this.start = settings.now();
    this.bar = new cliProgress.SingleBar(
      {
        stream: settings.stream as NodeJS.WriteStream,
        format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | {speed} ${unit}/s | ETA {etaText}{info}`,
        hideCursor: true,
        clearOnComplete: false,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(total, initial, this.payload());
  }

  private payload() {
    const { rate, eta } = rateEta(this.done, this.initial, this.total, this.start, this.settings.now());
    return { speed: rate.toFixed(rate < 10 ? 2 : 1), etaText: formatDuration(eta), info: this.info };
  }

  increment(n = 1): void {
    this.update(this.done + n);
  }

  update(done: number): void {
    this.done = Math.min(done, this.total);
    this.bar.update(this.done, this.payload());
  }

  setInfo(info: Record<string, string | number>): void {
    this.info = Object.entries(info)
      .map(([k, v]) => ` ${k}=${v}`)
      .join("");
  }

  stop(): void {
    this.bar.update(this.done, this.payload());
    this.bar.stop();
  }
}
