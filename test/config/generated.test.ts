import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { recipeJsonSchemaText, recipeMarkdown } from "../../src/config/index.js";

const root = new URL("../../", import.meta.url);

test("schema/recipe.schema.json is up to date (run: npm run gen:config)", () => {
  assert.equal(readFileSync(new URL("schema/recipe.schema.json", root), "utf8"), recipeJsonSchemaText());
});

test("docs/config.md is up to date (run: npm run gen:config)", () => {
  assert.equal(readFileSync(new URL("docs/config.md", root), "utf8"), recipeMarkdown());
});

test("every field of the recipe is documented in docs/config.md with a description", () => {
  const md = recipeMarkdown();
  for (const field of [
    "train.beta",
    "train.loss_type",
    "train.reference",
    "train.lora_r",
    "engines.trainer.type",
    "rank.length_control",
    "rank.ranker",
    "eval.judge",
    "generate.per_iteration",
    "prompts.test_per_iteration",
  ]) {
    const row = md.split("\n").find((l) => l.startsWith(`| \`${field}\``));
    assert.ok(row, `${field} missing`);
    const cells = row.split(" | ");
    assert.ok(cells[cells.length - 1].length > 10, `${field} has no description`);
  }
});
