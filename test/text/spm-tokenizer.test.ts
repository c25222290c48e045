// The GGUF SentencePiece tokenizer against Google's sentencepiece on the stories260K vocabulary
// (golden file from scripts/reference/spm_tokenizer_ref.py), plus round trips and special-token handling.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import fc from "fast-check";
import { SpmTokenizer, textAssetsFromGguf } from "../../src/text/index.js";

interface Vocab {
  tokens: string[];
  scores: number[];
  token_type: number[];
}
interface Golden {
  cases: Array<{ text: string; ids: number[]; pieces: string[]; decoded: string }>;
}

const vocab = JSON.parse(readFileSync("test/fixtures/text/stories260k-vocab.json", "utf8")) as Vocab;
const golden = JSON.parse(readFileSync("test/golden/text/stories260k-spm.json", "utf8")) as Golden;

function ggufMeta(extra: Record<string, unknown> = {}): Map<string, unknown> {
  return new Map<string, unknown>(
    Object.entries({
      "tokenizer.ggml.model": "llama",
      "tokenizer.ggml.tokens": vocab.tokens,
      "tokenizer.ggml.scores": Float32Array.from(vocab.scores),
      "tokenizer.ggml.token_type": Int32Array.from(vocab.token_type),
      "tokenizer.ggml.bos_token_id": 1,
      "tokenizer.ggml.eos_token_id": 2,
      "tokenizer.ggml.unknown_token_id": 0,
      ...extra,
    }),
  );
}

const tok = textAssetsFromGguf(ggufMeta(), "stories260K.gguf").tokenizer as SpmTokenizer;

test("special ids and vocabulary size come from the GGUF metadata", () => {
  assert.equal(tok.vocabSize, 512);
  assert.equal(tok.bosId, 1);
  assert.equal(tok.eosId, 2);
  assert.equal(tok.padId, null);
});

test("encode matches sentencepiece on every golden string", () => {
  assert.ok(golden.cases.length >= 15);
  for (const c of golden.cases) {
    assert.deepEqual(tok.encode(c.text), c.ids, `encode ${JSON.stringify(c.text)}`);
  }
});

test("decode matches sentencepiece on every golden string", () => {
  for (const c of golden.cases) {
    assert.equal(tok.decode(c.ids), c.decoded, `decode ${JSON.stringify(c.text)}`);
  }
});

test("hand-checked segmentation: merges by score, leading space, byte fallback", () => {
  const pieces = (text: string): string[] => tok.encode(text).map((id) => tok.piece(id));
  assert.deepEqual(pieces("Once upon a time"), ["▁Once", "▁upon", "▁a", "▁time"]);
  // "=" is not a piece: it falls back to its byte
  assert.deepEqual(pieces("="), ["▁", "<0x3D>"]);
  assert.deepEqual(pieces("\n"), ["▁", "<0x0A>"]);
});

test("addBos prepends BOS once; empty text is BOS alone", () => {
  assert.deepEqual(tok.encode("", { addBos: true }), [1]);
  assert.deepEqual(tok.encode("a", { addBos: true }), [1, tok.encode("a")[0]]);
  assert.deepEqual(tok.encode("<s>a", { addBos: true, parseSpecial: true }).slice(0, 2), [
    1,
    tok.encode("a")[0],
  ]);
});

test("control tokens are literal text unless parseSpecial", () => {
  const literal = tok.encode("<s>hi</s>");
  assert.ok(!literal.includes(1) && !literal.includes(2));
  const parsed = tok.encode("<s>hi</s>", { parseSpecial: true });
  assert.equal(parsed[0], 1);
  assert.equal(parsed.at(-1), 2);
  // the text after a special token gets the space prefix, as in llama.cpp
  assert.deepEqual(parsed.slice(1, -1), tok.encode("hi"));
});

test("decode skips control tokens when asked and keeps them otherwise", () => {
  const ids = [1, ...tok.encode("Once upon"), 2];
  assert.equal(tok.decode(ids, { skipSpecial: true }), "Once upon");
  assert.equal(tok.decode(ids), "<s> Once upon</s>");
});

test("round trip: decode(encode(s)) = s for arbitrary unicode text", () => {
  fc.assert(
    // U+2581 is SentencePiece's own space marker: it decodes to " " (as in sentencepiece), so it cannot round-trip
    fc.property(
      fc.string({ unit: "grapheme", maxLength: 40 }).filter((s) => !s.includes("\u2581")),
      (s) => tok.decode(tok.encode(s)) === s,
    ),
    { numRuns: 300 },
  );
  fc.assert(
    fc.property(
      fc.string({ unit: fc.constantFrom(..."Lily a the  ,.\n"), maxLength: 60 }),
      (s) => tok.decode(tok.encode(s)) === s,
    ),
    { numRuns: 300 },
  );
});

test("tokenText gives a token's surface text with its space", () => {
  assert.equal(tok.tokenText(tok.encode("Once")[0] as number), " Once");
  assert.equal(tok.tokenText(13), "\n");
});

test("bad metadata fails with a ModelError naming the file", () => {
  assert.throws(
    () => textAssetsFromGguf(ggufMeta({ "tokenizer.ggml.model": "rwkv" }), "m.gguf"),
    /m\.gguf: tokenizer\.ggml\.model/,
  );
  assert.throws(
    () =>
      new SpmTokenizer({
        tokens: ["a"],
        scores: [],
        tokenTypes: [1],
        bosId: null,
        eosId: null,
        unkId: null,
        padId: null,
      }),
    /1 tokens but 0 scores/,
  );
  assert.throws(() => tok.decode([9999]), /outside the vocabulary/);
});

test("a GGUF chat template is rendered; without one the plain template returns the prompt text", () => {
  const plain = textAssetsFromGguf(ggufMeta(), "m.gguf").chatTemplate;
  assert.equal(plain.kind, "plain");
  assert.equal(
    plain.render([{ role: "user", content: "Once upon a time" }], { addGenerationPrompt: true }),
    "Once upon a time",
  );
  const withTemplate = textAssetsFromGguf(
    ggufMeta({
      "tokenizer.chat_template":
        "{{ bos_token }}{% for m in messages %}[{{ m.role }}]{{ m.content }}{% endfor %}",
    }),
    "m.gguf",
  ).chatTemplate;
  assert.equal(withTemplate.render([{ role: "user", content: "hi" }]), "<s>[user]hi");
});
