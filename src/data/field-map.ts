// Field mapping: turns one raw row (a JSON object, CSV record or Parquet row) into a prompt and its
// conversation. Kinds: a prompt field, chat `messages` (first or last user turn), or Alpaca
// instruction + input (joined by a blank line, as Stanford Alpaca's prompt template separates them).
// "auto" picks the kind from the first row's keys. Not normalisation (normalize.ts).
import { InputError } from "../util/errors.js";
import type { ChatMessage } from "../util/types.js";
import type { RawRow } from "./types.js";

export type FieldMapping =
  | { kind: "auto" }
  | { kind: "prompt"; field: string }
  | { kind: "messages"; field: string; turn: "first" | "last" }
  | { kind: "alpaca"; instruction: string; input: string };

export type ResolvedMapping = Exclude<FieldMapping, { kind: "auto" }>;

const promptFields = ["prompt", "question", "instruction_text", "query", "text"];
const messageFields = ["messages", "conversations", "conversation", "chosen"];

/** Resolves "auto" from the first row: `prompt` > messages > instruction (Alpaca) > other prompt-like fields. */
export function resolveMapping(mapping: FieldMapping, first: RawRow): ResolvedMapping {
  if (mapping.kind !== "auto") return mapping;
  const obj = asObject(first);
  if (typeof obj.prompt === "string") return { kind: "prompt", field: "prompt" };
  for (const f of messageFields) {
    if (Array.isArray(obj[f])) return { kind: "messages", field: f, turn: "first" };
  }
  if (typeof obj.instruction === "string")
    return { kind: "alpaca", instruction: "instruction", input: "input" };
  for (const f of promptFields) {
    if (typeof obj[f] === "string") return { kind: "prompt", field: f };
  }
  throw new InputError(
    `${first.file}: ${first.where}: cannot tell which field holds the prompt (keys: ${Object.keys(obj).join(", ") || "none"})`,
    { hint: "set the source's field mapping: a prompt field, a messages field or alpaca instruction/input" },
  );
}

/** The user turn and the conversation up to it; text is not yet normalised. */
export function extractPrompt(
  row: RawRow,
  mapping: ResolvedMapping,
): { text: string; messages: ChatMessage[] } {
  const obj = asObject(row);
  switch (mapping.kind) {
    case "prompt": {
      const text = stringField(row, obj, mapping.field, true);
      return { text, messages: [{ role: "user", content: text }] };
    }
    case "alpaca": {
      const instruction = stringField(row, obj, mapping.instruction, true);
      const input = stringField(row, obj, mapping.input, false);
      const text = input.trim() === "" ? instruction : `${instruction}\n\n${input}`;
      return { text, messages: [{ role: "user", content: text }] };
    }
    case "messages":
      return fromMessages(row, obj, mapping.field, mapping.turn);
  }
}

function fromMessages(
  row: RawRow,
  obj: Record<string, unknown>,
  field: string,
  turn: "first" | "last",
): { text: string; messages: ChatMessage[] } {
  const list = obj[field];
  if (list === undefined || list === null)
    throw fieldError(row, field, "missing; expected a list of messages");
  if (!Array.isArray(list))
    throw fieldError(row, field, `expected a list of messages, got ${typeName(list)}`);
  const messages: ChatMessage[] = [];
  list.forEach((m, i) => {
    const at = `${field}[${i}]`;
    if (typeof m !== "object" || m === null)
      throw fieldError(row, at, `expected {role, content}, got ${typeName(m)}`);
    const rec = m as Record<string, unknown>;
    // ShareGPT spells them from/value with human/gpt.
    const role = normaliseRole(rec.role ?? rec.from);
    const content = rec.content ?? rec.value;
    if (role === undefined)
      throw fieldError(
        row,
        `${at}.role`,
        `expected system, user or assistant, got ${JSON.stringify(rec.role ?? rec.from)}`,
      );
    if (typeof content !== "string")
      throw fieldError(row, `${at}.content`, `expected a string, got ${typeName(content)}`);
    messages.push({ role, content });
  });
  const userIdx = messages.map((m, i) => (m.role === "user" ? i : -1)).filter((i) => i >= 0);
  if (userIdx.length === 0) throw fieldError(row, field, "has no user turn");
  const at = turn === "first" ? userIdx[0] : userIdx[userIdx.length - 1];
  return { text: messages[at].content, messages: messages.slice(0, at + 1) };
}

function normaliseRole(v: unknown): ChatMessage["role"] | undefined {
  if (v === "user" || v === "human") return "user";
  if (v === "assistant" || v === "gpt" || v === "bot") return "assistant";
  if (v === "system") return "system";
  return undefined;
}

function asObject(row: RawRow): Record<string, unknown> {
  const v = row.value;
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw new InputError(`${row.file}: ${row.where}: expected an object (a record), got ${typeName(v)}`);
  }
  return v as Record<string, unknown>;
}

function stringField(row: RawRow, obj: Record<string, unknown>, field: string, required: boolean): string {
  const v = obj[field];
  if (v === undefined || v === null) {
    if (!required) return "";
    throw fieldError(row, field, "missing; expected a string");
  }
  if (typeof v !== "string") throw fieldError(row, field, `expected a string, got ${typeName(v)}`);
  return v;
}

export function fieldError(row: RawRow, field: string, what: string): InputError {
  return new InputError(`${row.file}: ${row.where}: field "${field}" ${what}`);
}

export function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "bigint") return "number";
  return typeof v === "object" ? "an object" : typeof v;
}
