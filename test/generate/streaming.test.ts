// LocalGenerator's streaming hooks: onToken deltas are whole characters (byte-fallback pieces held until
// their character completes), never a stop string or its possible start, and join to the final text;
// onSample fires per sample before generate resolves; hooks leave outputs unchanged; an aborted request
// stops alone; a streaming call yields to the event loop while it decodes.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type GeneratedSample,
  type GenerationRequest,
  LocalGenerator,
  type SamplingSettings,
} from "../../src/generate/index.js";
import { HfTokenizer, PlainChatTemplate } from "../../src/text/index.js";
import { bytePiece, storiesTokenizer, storiesVocab } from "../helpers/stories-tokenizer.js";
import { ScriptedLM } from "./scripted-lm.js";
import { ToyLM } from "./toy-lm.js";

const vocab = storiesVocab;
const tokenizer = storiesTokenizer;
const sampling: SamplingSettings = {
  temperature: 1,
  topP: 0.95,
  topK: 0,
  minP: 0,
  maxTokens: 40,
  stop: [],
  seed: 3,
};
const make = (lm: ToyLM | ScriptedLM, maxBatchRows = 16): LocalGenerator =>
  new LocalGenerator(lm, tokenizer, new PlainChatTemplate(), { id: "toy", maxBatchRows });
/** Token id of a byte-fallback piece. */
const byte = bytePiece;
/** Script pieces: plain text is encoded (no BOS), a number array is taken as ids. */
const script = (...parts: (string | number[])[]): number[] =>
  parts.flatMap((p) => (typeof p === "string" ? tokenizer.encode(p) : p));

interface Event {
  sample: number;
  token: number;
  delta: string;
}

/** Runs `requests` with hooks on each; returns the results, each request's events and onSample calls. */
async function streamed(gen: LocalGenerator, requests: GenerationRequest[]) {
  const events: Event[][] = requests.map(() => []);
  const finished: GeneratedSample[][] = requests.map(() => []);
  const out = await gen.generate(
    requests.map((r, i) => ({
      ...r,
      onToken: (sample: number, token: number, delta: string) => {
        assert.equal(finished[i]?.[sample], undefined, "no token after the sample finished");
        events[i]?.push({ sample, token, delta });
      },
      onSample: (sample: number, result: GeneratedSample) => {
        assert.equal(finished[i]?.[sample], undefined, "onSample once per sample");
        (finished[i] as GeneratedSample[])[sample] = result;
      },
    })),
  );
  return { out, events, finished };
}

const joined = (events: Event[], sample: number): string =>
  events
    .filter((e) => e.sample === sample)
    .map((e) => e.delta)
    .join("");

test("a character split over byte-fallback pieces is streamed whole, with its last byte", async () => {
  // é = C3 A9, 😀 = F0 9F 98 80 (two UTF-16 units): neither is in the 512-piece vocabulary
  const ids = script("the cat", [byte(0xc3), byte(0xa9)], "and", [0xf0, 0x9f, 0x98, 0x80].map(byte), "ran");
  assert.ok(ids.every((t) => t > 2));
  const gen = make(new ScriptedLM(ids));
  const request = { prompt: { raw: "Once" }, n: 1, sampling };
  const { out, events } = await streamed(gen, [request]);
  const [plain] = await gen.generate([request]);
  assert.deepEqual(out[0], plain);
  const text = plain?.[0]?.text ?? "";
  assert.ok(text.includes("é and😀 ran") && !text.includes("\uFFFD"), text);
  const ev = events[0] ?? [];
  // one call per drawn token, EOS included
  assert.deepEqual(
    ev.map((e) => e.token),
    [...ids, 2],
  );
  const at = (t: number, from = 0) => ev.findIndex((e, i) => i >= from && e.token === t);
  assert.equal(ev[at(byte(0xc3))]?.delta, "");
  assert.equal(ev[at(byte(0xa9))]?.delta, "é");
  const f0 = at(byte(0xf0));
  assert.deepEqual(
    ev.slice(f0, f0 + 4).map((e) => e.delta),
    ["", "", "", "😀"],
  );
  assert.equal(joined(ev, 0), text);
});

test("stop strings: never streamed, nor any start of one that is later cut; a byte-split stop is found", async () => {
  const ids = script("the cat said the dot and the dog ran");
  const gen = make(new ScriptedLM(ids));
  const request = { prompt: { raw: "Once" }, n: 2, sampling: { ...sampling, stop: ["the dog", "xyz"] } };
  const { out, events } = await streamed(gen, [request]);
  const [plain] = await gen.generate([request]);
  assert.deepEqual(out[0], plain);
  assert.equal(plain?.[0]?.text, " the cat said the dot and ");
  assert.equal(plain?.[0]?.finishReason, "stop");
  for (const s of [0, 1]) {
    assert.equal(joined(events[0] ?? [], s), plain?.[s]?.text);
    // every prefix streamed so far is a prefix of the final (cut) text
    let sent = "";
    for (const e of (events[0] ?? []).filter((x) => x.sample === s)) {
      sent += e.delta;
      assert.ok(plain?.[s]?.text.startsWith(sent), JSON.stringify(sent));
    }
  }
  // "the" after "said " (then "the d") may begin "the dog": held until "ot" rules it out, and then its
  // last "t" is held again (it may begin "the dog" too)
  const ev = (events[0] ?? []).filter((e) => e.sample === 0);
  const ot = ev.findIndex((e) => e.token === vocab.tokens.indexOf("ot"));
  assert.equal(
    ev
      .slice(0, ot)
      .map((e) => e.delta)
      .join(""),
    " the cat said ",
  );
  assert.equal(ev[ot]?.delta, "the do");

  // a stop string ending in a character whose bytes arrive one by one
  const cafe = script("she had a caf", [byte(0xc3), byte(0xa9)], "and tea");
  const g2 = make(new ScriptedLM(cafe));
  const r2 = { prompt: { raw: "Once" }, n: 1, sampling: { ...sampling, stop: ["café"] } };
  const s2 = await streamed(g2, [r2]);
  assert.equal(s2.out[0]?.[0]?.text, " she had a ");
  assert.equal(s2.out[0]?.[0]?.finishReason, "stop");
  assert.equal(joined(s2.events[0] ?? [], 0), " she had a ");
});

test("hooks change no output; deltas join to each sample's text and are whole characters", async () => {
  // a toy model over the whole vocabulary: byte pieces and invalid UTF-8 come up often
  for (let seed = 0; seed < 6; seed++) {
    const base: GenerationRequest[] = [
      { prompt: { raw: "Once upon a time" }, n: 3, sampling: { ...sampling, seed, maxTokens: 24 } },
      { prompt: [{ role: "user", content: "Hi" }], n: 2, sampling: { ...sampling, seed, temperature: 0.7 } },
    ];
    const plain = await make(new ToyLM(512, { peak: 4 }), 4).generate(base);
    // stop strings taken from the texts themselves, so they do cut
    const withStops = base.map((r, i) => {
      const t = plain[i]?.[0]?.text ?? "";
      return { ...r, sampling: { ...r.sampling, stop: [t.slice(10, 13), t.slice(20, 21)].filter((x) => x) } };
    });
    for (const reqs of [base, withStops]) {
      const want = await make(new ToyLM(512, { peak: 4 }), 4).generate(reqs);
      const { out, events, finished } = await streamed(make(new ToyLM(512, { peak: 4 }), 4), reqs);
      assert.deepEqual(out, want);
      assert.deepEqual(finished, want, "onSample saw each final sample");
      out.forEach((samples, i) => {
        samples.forEach((s, k) => {
          const mine = (events[i] ?? []).filter((e) => e.sample === k);
          assert.equal(joined(events[i] ?? [], k), s.text);
          const drawn = s.tokens?.length ?? 0;
          assert.ok(mine.length === drawn || mine.length === drawn + 1, `${mine.length} vs ${drawn}`);
          // what was streamed never changes: a character still unfinished (U+FFFD) is not sent
          let sent = "";
          for (const e of mine) {
            sent += e.delta;
            assert.ok(s.text.startsWith(sent), JSON.stringify([sent, s.text]));
          }
        });
      });
    }
  }
});

test("an aborted request stops at the next step, its hooks silent; its batch neighbour is unchanged", async () => {
  const lm = new ToyLM(512, { eos: 2, peak: 4 });
  const gen = make(lm);
  const abort = new AbortController();
  let calls = 0;
  const other: GenerationRequest = { prompt: { raw: "Lily" }, n: 2, sampling };
  const out = await gen.generate([
    {
      prompt: { raw: "Once" },
      n: 1,
      sampling,
      signal: abort.signal,
      onToken: () => {
        calls++;
        if (calls === 3) abort.abort();
      },
      onSample: () => assert.fail("an aborted sample gets no onSample"),
    },
    other,
  ]);
  assert.equal(calls, 3);
  assert.equal(out[0]?.[0]?.tokens?.length, 3);
  const alone = await make(new ToyLM(512, { eos: 2, peak: 4 })).generate([other]);
  assert.deepEqual(out[1], alone[0]);
  assert.ok((out[1]?.[0]?.tokens?.length ?? 0) > 3);
  // aborted before it starts: nothing decoded for it
  const lm2 = new ToyLM(512, { peak: 4 });
  const none = await make(lm2).generate([
    { prompt: { raw: "Once" }, n: 2, sampling, signal: AbortSignal.abort() },
  ]);
  assert.equal(lm2.decodeCalls, 0);
  assert.deepEqual(
    none[0]?.map((s) => s.text),
    ["", ""],
  );
});

test("a streaming call yields to the event loop between decode steps; a plain one only between groups", async () => {
  for (const streaming of [true, false]) {
    const lm = new ToyLM(512, { peak: 4 });
    let seen = -1;
    setImmediate(() => {
      seen = lm.decodeCalls;
    });
    await make(lm).generate([
      { prompt: { raw: "Once" }, n: 2, sampling, ...(streaming ? { onToken: () => {} } : {}) },
    ]);
    assert.ok(lm.decodeCalls > 10);
    if (streaming) assert.ok(seen >= 1 && seen <= 2, `the event loop ran after ${seen} decode calls`);
    else assert.equal(seen, lm.decodeCalls);
  }
});

/** A byte-level BPE tokenizer.json (GPT-2 / Qwen / Llama-3 family) with no merges: ids 3..258 are bytes. */
function byteLevelTokenizer(): HfTokenizer {
  // GPT-2's bytes_to_unicode: printable bytes map to themselves, the others to U+0100 onwards
  const printable = (b: number): boolean => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174;
  const vocab: Record<string, number> = { "<unk>": 0, "<s>": 1, "</s>": 2 };
  let shifted = 0;
  for (let b = 0; b < 256; b++) vocab[String.fromCodePoint(printable(b) ? b : 256 + shifted++)] = 3 + b;
  const json = {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: ["<unk>", "<s>", "</s>"].map((content, id) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: null,
    pre_tokenizer: { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true },
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
      ignore_merges: false,
      vocab,
      merges: [],
    },
  };
  return new HfTokenizer(json, { bos_token: "<s>", eos_token: "</s>" });
}

test("byte-level BPE (tokenizer.json): split characters arrive whole; deltas join to the text", async () => {
  const bpe = byteLevelTokenizer();
  const ids = bpe.encode("hé 😀 ok");
  assert.equal(ids.length, 1 + 2 + 1 + 4 + 3);
  const scripted = new LocalGenerator(new ScriptedLM(ids), bpe, new PlainChatTemplate(), { id: "bpe" });
  const { out, events } = await streamed(scripted, [{ prompt: { raw: "Once" }, n: 1, sampling }]);
  assert.equal(out[0]?.[0]?.text, "hé 😀 ok");
  assert.deepEqual(
    events[0]?.map((e) => e.delta),
    ["h", "", "é", " ", "", "", "", "😀", " ", "o", "k", ""],
  );
  // random bytes: invalid and multi-byte sequences everywhere
  for (let seed = 0; seed < 4; seed++) {
    const reqs: GenerationRequest[] = [
      { prompt: { raw: "Once" }, n: 3, sampling: { ...sampling, seed, maxTokens: 60 } },
    ];
    const toy = () =>
      new LocalGenerator(new ToyLM(259, { peak: 4 }), bpe, new PlainChatTemplate(), { id: "t" });
    const want = await toy().generate(reqs);
    const got = await streamed(toy(), reqs);
    assert.deepEqual(got.out, want);
    (want[0] ?? []).forEach((s, k) => {
      let sent = "";
      for (const e of (got.events[0] ?? []).filter((x) => x.sample === k)) {
        sent += e.delta;
        assert.ok(s.text.startsWith(sent), JSON.stringify([sent, s.text]));
      }
      assert.equal(sent, s.text);
    });
  }
});
