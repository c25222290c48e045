// The story reward suite for the default recipe (a 260K-parameter TinyStories model): scorers a tiny
// model can learn in minutes and a person finds meaningful — stay with the prompt's named character,
// end happily, don't repeat, end on a full sentence — summed with a length-control term.
// Not the held-out judge (story-judge.ts), which deliberately measures with other features.
import type { Scorer } from "../scorer.js";
import type { StorySuiteSpec } from "../spec.js";
import { allNames, negativeWords, positiveWords } from "./story-words.js";
import { ngramRepeatRate, sentences, words } from "./text-stats.js";

/** The protagonist's name: "named Mia", else the first known story name in the prompt. */
export function protagonist(prompt: string): string | null {
  const named = /\bnamed\s+([A-Z][a-z]+)/.exec(prompt);
  if (named) return named[1];
  for (const w of prompt.match(/\b[A-Z][a-z]+\b/g) ?? []) if (allNames.includes(w)) return w;
  return null;
}

function countWord(text: string, word: string): number {
  return (text.match(new RegExp(`\\b${word}\\b`, "g")) ?? []).length;
}

/**
 * Up to 3 mentions of the protagonist score up to 1; losing the story to another known name (one
 * mentioned more often than the protagonist, as when a tiny model drifts back to "Lily") costs 0.5.
 * Side characters ("her friend Tom") cost nothing.
 */
export function characterScore(prompt: string, response: string): number {
  const name = protagonist(prompt);
  if (!name) return 0;
  const mentions = countWord(response, name);
  const rival = allNames
    .filter((n) => n !== name && !prompt.includes(n))
    .reduce((acc, n) => Math.max(acc, countWord(response, n)), 0);
  return Math.min(mentions, 3) / 3 - (rival > mentions ? 0.5 : 0);
}

/** Positive minus negative ending words in the last two sentences, scaled to [−1, 1]. */
export function happyEndingScore(response: string): number {
  const tail = sentences(response).slice(-2).join(" ");
  const w = words(tail);
  const pos = w.filter((x) => positiveWords.includes(x)).length;
  const neg = w.filter((x) => negativeWords.includes(x)).length;
  return Math.max(-1, Math.min(1, (pos - neg) / 2));
}

/** 1 − max(word-trigram repeat rate, fraction of sentences that repeat an earlier one). */
export function noRepetitionScore(response: string): number {
  const s = sentences(response).map((x) => x.toLowerCase());
  const repeatedSentences = s.length ? (s.length - new Set(s).size) / s.length : 0;
  return 1 - Math.max(ngramRepeatRate(response, 3), repeatedSentences);
}

/** Half for ending on . ! ? (quotes allowed after), half for the share of sentences opening with a capital. */
export function completeScore(response: string): number {
  const text = response.trim();
  if (!text) return 0;
  const ends = /[.!?]["'”’)]*$/.test(text) ? 1 : 0;
  const s = sentences(text);
  const capital = s.length ? s.filter((x) => /^["'“]?[A-Z]/.test(x)).length / s.length : 0;
  return 0.5 * ends + 0.5 * capital;
}

/** −|ln(chars / target)|, floored at −2: stories near the target length score 0. */
export function lengthTerm(response: string, targetChars: number): number {
  const n = Math.max(1, response.trim().length);
  return Math.max(-2, 0 - Math.abs(Math.log(n / targetChars)));
}

export interface StoryComponents {
  character: number;
  happyEnding: number;
  noRepetition: number;
  complete: number;
  length: number;
}

export function storyComponents(prompt: string, response: string, targetChars = 300): StoryComponents {
  return {
    character: characterScore(prompt, response),
    happyEnding: happyEndingScore(response),
    noRepetition: noRepetitionScore(response),
    complete: completeScore(response),
    length: lengthTerm(response, targetChars),
  };
}

const defaultWeights: StoryComponents = {
  character: 1,
  happyEnding: 1,
  noRepetition: 1,
  complete: 1,
  length: 0.5,
};

export function storySuiteScorer(spec: Pick<StorySuiteSpec, "weights" | "targetChars">): Scorer {
  const w: StoryComponents = { ...defaultWeights, ...spec.weights };
  const keys = Object.keys(defaultWeights) as Array<keyof StoryComponents>;
  return {
    id: `story-suite:v1:${keys.map((k) => `${k}=${w[k]}`).join(",")}:target=${spec.targetChars}`,
    score: (prompt, response) => {
      const c = storyComponents(prompt, response, spec.targetChars);
      return keys.reduce((acc, k) => acc + w[k] * c[k], 0);
    },
  };
}
