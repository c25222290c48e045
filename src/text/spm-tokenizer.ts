// SentencePiece BPE tokenizer over a GGUF vocabulary (tokenizer.ggml.model = "llama"): pieces merged by score,
// byte fallback to <0xXX> pieces, the "▁" leading-space convention. Not a Unigram tokenizer and not byte-level BPE.
// Follows llama.cpp's llm_tokenizer_spm (merge the adjacent pair whose concatenation is a piece with the
// highest score, ties to the leftmost; a space prefix before each run of text that starts the input or
// follows a special token) and its detokenizer (the first token's prefix space is dropped).
import { ModelError } from "../util/errors.js";
import type { EncodeOptions, Tokenizer } from "./tokenizer.js";

/** GGUF token types (tokenizer.ggml.token_type), the same numbers as sentencepiece's piece types. */
export const TokenType = {
  normal: 1,
  unknown: 2,
  control: 3,
  userDefined: 4,
  unused: 5,
  byte: 6,
} as const;

export interface SpmVocab {
  tokens: string[];
  scores: ArrayLike<number>;
  tokenTypes: ArrayLike<number>;
  bosId: number | null;
  eosId: number | null;
  unkId: number | null;
  padId: number | null;
  /** prepend a space to the text (sentencepiece add_dummy_prefix); default true */
  addSpacePrefix?: boolean;
}

const SPACE = "\u2581";
const utf8 = new TextEncoder();

interface Bigram {
  score: number;
  left: number;
  right: number;
  /** length (UTF-16 units) the merged symbol must have; a stale entry no longer matches */
  size: number;
}

/** Higher score first, then leftmost. */
function before(a: Bigram, b: Bigram): boolean {
  return a.score > b.score || (a.score === b.score && a.left < b.left);
}

class BigramHeap {
  private readonly items: Bigram[] = [];
  get size(): number {
    return this.items.length;
  }
  push(b: Bigram): void {
    const a = this.items;
    a.push(b);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(a[i] as Bigram, a[p] as Bigram)) break;
      [a[i], a[p]] = [a[p] as Bigram, a[i] as Bigram];
      i = p;
    }
  }
  pop(): Bigram | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && before(a[l] as Bigram, a[m] as Bigram)) m = l;
        if (r < a.length && before(a[r] as Bigram, a[m] as Bigram)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m] as Bigram, a[i] as Bigram];
        i = m;
      }
    }
    return top;
  }
}

export class SpmTokenizer implements Tokenizer {
  readonly vocabSize: number;
  readonly bosId: number | null;
  readonly eosId: number | null;
  readonly padId: number | null;
  readonly unkId: number | null;
  private readonly pieces: string[];
  private readonly scores: Float64Array;
  private readonly types: Uint8Array;
  private readonly ids = new Map<string, number>();
  /** id of the <0xXX> piece for each byte value, or -1 */
  private readonly byteIds = new Int32Array(256).fill(-1);
  /** UTF-8 bytes each token contributes to decoded text (byte pieces: their byte) */
  private readonly surface: Uint8Array[];
  /** control and user-defined pieces, longest first, matched literally in text */
  private readonly specials: Array<{ text: string; id: number; control: boolean }>;
  private readonly addSpacePrefix: boolean;

  constructor(vocab: SpmVocab) {
    const n = vocab.tokens.length;
    if (vocab.scores.length !== n || vocab.tokenTypes.length !== n) {
      throw new ModelError(
        `tokenizer vocabulary: ${n} tokens but ${vocab.scores.length} scores and ${vocab.tokenTypes.length} token types`,
      );
    }
    this.vocabSize = n;
    this.pieces = vocab.tokens;
    this.scores = Float64Array.from(vocab.scores);
    this.types = Uint8Array.from(vocab.tokenTypes);
    this.bosId = vocab.bosId;
    this.eosId = vocab.eosId;
    this.padId = vocab.padId;
    this.unkId = vocab.unkId;
    this.addSpacePrefix = vocab.addSpacePrefix ?? true;
    this.surface = new Array<Uint8Array>(n);
    this.specials = [];
    for (let id = 0; id < n; id++) {
      const piece = this.pieces[id] as string;
      const type = this.types[id] as number;
      // the first id wins for duplicate pieces, as in llama.cpp's token_to_id map
      if (!this.ids.has(piece)) this.ids.set(piece, id);
      const byte = type === TokenType.byte ? /^<0x([0-9A-Fa-f]{2})>$/.exec(piece) : null;
      if (byte) {
        const value = Number.parseInt(byte[1] as string, 16);
        if ((this.byteIds[value] as number) < 0) this.byteIds[value] = id;
        this.surface[id] = Uint8Array.of(value);
      } else {
        this.surface[id] = utf8.encode(piece.replaceAll(SPACE, " "));
      }
      if ((type === TokenType.control || type === TokenType.userDefined) && piece.length > 0) {
        this.specials.push({ text: piece, id, control: type === TokenType.control });
      }
    }
    this.specials.sort((a, b) => b.text.length - a.text.length);
  }

  encode(text: string, options: EncodeOptions = {}): number[] {
    const out: number[] = [];
    let prevSpecial = true;
    for (const fragment of this.partition(text, options.parseSpecial ?? false)) {
      if (typeof fragment === "number") {
        out.push(fragment);
        prevSpecial = true;
      } else {
        this.encodeText(this.addSpacePrefix && prevSpecial ? ` ${fragment}` : fragment, out);
        prevSpecial = false;
      }
    }
    if (options.addBos && this.bosId !== null && out[0] !== this.bosId) out.unshift(this.bosId);
    return out;
  }

  decode(ids: number[], options: { skipSpecial?: boolean } = {}): string {
    const skip = options.skipSpecial ?? false;
    const parts: Uint8Array[] = [];
    let total = 0;
    let first = true;
    for (const id of ids) {
      const type = this.types[id];
      if (type === undefined)
        throw new ModelError(`decode: token id ${id} is outside the vocabulary (size ${this.vocabSize})`);
      if (skip && (type === TokenType.control || type === TokenType.unknown)) continue;
      let bytes = this.surface[id] as Uint8Array;
      // sentencepiece drops the dummy prefix it added: the first token's leading space
      if (first && this.addSpacePrefix && type === TokenType.normal && bytes[0] === 0x20)
        bytes = bytes.subarray(1);
      first = false;
      parts.push(bytes);
      total += bytes.length;
    }
    const all = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      all.set(p, at);
      at += p.length;
    }
    return new TextDecoder().decode(all);
  }

  tokenText(id: number): string {
    const bytes = this.surface[id];
    if (bytes === undefined)
      throw new ModelError(`tokenText: token id ${id} is outside the vocabulary (size ${this.vocabSize})`);
    return new TextDecoder().decode(bytes);
  }

  /** Piece string of `id` as stored in the vocabulary (e.g. "▁Once", "<0x0A>"). */
  piece(id: number): string {
    return this.pieces[id] ?? "";
  }

  /** Splits text into literal runs and special token ids (user-defined always; control only when asked). */
  private partition(text: string, parseSpecial: boolean): Array<string | number> {
    const candidates = this.specials.filter((s) => parseSpecial || !s.control);
    if (candidates.length === 0) return text.length > 0 ? [text] : [];
    const out: Array<string | number> = [];
    let start = 0;
    let i = 0;
    while (i < text.length) {
      const hit = candidates.find((s) => text.startsWith(s.text, i));
      if (hit) {
        if (i > start) out.push(text.slice(start, i));
        out.push(hit.id);
        i += hit.text.length;
        start = i;
      } else {
        i++;
      }
    }
    if (start < text.length) out.push(text.slice(start));
    return out;
  }

  private encodeText(raw: string, out: number[]): void {
    const symbols = Array.from(raw.replaceAll(" ", SPACE));
    const n = symbols.length;
    if (n === 0) return;
    const prev = new Int32Array(n);
    const next = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      prev[i] = i - 1;
      next[i] = i + 1 < n ? i + 1 : -1;
    }
    const heap = new BigramHeap();
    const tryAdd = (left: number, right: number): void => {
      if (left < 0 || right < 0) return;
      const merged = (symbols[left] as string) + (symbols[right] as string);
      const id = this.ids.get(merged);
      if (id === undefined) return;
      heap.push({ score: this.scores[id] as number, left, right, size: merged.length });
    };
    for (let i = 1; i < n; i++) tryAdd(i - 1, i);
    while (heap.size > 0) {
      const b = heap.pop() as Bigram;
      const l = symbols[b.left] as string;
      const r = symbols[b.right] as string;
      // skip bigrams made stale by an earlier merge of either side
      if (l.length === 0 || r.length === 0 || next[b.left] !== b.right || l.length + r.length !== b.size)
        continue;
      symbols[b.left] = l + r;
      symbols[b.right] = "";
      const after = next[b.right] as number;
      next[b.left] = after;
      if (after >= 0) prev[after] = b.left;
      tryAdd(prev[b.left] as number, b.left);
      tryAdd(b.left, after);
    }
    for (let i = 0; i >= 0; i = next[i] as number) {
      const sym = symbols[i] as string;
      const id = this.ids.get(sym);
      if (id !== undefined) {
        out.push(id);
        continue;
      }
      for (const byte of utf8.encode(sym)) {
        const bid = this.byteIds[byte] as number;
        if (bid >= 0) out.push(bid);
        else if (this.unkId !== null) out.push(this.unkId);
      }
    }
  }
}
