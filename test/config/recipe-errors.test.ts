import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { runCli, runCliBatch } from "../helpers/cli.js";

const dir = new URL("./bad/", import.meta.url).pathname;
const corpus = readdirSync(dir).filter((f) => f.endsWith(".yaml"));

test("the malformed-recipe corpus has at least 15 cases", () => {
  assert.ok(corpus.length >= 15, `only ${corpus.length}`);
});

const corpusResults = runCliBatch(corpus.map((name) => ["config", "show", join(dir, name)]));

corpus.forEach((name, i) => {
  test(`malformed recipe ${name}: exit 2, one line naming file, line and field`, () => {
    const file = join(dir, name);
    const expect = /^# expect: (.*)$/m.exec(readFileSync(file, "utf8"))?.[1];
    assert.ok(expect, "fixture needs an '# expect:' line");
    const r = corpusResults[i];
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stdout, "", "nothing printed to stdout on failure");
    const first = r.stderr.split("\n")[0];
    assert.ok(first.startsWith(`prefloop: ${file}`), first);
    assert.ok(first.includes(expect), `\n  got:    ${first}\n  wanted: ${expect}`);
  });
});

const good = mkdtempSync(join(tmpdir(), "pf-cfg-"));
const goodFile = join(good, "ok.yaml");
writeFileSync(
  goodFile,
  "model: { path: m.gguf }\nprompts: { source: ./p.jsonl }\nrank: { ranker: length }\n",
);

const flagCases: Array<[string[], string]> = [
  [["--set", "train.bta=0.1"], "--set train.bta=0.1: train.bta: unknown key (did you mean 'beta'?)"],
  [["--set", "trian.beta=0.1"], "--set trian.beta=0.1: trian: unknown key (did you mean 'train'?)"],
  [["--set", "train.beta=-1"], "--set train.beta=-1: train.beta: Too small: expected number to be >0"],
  [["--set", "train.beta"], "--set train.beta: expected key.path=value"],
  [
    ["--set", "train.learning_rate=fast"],
    "--set train.learning_rate=fast: train.learning_rate: expected number, received string",
  ],
  [["--set", "train.beta.x=1"], "--set train.beta.x=1: train.beta.x: unknown key"],
  [
    ["--set", "train.loss_type=[sigmoid,dpo]"],
    "--set train.loss_type=[sigmoid,dpo]: train.loss_type.1: Invalid option",
  ],
  [["--set", "iterations=0"], "--set iterations=0: iterations: Too small: expected number to be >=1"],
];
const flagResults = runCliBatch(flagCases.map(([args]) => ["config", "show", goodFile, ...args]));
flagCases.forEach(([args, expect], i) => {
  test(`bad flag ${args.join(" ")}: exit 2 naming the flag and field`, () => {
    const r = flagResults[i];
    assert.equal(r.code, 2, r.stderr);
    const first = r.stderr.split("\n")[0];
    assert.ok(first.includes(expect), `\n  got:    ${first}\n  wanted: ${expect}`);
  });
});

test("a missing recipe file is one line naming it", () => {
  const r = runCli(["config", "show", join(good, "nope.yaml")]);
  assert.equal(r.code, 2);
  assert.match(r.stderr.split("\n")[0], /nope\.yaml: cannot read recipe \(ENOENT\)/);
});

test("several problems: the first in file order is the message, the rest are counted in the hint", () => {
  const f = join(good, "multi.yaml");
  writeFileSync(
    f,
    "model: { path: m.gguf }\nprompts: { source: ./p.jsonl }\nrank: { ranker: length }\ngenerate: { n: 1 }\ntrain: { beta: 0 }\n",
  );
  const r = runCli(["config", "show", f]);
  assert.equal(r.code, 2);
  const [first, hint1] = r.stderr.split("\n");
  assert.match(first, /multi\.yaml:4:\d+: generate\.n:/);
  assert.match(r.stderr, /1 more problem\(s\): .*multi\.yaml:5:\d+: train\.beta/);
  assert.match(hint1, /hint: generate\.n: int in \[2, 64\]/);
});
