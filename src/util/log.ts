// Logging to stderr for humans (text) or machines (--log-format json: one JSON object a line); --quiet keeps
// only warnings and errors. stdout stays for results. Not a progress bar: see progress.ts.
import { ConfigError } from "./errors.js";
import { type ProgressBar, type ProgressOptions, startProgress } from "./progress.js";

export type LogFormat = "text" | "json";

export interface OutputSettings {
  quiet: boolean;
  logFormat: LogFormat;
  /** where lines go; stderr by default */
  stream: NodeJS.WritableStream & { isTTY?: boolean };
  /** clock in ms, injectable for tests */
  now: () => number;
}

export type LogFields = Record<string, unknown>;

export class Logger {
  readonly settings: OutputSettings;

  constructor(settings: Partial<OutputSettings> = {}) {
    this.settings = {
      quiet: settings.quiet ?? false,
      logFormat: settings.logFormat ?? "text",
      stream: settings.stream ?? process.stderr,
      now: settings.now ?? Date.now,
    };
  }

  info(message: string, fields: LogFields = {}): void {
    if (!this.settings.quiet) this.emit("info", message, fields);
  }

  warn(message: string, fields: LogFields = {}): void {
    this.emit("warn", message, fields);
  }

  error(message: string, fields: LogFields = {}): void {
    this.emit("error", message, fields);
  }

  /** A progress reporter for `total` units of work (bar on a TTY, a line every few percent otherwise). */
  progress(label: string, total: number, options: Partial<ProgressOptions> = {}): ProgressBar {
    return startProgress(label, total, this.settings, options);
  }

  private emit(level: "info" | "warn" | "error", message: string, fields: LogFields): void {
    if (this.settings.logFormat === "json") {
      const line = { time: new Date(this.settings.now()).toISOString(), level, msg: message, ...fields };
      this.settings.stream.write(`${JSON.stringify(line)}\n`);
    } else {
      const prefix = level === "info" ? "" : `${level}: `;
      this.settings.stream.write(`${prefix}${message}\n`);
    }
  }
}

/** The logger for the CLI's global options (`--quiet`, `--log-format`). */
export function loggerFromOptions(opts: { quiet?: boolean; logFormat?: string }): Logger {
  const format = opts.logFormat ?? "text";
  if (format !== "text" && format !== "json") {
    throw new ConfigError(`--log-format: expected 'text' or 'json', got '${format}'`);
  }
  return new Logger({ quiet: opts.quiet === true, logFormat: format });
}

/** A logger that prints nothing (library defaults, tests). */
export const silentLogger = new Logger({
  quiet: true,
  stream: { write: () => true } as unknown as NodeJS.WritableStream,
});
