// The data verbs end to end through the CLI: `data inspect`, `data split`, `export dataset` (from
// preference JSONL, then pushed to a local fake Hub via --hub-url).
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { main } from "../../src/cli/main.js";
import { toPreferenceRow } from "../../src/data/index.js";
import { tempDir } from "./helpers.js";

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const [o, e] = [process.stdout.write.bind(process.stdout), process.stderr.write.bind(process.stderr)];
  process.stdout.write = ((c: string | Uint8Array) => {
    stdout += String(c);
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((c: string | Uint8Array) => {
    stderr += String(c);
    return true;
  }) as typeof process.stderr.write;
  try {
    return { code: await main(["node", "prefloop", ...argv]), stdout, stderr };
  } finally {
    process.stdout.write = o;
    process.stderr.write = e;
  }
}

test("data inspect and data split on a JSONL file", async () => {
  const dir = await tempDir();
  const lines = Array.from({ length: 120 }, (_, i) =>
    JSON.stringify({ instruction: `task ${i % 100}`, input: "" }),
  );
  await writeFile(join(dir, "p.jsonl"), `${lines.join("\n")}\n`);
  const inspect = await run(["data", "inspect", join(dir, "p.jsonl")]);
  assert.equal(inspect.code, 0, inspect.stderr);
  assert.match(inspect.stdout, /^rows\t120\nprompts\t100\nduplicates\t20\nempty\t0\n/);
  const out = join(dir, "parts");
  const split = await run([
    "data",
    "split",
    join(dir, "p.jsonl"),
    "--out",
    out,
    "--iterations",
    "2",
    "--train",
    "40",
    "--test",
    "5",
    "--seed",
    "3",
  ]);
  assert.equal(split.code, 0, split.stderr);
  const counts = split.stdout
    .trim()
    .split("\n")
    .map((l) => l.split("\t").slice(0, 2).join("="));
  assert.deepEqual(counts, [
    "train_iteration_1=40",
    "test_iteration_1=5",
    "train_iteration_2=40",
    "test_iteration_2=5",
    "unused=10",
  ]);
  assert.deepEqual(readdirSync(out).sort(), [
    "test_iteration_1.jsonl",
    "test_iteration_2.jsonl",
    "train_iteration_1.jsonl",
    "train_iteration_2.jsonl",
  ]);
});

test("export dataset --train/--test builds an iteration; --push uploads it to --hub-url with HF_TOKEN", async () => {
  const dir = await tempDir();
  const rows = [1, 2, 3].map((i) =>
    toPreferenceRow({ prompt: `q${i}`, responses: ["a", "b"], scores: [i, 0] }),
  );
  await writeFile(
    join(dir, "train.jsonl"),
    rows
      .slice(0, 2)
      .map((r) => JSON.stringify(r))
      .join("\n"),
  );
  await writeFile(join(dir, "test.jsonl"), `${JSON.stringify(rows[2])}\n`);
  const paths: string[] = [];
  const server = createServer(async (req, res) => {
    paths.push(req.url ?? "");
    let body = "";
    for await (const c of req) body += String(c);
    res.setHeader("content-type", "application/json");
    if (req.url?.includes("/preupload/")) {
      res.end(
        JSON.stringify({
          files: JSON.parse(body).files.map((f: { path: string }) => ({
            path: f.path,
            uploadMode: "regular",
          })),
        }),
      );
    } else if (req.url?.includes("/commit/"))
      res.end(JSON.stringify({ commitOid: "abc123", commitUrl: "x" }));
    else res.end(JSON.stringify({ url: "x" }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const saved = process.env.HF_TOKEN;
  process.env.HF_TOKEN = "hf_cli";
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const out = join(dir, "ds");
    const r = await run([
      "export",
      "dataset",
      "--train",
      join(dir, "train.jsonl"),
      "--test",
      join(dir, "test.jsonl"),
      "--iteration",
      "3",
      "--out",
      out,
      "--push",
      "me/ds",
      "--hub-url",
      url,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^train_iteration_3\t2\ntest_iteration_3\t1\ndataset\t.*\npushed\tme\/ds\tabc123\n$/,
    );
    assert.deepEqual(
      paths.map((p) => p.replace(/\?.*/, "")),
      ["/api/repos/create", "/api/datasets/me/ds/preupload/main", "/api/datasets/me/ds/commit/main"],
    );
  } finally {
    if (saved === undefined) delete process.env.HF_TOKEN;
    else process.env.HF_TOKEN = saved;
    await new Promise((r) => server.close(r));
  }
});
