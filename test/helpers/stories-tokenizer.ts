// The bundled stories260K SentencePiece vocabulary (test/fixtures/text) as a tokenizer, for generation tests
// that need real byte-fallback pieces without loading the model.
import { readFileSync } from "node:fs";
import { SpmTokenizer } from "../../src/text/index.js";

export const storiesVocab = JSON.parse(readFileSync("test/fixtures/text/stories260k-vocab.json", "utf8")) as {
  tokens: string[];
  scores: number[];
  token_type: number[];
};

export const storiesTokenizer = new SpmTokenizer({
  tokens: storiesVocab.tokens,
  scores: storiesVocab.scores,
  tokenTypes: storiesVocab.token_type,
  bosId: 1,
  eosId: 2,
  unkId: 0,
  padId: null,
});

/** The id of the byte-fallback piece <0xNN>. */
export const bytePiece = (b: number): number =>
  storiesVocab.tokens.indexOf(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`);
