import assert from "node:assert/strict";
import { test } from "node:test";
import { IdMap, normalizePrompt, promptId } from "../../src/data/index.js";

test("promptId is the sha256 hex of the UTF-8 text (NIST/known vector)", () => {
  assert.equal(promptId("hello"), "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
  assert.equal(promptId("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
});

test("normalizePrompt: NFC, CRLF and CR to LF, trimmed, BOM dropped", () => {
  const decomposed = "Cafe\u0301 menu";
  assert.equal(normalizePrompt(decomposed), "Caf\u00e9 menu");
  assert.equal(promptId(normalizePrompt(decomposed)), promptId(normalizePrompt("Caf\u00e9 menu")));
  assert.equal(
    normalizePrompt("\uFEFF  line one\r\nline two\rline three \n\t"),
    "line one\nline two\nline three",
  );
  // interior whitespace is content, not noise
  assert.equal(normalizePrompt("a  b\n\n c"), "a  b\n\n c");
});

test("IdMap: set/get over many ids survives growth and rejects repeats", () => {
  const m = new IdMap(4);
  const ids = Array.from({ length: 5000 }, (_, i) => promptId(`p${i}`));
  for (const [i, id] of ids.entries()) assert.equal(m.add(id, i % 7), true);
  assert.equal(m.size, 5000);
  for (const [i, id] of ids.entries()) assert.equal(m.get(id), i % 7);
  assert.equal(m.add(ids[10], 3), false);
  assert.equal(m.get(ids[10]), 10 % 7);
  assert.equal(m.get(promptId("never")), undefined);
});
