// Proxy mode's streaming: a streaming request that asks for no reranking is forwarded to the upstream
// server as is (unknown fields kept, model replaced by the upstream name) and its SSE bytes piped back
// as they arrive; the upstream request is aborted when the client goes away. Not the reranking path.
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { HttpError } from "./errors.js";

export interface Upstream {
  /** …/v1 */
  baseURL: string;
  apiKey?: string;
  model: string;
}

/** Starts the upstream stream; throws an HttpError (502, or 429 passed on) when upstream refuses. */
export async function streamUpstream(
  upstream: Upstream,
  path: "/chat/completions" | "/completions",
  rawBody: Record<string, unknown>,
  signal: AbortSignal,
): Promise<Readable> {
  let r: Response;
  try {
    r = await fetch(`${upstream.baseURL.replace(/\/$/, "")}${path}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${upstream.apiKey ?? process.env.OPENAI_API_KEY ?? "none"}`,
      },
      body: JSON.stringify({ ...rawBody, model: upstream.model }),
      signal,
    });
  } catch (e) {
    throw new HttpError(
      502,
      `upstream server unreachable: ${(e as Error).message}`,
      "upstream_error",
      "upstream_unreachable",
    );
  }
  if (!r.ok || r.body === null) {
    const text = (await r.text()).slice(0, 500);
    throw new HttpError(
      r.status === 429 ? 429 : 502,
      `upstream server answered ${r.status}: ${text}`,
      "upstream_error",
      `upstream_${r.status}`,
      null,
      r.headers.get("retry-after") ? { "retry-after": r.headers.get("retry-after") ?? "1" } : {},
    );
  }
  return Readable.fromWeb(r.body as WebReadableStream<Uint8Array>);
}
