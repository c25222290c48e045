// Chat templates rendered by @huggingface/jinja against transformers' own renderer (jinja2 with
// trim_blocks/lstrip_blocks; golden from scripts/reference/chat_template_ref.py).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { chatTemplateText, JinjaChatTemplate, PlainChatTemplate } from "../../src/text/index.js";
import type { ChatMessage } from "../../src/util/types.js";

const golden = JSON.parse(readFileSync("test/golden/text/chat-templates.json", "utf8")) as {
  templates: Record<string, string>;
  special: Record<string, { bos_token: string | null; eos_token: string | null }>;
  cases: Array<{
    template: string;
    messages: ChatMessage[];
    add_generation_prompt: boolean;
    text: string | null;
    error: string | null;
  }>;
};

test("Zephyr, Qwen2 and Mistral templates render exactly as transformers renders them", () => {
  assert.ok(golden.cases.length >= 18);
  for (const c of golden.cases) {
    const special = golden.special[c.template];
    const t = new JinjaChatTemplate(c.template, golden.templates[c.template] as string, {
      bosToken: special?.bos_token,
      eosToken: special?.eos_token,
    });
    const label = `${c.template} ${JSON.stringify(c.messages)} agp=${c.add_generation_prompt}`;
    if (c.error !== null) {
      assert.throws(
        () => t.render(c.messages, { addGenerationPrompt: c.add_generation_prompt }),
        /failed to render/,
        label,
      );
    } else {
      assert.equal(t.render(c.messages, { addGenerationPrompt: c.add_generation_prompt }), c.text, label);
    }
  }
});

test("plain template: the prompt text itself, turns separated by a blank line", () => {
  const p = new PlainChatTemplate();
  assert.equal(p.render([{ role: "user", content: "Once upon a time" }]), "Once upon a time");
  assert.equal(
    p.render([
      { role: "system", content: "A" },
      { role: "user", content: "B" },
    ]),
    "A\n\nB",
  );
});

test("chat_template lists pick 'default'; bad values and syntax are input errors", () => {
  assert.equal(
    chatTemplateText(
      [
        { name: "tool_use", template: "t" },
        { name: "default", template: "d" },
      ],
      "c.json",
    ),
    "d",
  );
  assert.equal(chatTemplateText(undefined, "c.json"), null);
  assert.throws(
    () => chatTemplateText([{ name: "tool_use", template: "t" }], "c.json"),
    /c\.json: chat_template is a list without/,
  );
  assert.throws(() => chatTemplateText(3, "c.json"), /must be a string/);
  assert.throws(() => new JinjaChatTemplate("c.json", "{% for %}"), /c\.json: chat_template does not parse/);
});
