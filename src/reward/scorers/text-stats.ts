// Plain-text statistics shared by the programmatic scorers: words, sentences, syllables, n-grams.
// Heuristics for English prose, not a linguistic parser. The syllable count follows the usual
// vowel-group rule with a silent-e correction (as textstat and most Flesch-Kincaid calculators do).

export function words(text: string): string[] {
  return text.toLowerCase().match(/[a-z0-9]+(?:'[a-z]+)?/g) ?? [];
}

/** Sentences split after . ! ? (and any closing quotes); a trailing fragment counts as a sentence. */
export function sentences(text: string): string[] {
  const parts = text.match(/[^.!?]+(?:[.!?]+["'”’)]*|$)/g) ?? [];
  return parts.map((s) => s.trim()).filter((s) => /[A-Za-z0-9]/.test(s));
}

export function syllables(word: string): number {
  const w = word.toLowerCase().replace(/[^a-z]/g, "");
  if (w.length === 0) return 0;
  if (w.length <= 3) return 1;
  const trimmed = w.replace(/(?:[^laeiouy]es|[^laeiouy]ed|[^laeiouy]e)$/, "").replace(/^y/, "");
  const groups = trimmed.match(/[aeiouy]{1,2}/g);
  return Math.max(1, groups ? groups.length : 0);
}

/** Fraction of word n-grams that repeat an earlier n-gram of the same text (0 = none repeat). */
export function ngramRepeatRate(text: string, n: number): number {
  const w = words(text);
  const total = w.length - n + 1;
  if (total <= 0) return 0;
  const seen = new Set<string>();
  let repeats = 0;
  for (let i = 0; i < total; i++) {
    const key = w.slice(i, i + n).join(" ");
    if (seen.has(key)) repeats++;
    else seen.add(key);
  }
  return repeats / total;
}

/** Fraction of distinct word n-grams among all n-grams (distinct-n); 1 for texts shorter than n. */
export function distinctN(text: string, n: number): number {
  const w = words(text);
  const total = w.length - n + 1;
  if (total <= 0) return 1;
  const seen = new Set<string>();
  for (let i = 0; i < total; i++) seen.add(w.slice(i, i + n).join(" "));
  return seen.size / total;
}

/**
 * Flesch-Kincaid grade level: 0.39·(words/sentences) + 11.8·(syllables/words) − 15.59
 * (Kincaid et al. 1975, "Derivation of new readability formulas", formula for grade level).
 */
export function fleschKincaidGrade(text: string): number {
  const w = words(text);
  const s = Math.max(1, sentences(text).length);
  if (w.length === 0) return 0;
  const syl = w.reduce((acc, x) => acc + syllables(x), 0);
  return 0.39 * (w.length / s) + 11.8 * (syl / w.length) - 15.59;
}

/** Flesch reading ease: 206.835 − 1.015·(words/sentences) − 84.6·(syllables/words) (Flesch 1948). */
export function fleschReadingEase(text: string): number {
  const w = words(text);
  const s = Math.max(1, sentences(text).length);
  if (w.length === 0) return 0;
  const syl = w.reduce((acc, x) => acc + syllables(x), 0);
  return 206.835 - 1.015 * (w.length / s) - 84.6 * (syl / w.length);
}
