// Chat templates: a model's Jinja chat_template (tokenizer_config.json or GGUF tokenizer.chat_template)
// rendered with @huggingface/jinja, as transformers' apply_chat_template does; and the plain template for
// models without one. Not tokenisation: the rendered text is encoded with parseSpecial by the caller.
import { Template } from "@huggingface/jinja";
import type { ChatMessage } from "../util/types.js";
import { InputError } from "../util/errors.js";

export interface ChatTemplate {
  /** "jinja" for a model's own template, "plain" for the fallback */
  readonly kind: "jinja" | "plain";
  /** Prompt text for `messages`; with `addGenerationPrompt` it ends where the assistant's reply begins. */
  render(messages: ChatMessage[], options?: { addGenerationPrompt?: boolean }): string;
}

/**
 * The plain template, for models with no chat template (base and story models): the message contents
 * joined by a blank line, with no role markers and nothing added for the generation prompt. A single user
 * message renders as its exact text, so a story model simply continues it.
 */
export class PlainChatTemplate implements ChatTemplate {
  readonly kind = "plain" as const;
  render(messages: ChatMessage[]): string {
    return messages.map((m) => m.content).join("\n\n");
  }
}

export interface JinjaTemplateContext {
  bosToken?: string | null;
  eosToken?: string | null;
  padToken?: string | null;
  unkToken?: string | null;
}

export class JinjaChatTemplate implements ChatTemplate {
  readonly kind = "jinja" as const;
  private readonly template: Template;

  /** `source` names where the template came from in error messages. */
  constructor(
    readonly source: string,
    readonly text: string,
    private readonly context: JinjaTemplateContext = {},
  ) {
    try {
      this.template = new Template(text);
    } catch (e) {
      throw new InputError(`${source}: chat_template does not parse: ${(e as Error).message}`, { cause: e });
    }
  }

  render(messages: ChatMessage[], options: { addGenerationPrompt?: boolean } = {}): string {
    try {
      return this.template.render({
        messages,
        add_generation_prompt: options.addGenerationPrompt ?? true,
        bos_token: this.context.bosToken ?? "",
        eos_token: this.context.eosToken ?? "",
        pad_token: this.context.padToken ?? "",
        unk_token: this.context.unkToken ?? "",
      });
    } catch (e) {
      throw new InputError(`${this.source}: chat_template failed to render: ${(e as Error).message}`, {
        cause: e,
      });
    }
  }
}

/**
 * The template text from tokenizer_config.json's `chat_template`: a string, or a list of
 * {name, template} from which "default" is taken (as transformers does). Null when absent.
 */
export function chatTemplateText(value: unknown, source: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === "string") return value;
  if (Array.isArray(value)) {
    for (const entry of value) {
      if (entry && typeof entry === "object" && (entry as { name?: unknown }).name === "default") {
        const t = (entry as { template?: unknown }).template;
        if (typeof t === "string") return t;
      }
    }
    throw new InputError(`${source}: chat_template is a list without a "default" entry`);
  }
  throw new InputError(`${source}: chat_template must be a string or a list of {name, template}`);
}
