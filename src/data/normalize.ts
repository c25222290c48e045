// Prompt normalisation and prompt ids: NFC, CRLF/CR -> LF, trimmed; prompt_id = sha256 hex of the
// UTF-8 bytes of the normalised text. This is the id HuggingFaceH4/ultrafeedback_binarized and the
// Snorkel-Mistral-PairRM-DPO dataset use (hashlib.sha256(prompt.encode("utf-8")).hexdigest()), so an
// already-normalised prompt gets the same id here as there. Not a tokenizer-level cleaner.
import { createHash } from "node:crypto";

/** Unicode NFC, line endings to LF, leading/trailing whitespace (and a stray BOM) removed. */
export function normalizePrompt(text: string): string {
  return text
    .replace(/^\uFEFF/, "")
    .replace(/\r\n?/g, "\n")
    .normalize("NFC")
    .trim();
}

/** sha256 hex of the text's UTF-8 bytes (call on normalised text). */
export function promptId(normalized: string): string {
  return createHash("sha256").update(normalized, "utf8").digest("hex");
}
