// The Tokenizer interface, implemented over tokenizer.json (@huggingface/tokenizers) and over a
// GGUF file's SentencePiece vocabulary.

export interface Tokenizer {
  readonly vocabSize: number;
  readonly bosId: number | null;
  readonly eosId: number | null;
  readonly padId: number | null;
  /** Token ids of `text`, without special tokens added unless `addBos`. */
  encode(text: string, options?: { addBos?: boolean }): number[];
  /** Text of `ids`, special tokens dropped when `skipSpecial`. */
  decode(ids: number[], options?: { skipSpecial?: boolean }): string;
  /** Text of a single token (for streaming and stop strings). */
  tokenText(id: number): string;
}
