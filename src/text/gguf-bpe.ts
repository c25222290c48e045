// GGUF byte-level BPE vocabularies (tokenizer.ggml.model = "gpt2": Qwen2, Llama 3, GPT-2) as a Hugging Face
// tokenizer.json object for @huggingface/tokenizers: vocab and merges from the file, the pre-tokenizer
// regex named by tokenizer.ggml.pre (patterns as in llama.cpp's llama-vocab.cpp and the models' own
// tokenizer.json), control and user-defined tokens as added tokens. Not a BPE implementation.
import { ModelError } from "../util/errors.js";
import type { JsonObject } from "./hf-tokenizer.js";

const QWEN2 =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const LLAMA3 =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

/** Split regexes by tokenizer.ggml.pre; "default"/"gpt2" use ByteLevel's own GPT-2 pattern. */
const splitPatterns: Record<string, string | null> = {
  default: null,
  gpt2: null,
  qwen2: QWEN2,
  "llama-bpe": LLAMA3,
  llama3: LLAMA3,
};

export interface GgufBpeVocab {
  tokens: string[];
  tokenTypes: ArrayLike<number>;
  merges: string[];
  pre: string | null;
}

/** A tokenizer.json object equivalent to a GGUF byte-level BPE vocabulary. */
export function tokenizerJsonFromGgufBpe(v: GgufBpeVocab, source: string): JsonObject {
  const pre = v.pre ?? "default";
  if (!(pre in splitPatterns)) {
    throw new ModelError(`${source}: tokenizer.ggml.pre "${pre}" is not supported`, {
      hint: `supported: ${Object.keys(splitPatterns).join(", ")}; or use the model's Hugging Face folder`,
    });
  }
  const pattern = splitPatterns[pre] ?? null;
  const vocab: Record<string, number> = {};
  const added: JsonObject[] = [];
  v.tokens.forEach((token, id) => {
    const type = v.tokenTypes[id];
    if (type === 3 || type === 4) {
      added.push({
        id,
        content: token,
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
        special: type === 3,
      });
    }
    // unused padding slots ([PADn]) stay out of the vocabulary so text never maps to them
    if (type !== 5 && !(token in vocab)) vocab[token] = id;
  });
  const byteLevel = {
    type: "ByteLevel",
    add_prefix_space: false,
    trim_offsets: pattern === null,
    use_regex: pattern === null,
  };
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: null,
    pre_tokenizer:
      pattern === null
        ? byteLevel
        : {
            type: "Sequence",
            pretokenizers: [
              { type: "Split", pattern: { Regex: pattern }, behavior: "Isolated", invert: false },
              byteLevel,
            ],
          },
    post_processor: null,
    decoder: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: "BPE",
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: pattern === LLAMA3,
      vocab,
      merges: v.merges,
    },
  };
}
