// The `ts` backend: every Backend kernel in plain TypeScript, written for clarity. It is the oracle the
// native backend is tested against, and the fallback when the native addon is not built.
// Kernels live in ts/<family>.ts; this file only assembles them.
import type { Backend } from "./backend.js";
import { attentionBackward, attentionForward } from "./ts/attention.js";
import { attentionDecode } from "./ts/attention-decode.js";
import { matmul } from "./ts/matmul.js";
import { layernormBackward, layernormForward, rmsnormBackward, rmsnormForward } from "./ts/norms.js";
import * as pw from "./ts/pointwise.js";
import { ropeBackward, ropeForward } from "./ts/rope.js";
import * as sm from "./ts/softmax.js";

export const tsBackend: Backend = {
  name: "ts",
  threads: 1,
  matmul,
  embeddingForward: sm.embeddingForward,
  embeddingBackward: sm.embeddingBackward,
  rmsnormForward,
  rmsnormBackward,
  layernormForward,
  layernormBackward,
  ropeForward,
  ropeBackward,
  attentionForward,
  attentionBackward,
  attentionDecode,
  swigluForward: pw.swigluForward,
  swigluBackward: pw.swigluBackward,
  geluForward: pw.geluForward,
  geluBackward: pw.geluBackward,
  softmaxForward: sm.softmaxForward,
  softmaxBackward: sm.softmaxBackward,
  logSoftmaxGatherForward: sm.logSoftmaxGatherForward,
  logSoftmaxGatherBackward: sm.logSoftmaxGatherBackward,
  axpy: pw.axpy,
  add: pw.add,
  mul: pw.mul,
  scale: pw.scale,
  sumSquares: pw.sumSquares,
  adamw: pw.adamw,
};
