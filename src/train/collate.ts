// Preference-row tokenisation and batch collation like TRL's DPOTrainer: chat-templated prompt (with the
// generation prompt) and prompt+response, response = the ids after the prompt's; TRL <= 0.11 truncation
// (prompt cut to max_prompt_length keeping its start or end when prompt + longer response exceeds
// max_length, then responses cut to max_length - max_prompt_length); rows [chosen..., rejected...]
// right-padded to the batch's longest. Not a data loader: rows arrive already parsed.
import type { TokenBatch } from "../models/index.js";
import type { Tokenizer } from "../text/index.js";
import { ConfigError, InputError } from "../util/errors.js";
import type { ChatMessage } from "../util/types.js";

/** A preference row as in the dataset layer (prompt text or messages; chosen/rejected message lists or text). */
export interface PreferenceRow {
  prompt: string | ChatMessage[];
  chosen: string | ChatMessage[];
  rejected: string | ChatMessage[];
}

/** A chat template (structurally the text layer's ChatTemplate): kind "plain" means no chat markup. */
export interface ChatTemplateLike {
  readonly kind?: string;
  render(messages: ChatMessage[], options?: { addGenerationPrompt?: boolean }): string;
}

export interface TruncationSettings {
  maxLength: number;
  maxPromptLength: number;
  truncationMode: "keep_start" | "keep_end";
}

export interface TokenizedPair {
  promptIds: number[];
  chosenIds: number[];
  rejectedIds: number[];
}

/** A collated micro-batch: 2N rows, lossMask in token positions (1 = response token to score). */
export interface PairBatch {
  n: number;
  batch: TokenBatch;
  lossMask: Uint8Array;
  /** lossMask shifted to log-prob positions [2N, T-1]: logp[b,t] scores tokens[b,t+1] */
  logpMask: Uint8Array;
}

function promptMessages(p: PreferenceRow["prompt"]): ChatMessage[] {
  return typeof p === "string" ? [{ role: "user", content: p }] : p;
}

/** The response message: a string, or the last assistant turn of the list. */
function responseText(r: string | ChatMessage[], field: string, line: number): string {
  if (typeof r === "string") return r;
  for (let i = r.length - 1; i >= 0; i--) if (r[i].role === "assistant") return r[i].content;
  throw new InputError(`row ${line}: '${field}' has no assistant message`, {
    hint: "chosen/rejected are [user, assistant] message lists or plain response text",
  });
}

function commonPrefix(a: number[], b: number[]): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/**
 * Tokenize one row. With a chat template: prompt = render(prompt, generation prompt on), full =
 * render(prompt + [assistant response]). Without one (null or kind "plain": TRL's non-conversational
 * path): prompt text, and prompt text + response text + EOS, as a story model continues its prompt.
 * The response is the full ids after the longest prefix shared with the prompt's ids (tokenizers may
 * merge across the seam), and BOS is prepended when the tokenizer has one and the text lacks it.
 */
export function tokenizePair(
  row: PreferenceRow,
  tok: Tokenizer,
  template: ChatTemplateLike | null,
  line = 0,
): TokenizedPair {
  const pm = promptMessages(row.prompt);
  const chat = template !== null && template.kind !== "plain";
  const withBos = (ids: number[]) => (tok.bosId !== null && ids[0] !== tok.bosId ? [tok.bosId, ...ids] : ids);
  const promptText = chat
    ? template.render(pm, { addGenerationPrompt: true })
    : pm.map((m) => m.content).join("\n\n");
  const promptIds = withBos(tok.encode(promptText));
  const full = (field: "chosen" | "rejected"): number[] => {
    const text = responseText(row[field], field, line);
    if (chat)
      return withBos(
        tok.encode(
          template.render([...pm, { role: "assistant", content: text }], { addGenerationPrompt: false }),
        ),
      );
    const ids = withBos(tok.encode(promptText + text));
    return tok.eosId !== null && ids[ids.length - 1] !== tok.eosId ? [...ids, tok.eosId] : ids;
  };
  const fullC = full("chosen");
  const fullR = full("rejected");
  const cut = Math.min(promptIds.length, commonPrefix(promptIds, fullC), commonPrefix(promptIds, fullR));
  return { promptIds: promptIds.slice(0, cut), chosenIds: fullC.slice(cut), rejectedIds: fullR.slice(cut) };
}

/** TRL's (<= 0.11) tokenize_row truncation. */
export function truncatePair(p: TokenizedPair, s: TruncationSettings): TokenizedPair {
  if (!(s.maxPromptLength < s.maxLength)) {
    throw new ConfigError(
      `max_prompt_length (${s.maxPromptLength}) must be smaller than max_length (${s.maxLength})`,
    );
  }
  const longer = Math.max(p.chosenIds.length, p.rejectedIds.length);
  let prompt = p.promptIds;
  if (prompt.length + longer > s.maxLength) {
    prompt =
      s.truncationMode === "keep_start"
        ? prompt.slice(0, s.maxPromptLength)
        : prompt.slice(-s.maxPromptLength);
  }
  let { chosenIds, rejectedIds } = p;
  if (prompt.length + longer > s.maxLength) {
    const keep = s.maxLength - s.maxPromptLength;
    chosenIds = chosenIds.slice(0, keep);
    rejectedIds = rejectedIds.slice(0, keep);
  }
  return { promptIds: prompt, chosenIds, rejectedIds };
}

/** Rows [chosen_0..chosen_{N-1}, rejected_0..], right-padded with `padId` to the longest row. */
export function collatePairs(pairs: TokenizedPair[], padId: number): PairBatch {
  const n = pairs.length;
  const rows: { ids: number[]; plen: number }[] = [];
  for (const kind of ["chosenIds", "rejectedIds"] as const) {
    for (const p of pairs) rows.push({ ids: [...p.promptIds, ...p[kind]], plen: p.promptIds.length });
  }
  const T = Math.max(2, ...rows.map((r) => r.ids.length));
  const B = 2 * n;
  const tokens = new Int32Array(B * T).fill(padId);
  const mask = new Uint8Array(B * T);
  const lossMask = new Uint8Array(B * T);
  const logpMask = new Uint8Array(B * (T - 1));
  rows.forEach((r, b) => {
    for (let t = 0; t < r.ids.length; t++) {
      tokens[b * T + t] = r.ids[t];
      mask[b * T + t] = 1;
      if (t >= r.plen) {
        lossMask[b * T + t] = 1;
        if (t >= 1) logpMask[b * (T - 1) + t - 1] = 1;
      }
    }
  });
  return { n, batch: { tokens, mask, B, T }, lossMask, logpMask };
}
