// The AlpacaEval 2.0 weighted judge's prompt and answer: template filling as upstream's make_prompts
// (each placeholder's first occurrence replaced in order), ChatML text to chat messages
// (prompt_to_chatml), the per-instruction order switch (RandomSwitchTwoColumnsProcessor, seed 0) and the
// logprob parser (preference = 2 − P(m)/(P(m)+P(M)), undone as 3 − p when switched).
import { readFileSync } from "node:fs";
import type { ChatMessage } from "../../util/types.js";
import { pythonSeededChoice } from "./python-random.js";

export const weightedJudgeTemplate = readFileSync(
  new URL("./prompts/alpaca_eval_clf.txt", import.meta.url),
  "utf8",
);

export function fillTemplate(template: string, fields: Record<string, string>): string {
  const placeholders: string[] = [];
  for (const m of template.matchAll(/{([^ \s]+?)}/g))
    if (!placeholders.includes(m[1]!)) placeholders.push(m[1]!);
  let out = template;
  for (const p of placeholders) {
    const value = fields[p];
    if (value !== undefined) out = out.replace(`{${p}}`, () => value);
  }
  return out;
}

export function promptToChatml(prompt: string): ChatMessage[] {
  const messages: ChatMessage[] = [];
  for (const part of prompt.trim().split("<|im_start|>").slice(1)) {
    const nl = part.indexOf("\n");
    const role = (nl < 0 ? part : part.slice(0, nl)).trim();
    const content = (nl < 0 ? "" : part.slice(nl + 1)).split("<|im_end|>")[0]!.trim();
    messages.push({ role: role.split(" ")[0] as ChatMessage["role"], content });
  }
  return messages;
}

/** Whether upstream shows this instruction's pair switched (output_2 first). */
export function isSwitched(instruction: string, seed = 0): boolean {
  return pythonSeededChoice(`is_switched_outputs${instruction}${seed}`, [false, true]);
}

export interface TopLogprob {
  token: string;
  logprob: number;
}

/** 2 − P(numerator)/(P(numerator)+P(other)) over the listed tokens; null when none is present. */
export function logprobPreference(
  top: TopLogprob[],
  numerator = "m",
  denominators = ["m", "M"],
): number | null {
  const lp = new Map<string, number>();
  for (const t of top)
    if (denominators.includes(t.token) || t.token === numerator) lp.set(t.token, t.logprob);
  if (lp.size === 0) return null;
  const num = lp.get(numerator) ?? Number.NEGATIVE_INFINITY;
  const ls = denominators.map((t) => lp.get(t) ?? Number.NEGATIVE_INFINITY);
  const max = Math.max(...ls);
  const den = max + Math.log(ls.reduce((s, l) => s + Math.exp(l - max), 0));
  return 2 - Math.exp(num - den);
}
