import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError, InputError, isPrefloopError } from "../../src/util/errors.js";

test("PrefloopError carries a code, an exit code and a hint line", () => {
  const e = new ConfigError("recipe.yaml: train.beta: expected a positive number", { hint: "try 0.1" });
  assert.equal(e.code, "config");
  assert.equal(e.exitCode, 2);
  assert.equal(e.toUserString(), "recipe.yaml: train.beta: expected a positive number\n  hint: try 0.1");
  assert.ok(isPrefloopError(e));
  assert.ok(!isPrefloopError(new Error("x")));
  assert.notEqual(new InputError("a").exitCode, e.exitCode);
});
