// Tokenizer over a Hugging Face tokenizer.json (+ tokenizer_config.json) through @huggingface/tokenizers.
// Not a tokenizer implementation: normalisation, pre-tokenisation, BPE/Unigram/WordPiece and decoding are
// the library's. Special tokens come from tokenizer_config.json (bos_token, eos_token, pad_token), as in
// transformers' PreTrainedTokenizerFast; BOS is added by us (not the post-processor) so chat templates that
// already render it do not get a second one.
import { Tokenizer as HfLibTokenizer } from "@huggingface/tokenizers";
import { InputError } from "../util/errors.js";
import type { EncodeOptions, Tokenizer } from "./tokenizer.js";

export type JsonObject = Record<string, unknown>;

/** The token string of a tokenizer_config.json special-token entry ("<s>" or {"content": "<s>", ...}). */
export function specialTokenText(value: unknown): string | null {
  if (typeof value === "string") return value;
  if (value !== null && typeof value === "object" && "content" in value) {
    const content = (value as { content: unknown }).content;
    if (typeof content === "string") return content;
  }
  return null;
}

export class HfTokenizer implements Tokenizer {
  readonly vocabSize: number;
  readonly bosId: number | null;
  readonly eosId: number | null;
  readonly padId: number | null;
  private readonly lib: HfLibTokenizer;

  /** `source` names the files in error messages. */
  constructor(tokenizerJson: JsonObject, tokenizerConfig: JsonObject, source = "tokenizer.json") {
    if (typeof tokenizerJson.model !== "object" || tokenizerJson.model === null) {
      throw new InputError(`${source}: field "model" is missing; expected a Hugging Face tokenizer.json`);
    }
    try {
      this.lib = new HfLibTokenizer(tokenizerJson, tokenizerConfig);
    } catch (e) {
      throw new InputError(`${source}: cannot build the tokenizer: ${(e as Error).message}`, { cause: e });
    }
    const vocab = this.lib.get_vocab(true);
    let max = -1;
    for (const id of vocab.values()) if (id > max) max = id;
    this.vocabSize = max + 1;
    const idOf = (field: string): number | null => {
      const text = specialTokenText(tokenizerConfig[field]);
      if (text === null) return null;
      const id = this.lib.token_to_id(text);
      if (id === undefined) throw new InputError(`${source}: ${field} "${text}" is not in the vocabulary`);
      return id;
    };
    this.bosId = idOf("bos_token");
    this.eosId = idOf("eos_token");
    this.padId = idOf("pad_token");
  }

  encode(text: string, options: EncodeOptions = {}): number[] {
    const ids = text.length === 0 ? [] : this.lib.encode(text, { add_special_tokens: false }).ids;
    if (options.addBos && this.bosId !== null && ids[0] !== this.bosId) ids.unshift(this.bosId);
    return ids;
  }

  decode(ids: number[], options: { skipSpecial?: boolean } = {}): string {
    if (ids.length === 0) return "";
    return this.lib.decode(ids, {
      skip_special_tokens: options.skipSpecial ?? false,
      clean_up_tokenization_spaces: false,
    });
  }

  /** The token decoded alone (a Metaspace decoder drops a leading space here, as it does at text start). */
  tokenText(id: number): string {
    return this.lib.decode([id], { skip_special_tokens: false, clean_up_tokenization_spaces: false });
  }

  /** Token id of a token string, or undefined. */
  tokenId(token: string): number | undefined {
    return this.lib.token_to_id(token);
  }
}
