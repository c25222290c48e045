// The Tokenizer interface, implemented over tokenizer.json (@huggingface/tokenizers) and over a
// GGUF file's SentencePiece vocabulary.

export interface EncodeOptions {
  /** prepend the BOS token (when the tokenizer has one and the ids do not already start with it) */
  addBos?: boolean;
  /**
   * Match special (control) token strings such as "<|im_start|>" in the text as single tokens, as a chat
   * template's output needs. Default false for the GGUF vocabulary (text is literal, as llama.cpp's
   * parse_special = false); tokenizer.json always matches its added tokens, as Hugging Face does.
   */
  parseSpecial?: boolean;
}

export interface Tokenizer {
  readonly vocabSize: number;
  readonly bosId: number | null;
  readonly eosId: number | null;
  readonly padId: number | null;
  /** Token ids of `text`, without special tokens added unless `addBos`. */
  encode(text: string, options?: EncodeOptions): number[];
  /** Text of `ids`, special tokens dropped when `skipSpecial`. */
  decode(ids: number[], options?: { skipSpecial?: boolean }): string;
  /** Text of a single token (for streaming and stop strings). */
  tokenText(id: number): string;
}
