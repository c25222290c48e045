// Helpers for the streaming serve tests (not a test file): a decode-counting model wrapper, a listening
// server, SSE reading from a raw fetch body (as curl -N), the chunk shape and a JSON POST.
import assert from "node:assert/strict";
import type { DecodingModel } from "../../src/generate/index.js";
import type { PrefloopServer } from "../../src/serve/index.js";

/** `model` with its decode calls counted in `counter.decodes`. */
export function counted(model: DecodingModel, counter: { decodes: number }): DecodingModel {
  return {
    config: model.config,
    newCache: (batch, capacity) => model.newCache(batch, capacity),
    copyCacheRow: (cache, from, to) => model.copyCacheRow(cache, from, to),
    decode: (cache, rows, tokens, T) => {
      counter.decodes++;
      return model.decode(cache, rows, tokens, T);
    },
  };
}

export interface Listening extends PrefloopServer {
  url: string;
}

export async function listen(server: Promise<PrefloopServer>): Promise<Listening> {
  const s = await server;
  const url = await s.app.listen({ host: "127.0.0.1", port: 0 });
  return { ...s, url };
}

/** Reads an SSE body event by event (raw fetch, as curl -N would); `onData` sees each data payload. */
export async function readSse(r: Response, onData: (data: string) => void): Promise<void> {
  assert.equal(r.status, 200);
  assert.match(r.headers.get("content-type") ?? "", /^text\/event-stream/);
  const reader = (r.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    for (let at = buffer.indexOf("\n\n"); at >= 0; at = buffer.indexOf("\n\n")) {
      const event = buffer.slice(0, at);
      buffer = buffer.slice(at + 2);
      assert.ok(event.startsWith("data: "), event);
      onData(event.slice(6));
    }
  }
  assert.equal(buffer, "");
}

export interface Chunk {
  id: string;
  object: string;
  choices: Array<{
    index: number;
    text?: string;
    delta?: { role?: string; content?: string };
    finish_reason: string | null;
  }>;
  usage?: { prompt_tokens: number; completion_tokens: number } | null;
}

export const post = (url: string, body: unknown, signal?: AbortSignal): Promise<Response> =>
  fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    signal,
  });
