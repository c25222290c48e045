// Collation like TRL: templated prompt/response split, TRL <= 0.11 truncation (keep_start / keep_end,
// then responses cut to max_length - max_prompt_length), rows [chosen..., rejected...] right-padded.
import assert from "node:assert/strict";
import { test } from "node:test";
import { collatePairs, tokenizePair, truncatePair } from "../../src/train/index.js";
import type { ChatMessage } from "../../src/util/types.js";
import { wordTokenizer } from "./tiny-lm.js";

const ids = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);

test("truncation: prompt cut to max_prompt_length keeping its start or end, then responses", () => {
  const p = { promptIds: ids(10, 20), chosenIds: ids(30, 36), rejectedIds: ids(40, 43) };
  const end = truncatePair(p, { maxLength: 12, maxPromptLength: 4, truncationMode: "keep_end" });
  assert.deepEqual(end.promptIds, ids(16, 20));
  assert.deepEqual(end.chosenIds, ids(30, 36)); // 4 + 6 <= 12: responses untouched
  const start = truncatePair(p, { maxLength: 12, maxPromptLength: 4, truncationMode: "keep_start" });
  assert.deepEqual(start.promptIds, ids(10, 14));
  const tight = truncatePair(p, { maxLength: 8, maxPromptLength: 4, truncationMode: "keep_end" });
  assert.deepEqual(tight.chosenIds, ids(30, 34)); // cut to 8 - 4
  assert.deepEqual(tight.rejectedIds, ids(40, 43));
  const fits = truncatePair(p, { maxLength: 16, maxPromptLength: 4, truncationMode: "keep_end" });
  assert.deepEqual(fits, p);
});

test("chat template: response = ids after the generation prompt; BOS added once", () => {
  const template = {
    kind: "jinja",
    render(messages: ChatMessage[], o?: { addGenerationPrompt?: boolean }) {
      const body = messages.map((m) => `${m.role === "user" ? "t3" : "t4"} ${m.content} t2`).join(" ");
      return o?.addGenerationPrompt ? `${body} t4` : body;
    },
  };
  const row = {
    prompt: [{ role: "user" as const, content: "t10 t11" }],
    chosen: [
      { role: "user" as const, content: "t10 t11" },
      { role: "assistant" as const, content: "t20 t21" },
    ],
    rejected: [
      { role: "user" as const, content: "t10 t11" },
      { role: "assistant" as const, content: "t30" },
    ],
  };
  const p = tokenizePair(row, wordTokenizer, template);
  assert.deepEqual(p.promptIds, [1, 3, 10, 11, 2, 4]);
  assert.deepEqual(p.chosenIds, [20, 21, 2]);
  assert.deepEqual(p.rejectedIds, [30, 2]);
});

test("plain text (no template): prompt + response + EOS, as TRL's non-conversational path", () => {
  const p = tokenizePair({ prompt: "t10 t11", chosen: " t20", rejected: " t30 t31" }, wordTokenizer, null);
  assert.deepEqual(p, { promptIds: [1, 10, 11], chosenIds: [20, 2], rejectedIds: [30, 31, 2] });
});

test("collate: chosen rows then rejected rows, right padding, loss only on response tokens", () => {
  const pb = collatePairs(
    [
      { promptIds: [1, 10], chosenIds: [20, 2], rejectedIds: [30, 31, 2] },
      { promptIds: [1, 11, 12], chosenIds: [21, 2], rejectedIds: [2] },
    ],
    0,
  );
  const { B, T, tokens, mask } = pb.batch;
  assert.equal(B, 4);
  assert.equal(T, 5);
  assert.deepEqual(
    Array.from(tokens),
    [1, 10, 20, 2, 0, 1, 11, 12, 21, 2, 1, 10, 30, 31, 2, 1, 11, 12, 2, 0],
  );
  assert.deepEqual(Array.from(mask), [1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0]);
  assert.deepEqual(Array.from(pb.lossMask), [0, 0, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1, 1, 0, 0, 0, 1, 0]);
  // shifted: logp[b, t] scores tokens[b, t+1]
  assert.deepEqual(Array.from(pb.logpMask), [0, 1, 1, 0, 0, 0, 1, 1, 0, 1, 1, 1, 0, 0, 1, 0]);
});

test("a response list without an assistant turn is an input error naming the row", () => {
  assert.throws(
    () =>
      tokenizePair(
        { prompt: "t1", chosen: [{ role: "user", content: "x" }], rejected: "t2" },
        wordTokenizer,
        null,
        7,
      ),
    /row 7: 'chosen' has no assistant message/,
  );
});
