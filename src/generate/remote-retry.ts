// The remote generator's one retry policy: which failures are retried (408/409/429/5xx, connection
// errors, timeouts, garbled bodies) and how long to wait (retry-after / retry-after-ms when the server
// says so, else exponential backoff with full jitter). Follows openai-node's policy; not the HTTP client.
import { APIConnectionError, APIError } from "openai";

export interface RetryPolicy {
  /** retries after the first attempt; default 8 */
  maxRetries: number;
  /** first backoff in ms; default 500 */
  baseDelayMs: number;
  /** longest single wait in ms (also caps retry-after); default 30000 */
  maxDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { maxRetries: 8, baseDelayMs: 500, maxDelayMs: 30_000 };

/** A 200 answer whose body is not the expected shape (truncated, not JSON, no choices). */
export class GarbledResponseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "GarbledResponseError";
  }
}

/** True when a failed attempt may succeed if repeated. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof GarbledResponseError || error instanceof SyntaxError) return true;
  if (error instanceof APIConnectionError) return true; // includes timeouts
  if (error instanceof APIError) {
    const s = error.status;
    if (s === undefined) return true;
    return s === 408 || s === 409 || s === 429 || s >= 500;
  }
  return false;
}

/** The server's requested wait in ms (retry-after-ms, or retry-after as seconds or an HTTP date), if any. */
export function retryAfterMs(error: unknown, now = Date.now()): number | undefined {
  if (!(error instanceof APIError) || !error.headers) return undefined;
  const ms = Number(error.headers.get("retry-after-ms") ?? Number.NaN);
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const raw = error.headers.get("retry-after");
  if (raw === null) return undefined;
  const seconds = Number(raw);
  if (raw.trim() !== "" && Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(raw);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

/** Wait before retry number `attempt` (0-based): the server's retry-after, else full-jitter backoff. */
export function retryDelayMs(
  policy: RetryPolicy,
  attempt: number,
  error: unknown,
  random: () => number = Math.random,
): number {
  const asked = retryAfterMs(error);
  if (asked !== undefined) return Math.min(asked, policy.maxDelayMs);
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  // full jitter (AWS architecture blog): spreads synchronized clients apart; never below a quarter
  return ceiling * (0.25 + 0.75 * random());
}

/** Runs `attempt` until it succeeds, a non-retryable error is thrown, or the retries are spent. */
export async function withRetries<T>(
  policy: RetryPolicy,
  attempt: (n: number) => Promise<T>,
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void,
): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (n >= policy.maxRetries || !isRetryable(error)) throw error;
      const delay = retryDelayMs(policy, n, error);
      onRetry?.(error, n, delay);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
