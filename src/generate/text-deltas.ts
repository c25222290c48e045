// The streamed text of one sample: given the completion decoded so far, the part that is final. Held
// back: a trailing U+FFFD (an unfinished UTF-8 sequence, e.g. SentencePiece byte pieces <0xE2><0x82>…)
// and the longest tail that begins a stop string (it may still be cut), as vLLM's incremental
// detokenizer and llama.cpp server's partial-stop check do. Not the stop search itself (stopping.ts).

/** Length of `text` without trailing U+FFFD (bytes of a character not yet complete). */
export function completeLength(text: string): number {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 0xfffd) end--;
  return end;
}

/** Length of the longest tail of text[0, end) that is a proper prefix of one of `stops`. */
export function stopPrefixLength(text: string, end: number, stops: readonly string[]): number {
  let held = 0;
  for (const s of stops) {
    for (let k = Math.min(s.length - 1, end); k > held; k--) {
      if (text.startsWith(s.slice(0, k), end - k)) {
        held = k;
        break;
      }
    }
  }
  return held;
}

export class TextDeltas {
  /** characters handed out so far */
  private sent = 0;

  constructor(private readonly stops: readonly string[]) {}

  /** The newly final text of a sample still running whose completion now decodes to `text`. */
  next(text: string): string {
    const end = completeLength(text);
    const safe = end - stopPrefixLength(text, end, this.stops);
    return this.take(text, safe);
  }

  /** The rest of a finished sample's final text. */
  last(finalText: string): string {
    return this.take(finalText, finalText.length);
  }

  private take(text: string, upTo: number): string {
    if (upTo <= this.sent) return "";
    const delta = text.slice(this.sent, upTo);
    this.sent = upTo;
    return delta;
  }
}
