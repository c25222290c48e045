// `--push`: the upload goes through @huggingface/hub to a local HTTP server that speaks the Hub's
// create-repo, preupload and NDJSON commit endpoints; never the network.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { pushDataset, toPreferenceRow, writeIterationDataset } from "../../src/data/index.js";
import { isPrefloopError } from "../../src/util/errors.js";
import { tempDir } from "./helpers.js";

interface FakeHub {
  url: string;
  calls: Array<{ method: string; path: string; auth: string | undefined }>;
  files: Map<string, Buffer>;
  close: () => Promise<void>;
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

async function fakeHub(options: { status?: number; existing?: boolean } = {}): Promise<FakeHub> {
  const calls: FakeHub["calls"] = [];
  const files = new Map<string, Buffer>();
  const server = createServer(async (req, res) => {
    const path = req.url ?? "";
    calls.push({ method: req.method ?? "", path, auth: req.headers.authorization });
    const text = await body(req);
    res.setHeader("content-type", "application/json");
    if (options.status) {
      res.statusCode = options.status;
      res.end(JSON.stringify({ error: "Invalid credentials" }));
      return;
    }
    if (path === "/api/repos/create") {
      const b = JSON.parse(text);
      assert.equal(b.type, "dataset");
      res.statusCode = options.existing ? 409 : 200;
      res.end(
        JSON.stringify(
          options.existing
            ? { error: "You already created this dataset repo" }
            : { url: `${b.organization}/${b.name}` },
        ),
      );
    } else if (/^\/api\/datasets\/[^/]+\/[^/]+\/preupload\/main/.test(path)) {
      const b = JSON.parse(text) as { files: Array<{ path: string }> };
      res.end(JSON.stringify({ files: b.files.map((f) => ({ path: f.path, uploadMode: "regular" })) }));
    } else if (/^\/api\/datasets\/[^/]+\/[^/]+\/commit\/main/.test(path)) {
      for (const line of text.split("\n")) {
        const op = JSON.parse(line) as {
          key: string;
          value: { path: string; content: string; encoding: string };
        };
        if (op.key === "file")
          files.set(
            op.value.path,
            Buffer.from(op.value.content, op.value.encoding === "base64" ? "base64" : "utf8"),
          );
      }
      res.end(JSON.stringify({ commitOid: "0123456789abcdef0123456789abcdef01234567", commitUrl: "local" }));
    } else {
      res.statusCode = 404;
      res.end(JSON.stringify({ error: `no route ${path}` }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    files,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

async function smallDataset(): Promise<string> {
  const dir = await tempDir();
  const row = toPreferenceRow({ prompt: "Say hi", responses: ["hi", "hello there"], scores: [0.1, 0.9] });
  assert.ok(row);
  await writeIterationDataset({ dir, iteration: 1, train: [row], test: [row] });
  return dir;
}

test("push uploads every split file and the card in one commit, with the token", async () => {
  const hub = await fakeHub();
  try {
    const dir = await smallDataset();
    const out = await pushDataset(dir, "me/prefs", { token: "hf_test", hubUrl: hub.url });
    assert.equal(out.commit, "0123456789abcdef0123456789abcdef01234567");
    const names = [
      "README.md",
      "test_iteration_1.jsonl",
      "test_iteration_1.parquet",
      "train_iteration_1.jsonl",
      "train_iteration_1.parquet",
    ];
    assert.deepEqual([...hub.files.keys()].sort(), names);
    for (const n of names) assert.deepEqual(hub.files.get(n), readFileSync(join(dir, n)), n);
    assert.ok(hub.calls.every((c) => c.auth === "Bearer hf_test"));
    assert.deepEqual(
      hub.calls.map((c) => c.path.replace(/\?.*/, "")),
      ["/api/repos/create", "/api/datasets/me/prefs/preupload/main", "/api/datasets/me/prefs/commit/main"],
    );
  } finally {
    await hub.close();
  }
});

test("push to an existing repo (409 on create) still commits; HF_TOKEN and HF_ENDPOINT are read", async () => {
  const hub = await fakeHub({ existing: true });
  const saved = { token: process.env.HF_TOKEN, endpoint: process.env.HF_ENDPOINT };
  try {
    process.env.HF_TOKEN = "hf_env";
    process.env.HF_ENDPOINT = hub.url;
    const out = await pushDataset(await smallDataset(), "me/prefs");
    assert.equal(out.files.length, 5);
    assert.equal(hub.calls.at(-1)?.auth, "Bearer hf_env");
  } finally {
    process.env.HF_TOKEN = saved.token ?? "";
    if (saved.token === undefined) delete process.env.HF_TOKEN;
    if (saved.endpoint === undefined) delete process.env.HF_ENDPOINT;
    else process.env.HF_ENDPOINT = saved.endpoint;
    await hub.close();
  }
});

test("push failures are PrefloopErrors: no token, bad repo id, 401 from the hub", async () => {
  const dir = await smallDataset();
  const saved = process.env.HF_TOKEN;
  delete process.env.HF_TOKEN;
  try {
    await assert.rejects(
      pushDataset(dir, "me/prefs", { hubUrl: "http://127.0.0.1:9" }),
      (e) => isPrefloopError(e) && e.code === "config" && /HF_TOKEN/.test(e.message),
    );
  } finally {
    if (saved !== undefined) process.env.HF_TOKEN = saved;
  }
  await assert.rejects(pushDataset(dir, "me/prefs", { token: "abc" }), /must start with hf_/);
  await assert.rejects(pushDataset(dir, "not a repo", { token: "hf_t" }), /expected a repo id "owner\/name"/);
  const hub = await fakeHub({ status: 401 });
  try {
    await assert.rejects(
      pushDataset(dir, "me/prefs", { token: "hf_bad", hubUrl: hub.url }),
      (e) =>
        isPrefloopError(e) &&
        e.code === "network" &&
        /HTTP 401/.test(e.message) &&
        /write access/.test(e.hint ?? ""),
    );
  } finally {
    await hub.close();
  }
});
