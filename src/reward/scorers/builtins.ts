// Built-in programmatic scorers: length, regex, keywords, JSON validity, refusal, repetition, reading level.
// Each is a pure function of (prompt, response); ids encode every option so cached scores never go stale.
// Not the story suite (story.ts) nor user modules (user-module.ts).
import { z } from "zod";
import type { Tokenizer } from "../../text/index.js";
import { ConfigError } from "../../util/errors.js";
import type { Scorer } from "../scorer.js";
import type { RankerSpec } from "../spec.js";
import { fleschKincaidGrade, ngramRepeatRate, words } from "./text-stats.js";

type Spec<T extends RankerSpec["type"]> = Extract<RankerSpec, { type: T }>;

/** Without a tokenizer, "tokens" counts words and punctuation marks (about 1.3 BPE tokens per word). */
export function lengthOf(text: string, unit: "chars" | "words" | "tokens", tokenizer?: Tokenizer): number {
  if (unit === "chars") return [...text].length;
  if (unit === "words") return words(text).length;
  if (tokenizer) return tokenizer.encode(text).length;
  return (text.match(/[\p{L}\p{N}']+|[^\s\p{L}\p{N}]/gu) ?? []).length;
}

export function lengthScorer(spec: Spec<"length">, tokenizer?: Tokenizer): Scorer {
  const unit = spec.unit === "tokens" && !tokenizer ? "tokens~" : spec.unit;
  const id = `length:${unit}:${spec.target !== undefined ? `target=${spec.target}` : spec.prefer}`;
  return {
    id,
    score: (_p, r) => {
      const n = lengthOf(r, spec.unit, tokenizer);
      if (spec.target !== undefined) return 0 - Math.abs(n - spec.target) / spec.target;
      return spec.prefer === "longer" ? n : -n;
    },
  };
}

export function regexScorer(spec: Spec<"regex">): Scorer {
  let re: RegExp;
  try {
    re = new RegExp(spec.pattern, spec.flags.replace("g", ""));
  } catch (e) {
    throw new ConfigError(`ranker regex: pattern /${spec.pattern}/${spec.flags} is not a valid RegExp`, {
      cause: e,
    });
  }
  return {
    id: `regex:/${spec.pattern}/${spec.flags}${spec.absent ? ":absent" : ""}`,
    score: (_p, r) => (re.test(r) !== spec.absent ? 1 : 0),
  };
}

/** Fraction of the keywords present (or absent), whole-word for single words, substring for phrases. */
export function keywordsScorer(spec: Spec<"keywords">): Scorer {
  const flags = spec.caseSensitive ? "u" : "iu";
  const res = spec.words.map((w) => {
    const esc = w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    return new RegExp(/^\w+$/.test(w) ? `\\b${esc}\\b` : esc, flags);
  });
  return {
    id: `keywords:${JSON.stringify(spec.words)}${spec.caseSensitive ? ":cs" : ""}${spec.absent ? ":absent" : ""}`,
    score: (_p, r) => {
      const present = res.filter((re) => re.test(r)).length / res.length;
      return spec.absent ? 1 - present : present;
    },
  };
}

/** The JSON inside a response: the whole text, else the first ```json fenced block, else undefined. */
export function extractJson(text: string): unknown {
  const candidates = [text.trim()];
  const fence = /```(?:json)?\s*\n([\s\S]*?)```/.exec(text);
  if (fence) candidates.push(fence[1].trim());
  for (const c of candidates) {
    try {
      return JSON.parse(c);
    } catch {
      // try the next candidate
    }
  }
  return undefined;
}

/** 1: valid JSON satisfying the schema; 0.5: valid JSON failing the schema; 0: not JSON. */
export function jsonScorer(spec: Spec<"json">): Scorer {
  let validator: z.ZodType | undefined;
  if (spec.schema) {
    try {
      validator = z.fromJSONSchema(spec.schema as Parameters<typeof z.fromJSONSchema>[0]);
    } catch (e) {
      throw new ConfigError(`ranker json.schema: not a JSON Schema zod can read (${String(e)})`, {
        cause: e,
      });
    }
  }
  return {
    id: `json:${spec.schema ? JSON.stringify(spec.schema) : "any"}`,
    score: (_p, r) => {
      const value = extractJson(r);
      if (value === undefined) return 0;
      if (!validator) return 1;
      return validator.safeParse(value).success ? 1 : 0.5;
    },
  };
}

// Phrases that open or carry a refusal in chat-model outputs (the usual lists of refusal
// classifiers in safety evaluations, e.g. the "I'm sorry"/"As an AI" prefixes of GCG's refusal check).
const refusalPatterns = [
  /\bI(?:'m| am) (?:sorry|afraid),? (?:but )?I (?:can(?:'|no)t|cannot|won't|am unable|'m unable)/i,
  /\bI (?:can(?:'|no)t|cannot|won't|will not|am unable to|'m unable to|am not able to) (?:help|assist|provide|comply|do that|fulfil|fulfill|support|answer|create|write|generate)/i,
  /\bAs an AI(?: language model)?,? I (?:can(?:'|no)t|cannot|don't|do not|am not)/i,
  /\bI (?:must|have to) (?:decline|refuse)/i,
  /\b(?:Sorry|Unfortunately),? (?:but )?I (?:can(?:'|no)t|cannot|won't)/i,
  /\bit(?:'s| is) not (?:appropriate|ethical) for me to/i,
];

export function isRefusal(text: string): boolean {
  const head = text.slice(0, 400);
  return refusalPatterns.some((re) => re.test(head));
}

export function refusalScorer(spec: Spec<"refusal">): Scorer {
  return {
    id: `refusal:v1:${spec.prefer}`,
    score: (_p, r) => (isRefusal(r) === (spec.prefer === "refusal") ? 1 : 0),
  };
}

/** 1 − the word n-gram repeat rate: 1 when no n-gram repeats, near 0 for a loop. */
export function repetitionScorer(spec: Spec<"repetition">): Scorer {
  return { id: `repetition:${spec.n}`, score: (_p, r) => 1 - ngramRepeatRate(r, spec.n) };
}

/** −|grade − target| with a target, else −grade (simpler text scores higher). Grade: Flesch-Kincaid. */
export function readingLevelScorer(spec: Spec<"reading-level">): Scorer {
  return {
    id: `reading-level:fk:${spec.target ?? "lower"}`,
    score: (_p, r) => {
      const grade = fleschKincaidGrade(r);
      return spec.target === undefined ? -grade : -Math.abs(grade - spec.target);
    },
  };
}
