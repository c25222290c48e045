// Backend selection: env override, setter, invalid names, and the single fallback notice.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
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
