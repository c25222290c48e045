// `prefloop generate` end to end on the bundled stories260K model: the DONE check (greedy from BOS prints the
// model's documented sample), seeded reproducibility, batching invariance on the real model, and the
// resumable --prompts/--out batch mode including a torn last line.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { openLocalGenerator, type SamplingSettings } from "../../src/generate/index.js";

const model = "models/stories260K.gguf";

/** Spawns the CLI from source, as a user runs it. */
function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "test/generate/run-cli.ts", ...args],
      { env: { ...process.env, PREFLOOP_QUIET_NOTICES: "1" }, maxBuffer: 1 << 24 },
      (error, stdout, stderr) => {
        const code = error ? error.code : 0;
        if (typeof code !== "number") reject(error);
        else resolve({ code, stdout, stderr });
      },
    );
  });
}

test("DONE: greedy decoding from BOS prints the documented stories260K sample, character for character", async () => {
  const documented = readFileSync("test/golden/generate/stories260k-greedy.txt", "utf8");
  const r = await run([
    "generate",
    "--model",
    model,
    "--raw",
    "--prompt",
    "",
    "--temperature",
    "0",
    "--max-tokens",
    "200",
  ]);
  assert.equal(r.code, 0, r.stderr);
  const text = r.stdout.replace(/\n$/, "");
  assert.ok(text.length > 450, `only ${text.length} characters`);
  assert.equal(text, documented.slice(0, text.length));
});

test("a seed gives the same samples across runs; another seed gives others", async () => {
  const args = [
    "generate",
    "--model",
    model,
    "--raw",
    "--prompt",
    "Lily",
    "--n",
    "2",
    "--temperature",
    "1",
    "--top-p",
    "0.9",
    "--max-tokens",
    "30",
  ];
  const a = await run([...args, "--seed", "11"]);
  const b = await run([...args, "--seed", "11"]);
  const c = await run([...args, "--seed", "12"]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(a.stdout, b.stdout);
  assert.notEqual(a.stdout, c.stdout);
  assert.match(a.stdout, /^--- sample 1 ---\n[\s\S]*--- sample 2 ---\n/);
});

test("n samples sharing a prefilled prompt equal the same samples decoded one row at a time", async () => {
  const sampling: SamplingSettings = {
    temperature: 0.8,
    topP: 0.95,
    topK: 40,
    minP: 0,
    maxTokens: 40,
    stop: [],
    seed: 3,
  };
  const requests = [
    { prompt: { raw: "Once upon a time" }, n: 5, sampling },
    { prompt: { raw: "The dog" }, n: 2, sampling },
  ];
  const batched = await (await openLocalGenerator(model, { maxBatchRows: 16 })).generate(requests);
  const single = await (await openLocalGenerator(model, { maxBatchRows: 1 })).generate(requests);
  assert.deepEqual(
    batched.map((r) => r.map((s) => s.text)),
    single.map((r) => r.map((s) => s.text)),
  );
  for (const r of batched)
    for (const s of r) assert.ok(s.logprobs?.every((l) => l <= 0 && Number.isFinite(l)));
});

/** Same rows; log-prob sums may differ in the last float bits when the native kernels block a batch differently. */
function sameRows(a: string, b: string): void {
  type Row = { logprob_sums: number[] } & Record<string, unknown>;
  const rows = (p: string): Row[] =>
    readFileSync(p, "utf8")
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as Row);
  const [ra, rb] = [rows(a), rows(b)];
  assert.equal(ra.length, rb.length);
  ra.forEach((x, i) => {
    const y = rb[i] as Row;
    assert.deepEqual({ ...x, logprob_sums: null }, { ...y, logprob_sums: null });
    x.logprob_sums.forEach((v, k) => {
      assert.ok(Math.abs(v - (y.logprob_sums[k] as number)) < 1e-3);
    });
  });
  assert.ok(readFileSync(a, "utf8").endsWith("}\n"));
}

test("--prompts/--out appends one line per prompt and resumes, even after a torn last line", async () => {
  const dir = mkdtempSync(join(tmpdir(), "pf-gen-"));
  const prompts = join(dir, "prompts.jsonl");
  const lines = ["Once upon a time", "Tim had a dog", "The sun was"].map((p, i) =>
    JSON.stringify({ prompt_id: `p${i}`, prompt: p }),
  );
  writeFileSync(prompts, `${lines.join("\n")}\n`);
  const args = [
    "--quiet",
    "generate",
    "--model",
    model,
    "--raw",
    "--prompts",
    prompts,
    "--n",
    "2",
    "--max-tokens",
    "20",
    "--seed",
    "5",
  ];
  const full = join(dir, "full.jsonl");
  assert.equal((await run([...args, "--out", full])).code, 0);
  const fullLines = readFileSync(full, "utf8").trimEnd().split("\n");
  assert.deepEqual(
    fullLines.map((l) => (JSON.parse(l) as { prompt_id: string }).prompt_id),
    ["p0", "p1", "p2"],
  );
  const row = JSON.parse(fullLines[0] as string) as {
    responses: string[];
    finish_reasons: string[];
    sampling: { seed: number };
  };
  assert.equal(row.responses.length, 2);
  assert.equal(row.sampling.seed, 5);
  // a crash after the first line, mid-way through the second: the rerun ends with the same rows
  const resumed = join(dir, "resumed.jsonl");
  writeFileSync(resumed, `${fullLines[0]}\n${(fullLines[1] as string).slice(0, 25)}`);
  const r = await run([...args, "--out", resumed]);
  assert.equal(r.code, 0);
  sameRows(resumed, full);
  // everything done: nothing appended
  await run([...args, "--out", resumed]);
  sameRows(resumed, full);
  // without --raw a string prompt is one user message; the plain template renders it as the same text
  const chat = join(dir, "chat.jsonl");
  assert.equal((await run([...args.filter((a) => a !== "--raw"), "--out", chat])).code, 0);
  sameRows(chat, full);
  appendFileSync(prompts, "{bad json\n");
  const bad = await run([...args, "--out", resumed]);
  assert.equal(bad.code, 3);
  assert.match(bad.stderr, /prompts\.jsonl:4: invalid JSON/);
});

test("flag mistakes are config errors", async () => {
  assert.equal((await run(["generate", "--prompt", "x", "--top-p", "0"])).code, 2);
  assert.equal((await run(["generate"])).code, 2);
  assert.equal((await run(["generate", "--prompts", "a.jsonl"])).code, 2);
  const missing = await run(["generate", "--model", "no/such.gguf", "--prompt", "x"]);
  assert.equal(missing.code, 6);
  assert.match(missing.stderr, /no\/such\.gguf/);
});
