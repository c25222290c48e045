// Backend selection: env override, setter, invalid names, and the single fallback notice.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { getBackend, setBackendPreference } from "../../src/engine/index.js";
import { ConfigError } from "../../src/util/errors.js";

test("setBackendPreference('ts') selects the ts backend", () => {
  setBackendPreference("ts");
  assert.equal(getBackend().name, "ts");
  setBackendPreference("auto");
  assert.ok(["ts", "native"].includes(getBackend().name));
});

test("an unknown backend name is a ConfigError naming the flag", () => {
  assert.throws(
    () => setBackendPreference("cuda"),
    (e) => e instanceof ConfigError && /--backend/.test(e.message),
  );
});

function run(env: Record<string, string>, code: string) {
  return spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], {
    env: { ...process.env, PREFLOOP_QUIET_NOTICES: "0", ...env },
    encoding: "utf8",
  });
}

test("PREFLOOP_BACKEND=ts is honoured and announced once on stderr", () => {
  const code = `import { getBackend } from "./src/engine/index.js"; getBackend(); getBackend(); console.log(getBackend().name);`;
  const r = run({ PREFLOOP_BACKEND: "ts" }, code);
  assert.equal(r.stdout.trim(), "ts");
  assert.equal(r.stderr.trim().split("\n").length, 1);
  assert.match(r.stderr, /engine backend: ts/);
});

test("PREFLOOP_QUIET_NOTICES=1 silences the notice", () => {
  const code = `import { getBackend } from "./src/engine/index.js"; console.log(getBackend().name);`;
  const r = run({ PREFLOOP_BACKEND: "ts", PREFLOOP_QUIET_NOTICES: "1" }, code);
  assert.equal(r.stderr, "");
});

test("without a C compiler build-native prints one notice and exits 0", () => {
  const r = spawnSync(process.execPath, ["scripts/build-native.mjs"], {
    env: { ...process.env, PREFLOOP_CC: "none" },
    encoding: "utf8",
  });
  assert.equal(r.status, 0);
  assert.equal(r.stderr.trim().split("\n").length, 1);
  assert.match(r.stderr, /native engine not built .*ts backend/);
});

test("without the addon, auto selection falls back to ts with one notice; 'native' is a ConfigError", () => {
  const code = `import { getBackend } from "./src/engine/index.js"; getBackend(); console.log(getBackend().name);`;
  const r = run({ PREFLOOP_NATIVE_ADDON: "none", PREFLOOP_BACKEND: "auto" }, code);
  assert.equal(r.stdout.trim(), "ts");
  assert.equal(r.stderr.trim().split("\n").length, 1);
  assert.match(r.stderr, /native engine unavailable .*ts backend/);
  const forced = run({ PREFLOOP_NATIVE_ADDON: "none", PREFLOOP_BACKEND: "native" }, code);
  assert.notEqual(forced.status, 0);
  assert.match(forced.stderr, /native engine backend requested but not available/);
});

test("a failing compiler: one notice naming the log, exit 0, the existing addon untouched", () => {
  const dir = mkdtempSync(join(tmpdir(), "pf-cc-"));
  const cc = join(dir, "cc");
  writeFileSync(cc, '#!/bin/sh\n[ "$1" = "--version" ] && exit 0\necho "fake compile error" >&2\nexit 1\n');
  chmodSync(cc, 0o755);
  const r = spawnSync(process.execPath, ["scripts/build-native.mjs"], {
    env: { ...process.env, PREFLOOP_CC: cc },
    encoding: "utf8",
  });
  rmSync(dir, { recursive: true });
  assert.equal(r.status, 0);
  assert.equal(r.stderr.trim().split("\n").length, 1);
  const log = /its output is in (\S+)\)/.exec(r.stderr)?.[1];
  assert.ok(log, r.stderr);
  assert.match(readFileSync(log, "utf8"), /fake compile error/);
  rmSync(log);
});
