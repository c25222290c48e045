// Typed errors for everything a user can get wrong. The CLI prints `message` (one line, naming the
// file, line or field and what was expected) plus the hint, never a stack trace; the server maps
// `code` to an OpenAI-shaped error body. Anything that is not a PrefloopError is a bug and keeps its stack.

export type ErrorCode =
  | "config"
  | "input"
  | "io"
  | "shape"
  | "model"
  | "network"
  | "locked"
  | "numeric"
  | "unsupported"
  | "external"
  | "cancelled";

const exitCodes: Record<ErrorCode, number> = {
  config: 2,
  input: 3,
  io: 4,
  shape: 5,
  model: 6,
  network: 7,
  locked: 8,
  numeric: 9,
  unsupported: 10,
  external: 11,
  cancelled: 130,
};

export class PrefloopError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "PrefloopError";
    this.code = code;
    this.hint = options.hint;
  }

  get exitCode(): number {
    return exitCodes[this.code];
  }

  /** The line(s) the CLI prints. */
  toUserString(): string {
    return this.hint ? `${this.message}\n  hint: ${this.hint}` : this.message;
  }
}

/** A recipe or flag is invalid. */
export class ConfigError extends PrefloopError {
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super("config", message, options);
    this.name = "ConfigError";
  }
}

/** An input file is malformed: the message names the file and line or field. */
export class InputError extends PrefloopError {
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super("input", message, options);
    this.name = "InputError";
  }
}

/** A tensor op got shapes or dtypes it cannot work with; the message names the op and the shapes. */
export class ShapeError extends PrefloopError {
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super("shape", message, options);
    this.name = "ShapeError";
  }
}

/** A model file or architecture is unsupported or damaged. */
export class ModelError extends PrefloopError {
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super("model", message, options);
    this.name = "ModelError";
  }
}

export function isPrefloopError(e: unknown): e is PrefloopError {
  return e instanceof PrefloopError;
}
