export type { ChatTemplate, JinjaTemplateContext } from "./chat-template.js";
export { chatTemplateText, JinjaChatTemplate, PlainChatTemplate } from "./chat-template.js";
export type { JsonObject } from "./hf-tokenizer.js";
export { HfTokenizer, specialTokenText } from "./hf-tokenizer.js";
export type { GgufKeyValues, TextAssets } from "./load.js";
export { loadTextAssetsFromFolder, textAssetsFromGguf } from "./load.js";
export type { SpmVocab } from "./spm-tokenizer.js";
export { SpmTokenizer, TokenType } from "./spm-tokenizer.js";
export type { EncodeOptions, Tokenizer } from "./tokenizer.js";
