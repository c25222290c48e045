// Stopping criteria for one sample: stop tokens (end of sequence) and stop strings found in the decoded
// completion, which is cut before the first stop string (OpenAI semantics). Not sampling.
import type { Tokenizer } from "../text/index.js";

/**
 * Text of `generated` as it reads after `context` (the prompt's last few tokens), so a SentencePiece
 * tokenizer keeps the space it would drop at the start of a text; with no context the text is decoded
 * as a text start.
 */
export function completionText(tokenizer: Tokenizer, context: number[], generated: number[]): string {
  if (context.length === 0) return tokenizer.decode(generated, { skipSpecial: true });
  const base = tokenizer.decode(context, { skipSpecial: true });
  const full = tokenizer.decode([...context, ...generated], { skipSpecial: true });
  // a context ending inside a UTF-8 sequence decodes differently alone: fall back to the tokens alone
  return full.startsWith(base) ? full.slice(base.length) : tokenizer.decode(generated, { skipSpecial: true });
}

export class StopCriteria {
  private readonly maxStopLength: number;

  constructor(
    readonly stopTokens: ReadonlySet<number>,
    readonly stopStrings: readonly string[],
  ) {
    this.maxStopLength = stopStrings.reduce((m, s) => Math.max(m, s.length), 0);
  }

  isStopToken(id: number): boolean {
    return this.stopTokens.has(id);
  }

  /**
   * Index where the earliest stop string starts in `text`, or -1. Only occurrences ending after
   * `checkedLength` (the text length at the previous check) are new, so the scan starts just before it.
   */
  findStop(text: string, checkedLength = 0): number {
    if (this.stopStrings.length === 0) return -1;
    const from = Math.max(0, checkedLength - this.maxStopLength + 1);
    let best = -1;
    for (const s of this.stopStrings) {
      const at = text.indexOf(s, from);
      if (at >= 0 && (best < 0 || at < best)) best = at;
    }
    return best;
  }
}
