// LLM-as-judge over any OpenAI-compatible chat API (the `openai` client with a baseURL: vLLM, llama.cpp
// server, Ollama, TGI, OpenAI). Pointwise: a 1–10 rating from a rubric, the logprob-weighted expected
// rating when top_logprobs come back (G-Eval, Liu et al. 2023); pairwise: P(candidate beats a reference)
// or a round-robin tournament, both orders asked to cancel position bias. Retries (408/409/429/5xx,
// retry-after, jittered exponential backoff) are the openai client's own policy; caching is cache.ts.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import OpenAI from "openai";
import { ConfigError, InputError, PrefloopError } from "../util/errors.js";
import type { Ranker, RankResult } from "./ranker.js";
import type { JudgeSpec } from "./spec.js";

export const defaultRubric =
  "Rate how helpful, correct, clear and harmless the response is for the user's request. " +
  "1 = useless or harmful, 5 = adequate with clear flaws, 10 = excellent in every respect.";

const pointwiseTemplate = (rubric: string, prompt: string, response: string): string =>
  `You are an impartial judge.\nRubric: ${rubric}\n\n[Request]\n${prompt}\n\n[Response]\n${response}\n\n` +
  "Reply with a single integer from 1 to 10 and nothing else.";

const pairwiseTemplate = (prompt: string, a: string, b: string): string =>
  `You are an impartial judge. Which response answers the request better?\n\n[Request]\n${prompt}\n\n` +
  `[Response A]\n${a}\n\n[Response B]\n${b}\n\nReply with the single letter A or B and nothing else.`;

interface TopLogprob {
  token: string;
  logprob: number;
}

/** Expected value over the integer tokens 1..10 among top_logprobs, renormalised; null when none appear. */
export function expectedRating(top: TopLogprob[]): number | null {
  const mass = new Map<number, number>();
  for (const t of top) {
    const v = Number(t.token.trim());
    if (Number.isInteger(v) && v >= 1 && v <= 10) mass.set(v, (mass.get(v) ?? 0) + Math.exp(t.logprob));
  }
  const total = [...mass.values()].reduce((a, b) => a + b, 0);
  if (total <= 0) return null;
  let e = 0;
  for (const [v, p] of mass) e += (v * p) / total;
  return e;
}

/** P(first label) among the two labels' top_logprobs, renormalised; null when neither appears. */
export function labelProbability(top: TopLogprob[], first: string, second: string): number | null {
  let pa = 0;
  let pb = 0;
  for (const t of top) {
    const tok = t.token.trim().replace(/[^A-Za-z]/g, "");
    if (tok === first) pa += Math.exp(t.logprob);
    else if (tok === second) pb += Math.exp(t.logprob);
  }
  return pa + pb > 0 ? pa / (pa + pb) : null;
}

async function pool<T>(n: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const out = new Array<T>(n);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      const i = next++;
      out[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  return out;
}

function loadReferences(path: string): { refs: Map<string, string>; digest: string } {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new ConfigError(`ranker judge.references: cannot read ${path}`, { cause: e });
  }
  const refs = new Map<string, string>();
  text.split("\n").forEach((line, i) => {
    if (!line.trim()) return;
    let row: { prompt?: unknown; reference?: unknown };
    try {
      row = JSON.parse(line) as typeof row;
    } catch (e) {
      throw new InputError(`${path}:${i + 1}: not valid JSON`, { cause: e });
    }
    if (typeof row.prompt !== "string" || typeof row.reference !== "string") {
      throw new InputError(`${path}:${i + 1}: expected string fields "prompt" and "reference"`);
    }
    refs.set(row.prompt, row.reference);
  });
  return { refs, digest: createHash("sha256").update(text).digest("hex").slice(0, 12) };
}

export function judgeRanker(spec: JudgeSpec, env: NodeJS.ProcessEnv = process.env): Ranker {
  const client = new OpenAI({
    baseURL: spec.baseUrl,
    apiKey: env[spec.apiKeyEnv] ?? "not-needed",
    maxRetries: spec.maxRetries,
    timeout: spec.timeoutMs,
  });
  const rubric = spec.rubric ?? defaultRubric;
  const loaded = spec.mode === "pairwise" && spec.references ? loadReferences(spec.references) : null;
  const references = loaded?.refs ?? null;
  if (spec.mode === "pairwise" && !references) {
    throw new ConfigError(
      "ranker judge: mode 'pairwise' needs references (a JSONL file of {prompt, reference})",
      {
        hint: "or use mode 'tournament' to compare the candidates with each other",
      },
    );
  }

  async function ask(content: string): Promise<{ text: string; top: TopLogprob[] | null }> {
    try {
      const r = await client.chat.completions.create({
        model: spec.model,
        messages: [{ role: "user", content }],
        temperature: spec.temperature,
        max_tokens: 3,
        ...(spec.logprobs ? { logprobs: true, top_logprobs: 20 } : {}),
      });
      const choice = r.choices[0];
      const top = choice?.logprobs?.content?.[0]?.top_logprobs ?? null;
      return { text: choice?.message?.content ?? "", top: top && top.length > 0 ? top : null };
    } catch (e) {
      const status = e instanceof OpenAI.APIError ? ` (HTTP ${e.status ?? "no response"})` : "";
      throw new PrefloopError(
        "network",
        `judge ${spec.baseUrl} model ${spec.model} failed${status}: ${String(e)}`,
        {
          hint: "check the server is up and the model name; retries were already attempted",
          cause: e,
        },
      );
    }
  }

  async function rate(prompt: string, response: string): Promise<number> {
    const { text, top } = await ask(pointwiseTemplate(rubric, prompt, response));
    const expected = top ? expectedRating(top) : null;
    if (expected !== null) return expected;
    const m = /\b(10|[1-9])\b/.exec(text);
    if (!m)
      throw new PrefloopError(
        "external",
        `judge ${spec.model} replied '${text.slice(0, 40)}', not a 1-10 rating`,
      );
    return Number(m[1]);
  }

  /** P(a beats b) from one ordering. */
  async function prefer(prompt: string, a: string, b: string): Promise<number> {
    const { text, top } = await ask(pairwiseTemplate(prompt, a, b));
    const p = top ? labelProbability(top, "A", "B") : null;
    if (p !== null) return p;
    const t = text.trim().toUpperCase();
    if (t.startsWith("A")) return 1;
    if (t.startsWith("B")) return 0;
    throw new PrefloopError(
      "external",
      `judge ${spec.model} replied '${text.slice(0, 40)}', expected A or B`,
    );
  }

  /** Both orders averaged: P(a beats b) with position bias cancelled. */
  const beats = async (prompt: string, a: string, b: string): Promise<number> => {
    const [ab, ba] = await Promise.all([prefer(prompt, a, b), prefer(prompt, b, a)]);
    return (ab + (1 - ba)) / 2;
  };

  const rubricTag =
    rubric === defaultRubric ? "default" : createHash("sha256").update(rubric).digest("hex").slice(0, 12);
  return {
    id: `judge:${spec.baseUrl}#${spec.model}:${spec.mode}:${spec.mode === "pointwise" ? rubricTag : `ab${loaded ? `@${loaded.digest}` : ""}`}:${spec.logprobs ? "lp" : "text"}:t=${spec.temperature}:v1`,
    pointwise: spec.mode !== "tournament",
    async score(prompt: string, candidates: string[]): Promise<RankResult> {
      if (spec.mode === "pointwise") {
        return {
          scores: await pool(candidates.length, spec.concurrency, (i) => rate(prompt, candidates[i])),
        };
      }
      if (spec.mode === "pairwise") {
        const ref = references?.get(prompt);
        if (ref === undefined)
          throw new InputError(`judge references: no reference for prompt '${prompt.slice(0, 60)}'`);
        return {
          scores: await pool(candidates.length, spec.concurrency, (i) => beats(prompt, candidates[i], ref)),
        };
      }
      const n = candidates.length;
      const pairs: Array<[number, number]> = [];
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) pairs.push([i, j]);
      const p = await pool(pairs.length, spec.concurrency, (t) =>
        beats(prompt, candidates[pairs[t][0]], candidates[pairs[t][1]]),
      );
      const matrix = candidates.map(() => new Array<number>(n).fill(0));
      const scores = new Array<number>(n).fill(0);
      pairs.forEach(([i, j], t) => {
        const q = Math.min(1 - 1e-6, Math.max(1e-6, p[t]));
        matrix[i][j] = Math.log(q / (1 - q));
        matrix[j][i] = -matrix[i][j];
        scores[i] += p[t] / (n - 1);
        scores[j] += (1 - p[t]) / (n - 1);
      });
      return { scores, matrix };
    },
  };
}
