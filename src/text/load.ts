// Builds a model's text assets (tokenizer + chat template) from a Hugging Face folder (tokenizer.json,
// tokenizer_config.json) or from GGUF metadata (tokenizer.ggml.*, tokenizer.chat_template; key names from
// the GGUF spec). Not a GGUF reader: the models layer parses the file and hands the metadata over.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { InputError, ModelError } from "../util/errors.js";
import {
  type ChatTemplate,
  chatTemplateText,
  JinjaChatTemplate,
  PlainChatTemplate,
} from "./chat-template.js";
import { tokenizerJsonFromGgufBpe } from "./gguf-bpe.js";
import { HfTokenizer, type JsonObject, specialTokenText } from "./hf-tokenizer.js";
import { SpmTokenizer } from "./spm-tokenizer.js";
import type { Tokenizer } from "./tokenizer.js";

export interface TextAssets {
  tokenizer: Tokenizer;
  chatTemplate: ChatTemplate;
}

/** GGUF metadata key -> value (a Map or a plain object). */
export type GgufKeyValues = ReadonlyMap<string, unknown> | Readonly<Record<string, unknown>>;

async function readJson(path: string): Promise<JsonObject> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new InputError(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? "error"})`, {
      cause: e,
    });
  }
  try {
    const value: unknown = JSON.parse(text);
    if (value === null || typeof value !== "object" || Array.isArray(value))
      throw new Error("not a JSON object");
    return value as JsonObject;
  } catch (e) {
    throw new InputError(`${path}: invalid JSON: ${(e as Error).message}`, { cause: e });
  }
}

/** Tokenizer and chat template of a Hugging Face model folder. */
export async function loadTextAssetsFromFolder(dir: string): Promise<TextAssets> {
  const tokPath = join(dir, "tokenizer.json");
  if (!existsSync(tokPath)) {
    throw new InputError(`${tokPath}: not found; a Hugging Face model folder needs tokenizer.json`, {
      hint: existsSync(join(dir, "tokenizer.model"))
        ? "only a sentencepiece tokenizer.model is present: convert it with transformers (AutoTokenizer(...).save_pretrained) or use the GGUF file"
        : undefined,
    });
  }
  const cfgPath = join(dir, "tokenizer_config.json");
  const config = existsSync(cfgPath) ? await readJson(cfgPath) : {};
  const tokenizer = new HfTokenizer(await readJson(tokPath), config, tokPath);
  const text = chatTemplateText(config.chat_template, cfgPath);
  const chatTemplate = text
    ? new JinjaChatTemplate(cfgPath, text, {
        bosToken: specialTokenText(config.bos_token),
        eosToken: specialTokenText(config.eos_token),
        padToken: specialTokenText(config.pad_token),
        unkToken: specialTokenText(config.unk_token),
      })
    : new PlainChatTemplate();
  return { tokenizer, chatTemplate };
}

function get(meta: GgufKeyValues, key: string): unknown {
  return meta instanceof Map ? meta.get(key) : (meta as Record<string, unknown>)[key];
}

function asNumberArray(value: unknown, key: string, source: string): number[] {
  if (Array.isArray(value) || ArrayBuffer.isView(value)) {
    return Array.from(value as ArrayLike<number | bigint>, (v) => Number(v));
  }
  throw new ModelError(`${source}: metadata ${key} is missing or not an array`);
}

function optionalId(meta: GgufKeyValues, key: string): number | null {
  const v = get(meta, key);
  return typeof v === "number" || typeof v === "bigint" ? Number(v) : null;
}

/** Tokenizer and chat template from GGUF metadata: SentencePiece ("llama") or byte-level BPE ("gpt2"). */
export function textAssetsFromGguf(meta: GgufKeyValues, source: string): TextAssets {
  const model = get(meta, "tokenizer.ggml.model");
  if (model === "gpt2") return bpeAssetsFromGguf(meta, source);
  if (model !== "llama") {
    throw new ModelError(
      `${source}: tokenizer.ggml.model is ${JSON.stringify(model)}; GGUF vocabularies "llama" (SentencePiece) and "gpt2" (byte-level BPE) are read`,
      { hint: "use the model's Hugging Face folder (tokenizer.json) instead" },
    );
  }
  const tokens = get(meta, "tokenizer.ggml.tokens");
  if (!Array.isArray(tokens) || !tokens.every((t) => typeof t === "string")) {
    throw new ModelError(`${source}: metadata tokenizer.ggml.tokens is missing or not a string array`);
  }
  const n = tokens.length;
  const scoresRaw = get(meta, "tokenizer.ggml.scores");
  const typesRaw = get(meta, "tokenizer.ggml.token_type");
  const addPrefix = get(meta, "tokenizer.ggml.add_space_prefix");
  const tokenizer = new SpmTokenizer({
    tokens: tokens as string[],
    scores:
      scoresRaw === undefined
        ? new Array<number>(n).fill(0)
        : asNumberArray(scoresRaw, "tokenizer.ggml.scores", source),
    // llama.cpp treats a missing token_type as all normal
    tokenTypes:
      typesRaw === undefined
        ? new Array<number>(n).fill(1)
        : asNumberArray(typesRaw, "tokenizer.ggml.token_type", source),
    bosId: optionalId(meta, "tokenizer.ggml.bos_token_id"),
    eosId: optionalId(meta, "tokenizer.ggml.eos_token_id"),
    unkId: optionalId(meta, "tokenizer.ggml.unknown_token_id"),
    padId: optionalId(meta, "tokenizer.ggml.padding_token_id"),
    addSpacePrefix: typeof addPrefix === "boolean" ? addPrefix : true,
  });
  const template = get(meta, "tokenizer.chat_template");
  const tokenText = (id: number | null): string | null => (id === null ? null : tokenizer.piece(id));
  const chatTemplate =
    typeof template === "string" && template.length > 0
      ? new JinjaChatTemplate(`${source} tokenizer.chat_template`, template, {
          bosToken: tokenText(tokenizer.bosId),
          eosToken: tokenText(tokenizer.eosId),
          padToken: tokenText(tokenizer.padId),
          unkToken: tokenText(tokenizer.unkId),
        })
      : new PlainChatTemplate();
  return { tokenizer, chatTemplate };
}

function bpeAssetsFromGguf(meta: GgufKeyValues, source: string): TextAssets {
  const tokens = get(meta, "tokenizer.ggml.tokens");
  const merges = get(meta, "tokenizer.ggml.merges");
  if (!Array.isArray(tokens) || !tokens.every((t) => typeof t === "string")) {
    throw new ModelError(`${source}: metadata tokenizer.ggml.tokens is missing or not a string array`);
  }
  if (!Array.isArray(merges) || !merges.every((t) => typeof t === "string")) {
    throw new ModelError(`${source}: metadata tokenizer.ggml.merges is missing or not a string array`);
  }
  const typesRaw = get(meta, "tokenizer.ggml.token_type");
  const pre = get(meta, "tokenizer.ggml.pre");
  const json = tokenizerJsonFromGgufBpe(
    {
      tokens: tokens as string[],
      tokenTypes:
        typesRaw === undefined
          ? new Array<number>(tokens.length).fill(1)
          : asNumberArray(typesRaw, "tokenizer.ggml.token_type", source),
      merges: merges as string[],
      pre: typeof pre === "string" ? pre : null,
    },
    source,
  );
  const text = (key: string): string | null => {
    const id = optionalId(meta, key);
    return id === null ? null : ((tokens as string[])[id] ?? null);
  };
  const special = {
    bosToken: text("tokenizer.ggml.bos_token_id"),
    eosToken: text("tokenizer.ggml.eos_token_id"),
    padToken: text("tokenizer.ggml.padding_token_id"),
    unkToken: null,
  };
  // add_bos_token = false (Qwen2) means the vocabulary's BOS is never prepended
  const addBos = get(meta, "tokenizer.ggml.add_bos_token") !== false;
  const config = {
    bos_token: addBos ? special.bosToken : null,
    eos_token: special.eosToken,
    pad_token: special.padToken,
  };
  const tokenizer = new HfTokenizer(json, config, source);
  const template = get(meta, "tokenizer.chat_template");
  const chatTemplate =
    typeof template === "string" && template.length > 0
      ? new JinjaChatTemplate(`${source} tokenizer.chat_template`, template, special)
      : new PlainChatTemplate();
  return { tokenizer, chatTemplate };
}
