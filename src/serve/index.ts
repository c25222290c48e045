// The serve layer's public surface: the OpenAI-compatible server and its parts. Re-exports only.
export { BatchQueue } from "./batcher.js";
export { HttpError, type MappedError, mapError, type OpenAIErrorBody } from "./errors.js";
export { chatBodySchema, completionBodySchema, type ServeLimits } from "./protocol.js";
export { meanLogprob, type Selection, selectBest } from "./rerank.js";
export { createServer, type PrefloopServer, type ServeOptions, type ServeState } from "./server.js";
export { type RunningServer, type StartServeOptions, startServe } from "./start.js";
export { formatServeBench, runServeBench, type ServeBenchOptions, type ServeBenchRun } from "./bench.js";
