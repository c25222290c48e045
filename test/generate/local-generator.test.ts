// LocalGenerator over a toy model whose logits depend on each row's whole history: greedy decoding against
// a step-by-step reference loop, batching invariance, prompt prefill shared by copyCacheRow, stop tokens,
// stop strings, max tokens and context limits.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  argmax,
  type GeneratedSample,
  type GenerationRequest,
  LocalGenerator,
  type SamplingSettings,
} from "../../src/generate/index.js";
import { PlainChatTemplate } from "../../src/text/index.js";
import { storiesTokenizer } from "../helpers/stories-tokenizer.js";
import { ToyLM } from "./toy-lm.js";

const tokenizer = storiesTokenizer;
/** The single sample of a one-request, n = 1 call, with its optional fields required. */
function only(out: GeneratedSample[][]): Required<GeneratedSample> {
  const s = out[0]?.[0];
  assert.ok(s?.tokens && s.logprobs && s.promptTokens !== undefined);
  return s as Required<GeneratedSample>;
}
const sampling: SamplingSettings = {
  temperature: 1,
  topP: 0.95,
  topK: 0,
  minP: 0,
  maxTokens: 12,
  stop: [],
  seed: 5,
};
const make = (lm: ToyLM, maxBatchRows = 16): LocalGenerator =>
  new LocalGenerator(lm, tokenizer, new PlainChatTemplate(), { id: "toy", maxBatchRows });
// a toy model over the whole 512-token vocabulary: EOS (2) and BOS (1) are rarely its argmax
const noEos = (): ToyLM => new ToyLM(512, { eos: 2, peak: 4 });

test("greedy generation equals a step-by-step argmax loop over the same model", async () => {
  const lm = noEos();
  const sample = only(
    await make(lm).generate([
      { prompt: { raw: "Once upon" }, n: 1, sampling: { ...sampling, temperature: 0 } },
    ]),
  );
  const history = tokenizer.encode("Once upon", { addBos: true });
  const want: number[] = [];
  const row = new Float32Array(512);
  for (let i = 0; i < 12; i++) {
    lm.logitsOf(history, row);
    const t = argmax(row);
    if (t === 1 || t === 2) break;
    want.push(t);
    history.push(t);
  }
  assert.deepEqual(sample.tokens, want);
  assert.equal(sample.logprobs.length, want.length);
  assert.equal(
    sample.text,
    tokenizer.decode([...tokenizer.encode("Once upon"), ...want]).slice("Once upon".length),
  );
  assert.equal(sample.finishReason, want.length === 12 ? "length" : "stop");
});

test("results do not depend on batch size, request order or neighbours", async () => {
  const reqs: GenerationRequest[] = [
    { prompt: { raw: "Once upon a time" }, n: 5, sampling },
    {
      prompt: [{ role: "user", content: "Lily saw a ball" }],
      n: 3,
      sampling: { ...sampling, topK: 20, temperature: 0.8 },
    },
    { prompt: { raw: "" }, n: 2, sampling: { ...sampling, minP: 0.05 } },
  ];
  const wide = await make(noEos(), 16).generate(reqs);
  const narrow = await make(noEos(), 2).generate(reqs);
  const reversed = (await make(noEos(), 4).generate([...reqs].reverse())).reverse();
  const alone = await make(noEos()).generate([reqs[1] as GenerationRequest]);
  assert.deepEqual(narrow, wide);
  assert.deepEqual(reversed, wide);
  assert.deepEqual(alone[0], wide[1]);
  // the n samples of a prompt differ from each other
  assert.ok(new Set(wide[0]?.map((s) => s.text)).size > 1);
  // a different seed gives different text
  const other = await make(noEos()).generate([
    { ...(reqs[0] as GenerationRequest), sampling: { ...sampling, seed: 6 } },
  ]);
  assert.notDeepEqual(other[0], wide[0]);
});

test("each prompt is prefilled once and its cache row copied to its samples", async () => {
  const lm = noEos();
  const prompt = tokenizer.encode("Once upon a time", { addBos: true });
  await make(lm).generate([
    { prompt: { raw: "Once upon a time" }, n: 5, sampling: { ...sampling, maxTokens: 4 } },
  ]);
  // one prefill of the prompt, then at most 3 batched steps of <= 5 rows of one token each
  assert.ok(lm.tokensFed <= prompt.length + 3 * 5, `fed ${lm.tokensFed}`);
  assert.equal(lm.rowsPerCall[0], 1);
  assert.ok(lm.rowsPerCall.slice(1).every((r) => r <= 5) && lm.rowsPerCall[1] === 5);
});

test("stop strings cut the text; EOS stops; maxTokens bounds the length", async () => {
  const gen = make(noEos());
  const free = only(
    await gen.generate([{ prompt: { raw: "Once" }, n: 1, sampling: { ...sampling, maxTokens: 30 } }]),
  );
  assert.equal(free.tokens.length, 30);
  assert.equal(free.finishReason, "length");
  const stop = free.text.slice(6, 8);
  const cut = only(
    await gen.generate([
      { prompt: { raw: "Once" }, n: 1, sampling: { ...sampling, maxTokens: 30, stop: [stop] } },
    ]),
  );
  assert.equal(cut.finishReason, "stop");
  assert.equal(cut.text, free.text.slice(0, free.text.indexOf(stop)));
  // a model whose most likely token is often EOS stops early with finish reason "stop"
  const eosLm = new ToyLM(4, { peak: 1 });
  const outs = await new LocalGenerator(eosLm, tokenizer, new PlainChatTemplate(), { id: "t" }).generate([
    { prompt: { raw: "" }, n: 8, sampling: { ...sampling, maxTokens: 50 } },
  ]);
  assert.ok(
    outs[0]?.every((s) => s.finishReason === "stop" && !s.tokens?.includes(2) && !s.tokens?.includes(1)),
  );
  // an extra stop token id ends the sample at its first occurrence, excluded from the tokens
  const firstToken = free.tokens[3] as number;
  const byId = only(
    await gen.generate([
      { prompt: { raw: "Once" }, n: 1, sampling: { ...sampling, maxTokens: 30, stopTokenIds: [firstToken] } },
    ]),
  );
  assert.equal(byId.finishReason, "stop");
  assert.deepEqual(byId.tokens, free.tokens.slice(0, free.tokens.indexOf(firstToken)));
  const zero = await gen.generate([
    { prompt: { raw: "Once" }, n: 2, sampling: { ...sampling, maxTokens: 0 } },
  ]);
  assert.deepEqual(
    zero[0]?.map((s) => [s.text, s.finishReason]),
    [
      ["", "length"],
      ["", "length"],
    ],
  );
});

test("prompts longer than the context are input errors; generation stops at the context end", async () => {
  const lm = new ToyLM(512, { ctx: 8, peak: 4 });
  const gen = make(lm);
  await assert.rejects(
    gen.generate([{ prompt: { raw: "Once upon a time there was a girl" }, n: 1, sampling }]),
    /request 0: the prompt has \d+ tokens; the model's context is 8/,
  );
  const out = await gen.generate([
    { prompt: { raw: "Once" }, n: 1, sampling: { ...sampling, maxTokens: 100 } },
  ]);
  assert.ok((out[0]?.[0]?.tokens?.length ?? 99) <= 6);
  await assert.rejects(gen.generate([{ prompt: { raw: "x" }, n: 0, sampling }]), /n must be an integer >= 1/);
});
