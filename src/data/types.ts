// Data records of the prompt and preference layers (snake_case where they go on the wire).
// Not the recipe schema: see source-spec.ts for how a source is described.
import type { ChatMessage } from "../util/types.js";

/** One raw row from a file, before field mapping, with where it came from (for error messages). */
export interface RawRow {
  value: unknown;
  /** file path */
  file: string;
  /** "line 12" (text formats) or "row 12" (Parquet), 1-based */
  where: string;
}

/** One normalised prompt. */
export interface PromptRecord {
  /** sha256 hex of `prompt` */
  prompt_id: string;
  /** normalised user turn */
  prompt: string;
  /** the conversation up to and including the user turn (always ends with it) */
  messages: ChatMessage[];
  /** "file:line" or "file:row" the prompt was first read from */
  source: string;
}

/** One row of a preference dataset (Snorkel-Mistral-PairRM-DPO / alignment-handbook layout). */
export interface PreferenceRow {
  prompt_id: string;
  prompt: string;
  chosen: ChatMessage[];
  rejected: ChatMessage[];
  /** equals `chosen` (what SFT-style trainers read) */
  messages: ChatMessage[];
  score_chosen: number;
  score_rejected: number;
  all_generated_responses: string[];
  all_rm_scores: number[];
}
