// PairRM's input layout, as llm-blender's CrossCompareCollator + CrossCompareReranker build it for one source:
// each segment is tokenised on its own as [CLS] <marker> text [SEP] with right truncation (source 1224 tokens,
// each candidate 412 + half the source budget it left unused), literal "[SEP]" in texts replaced by a space,
// and the three segments concatenated (source, candidate 1, candidate 2); padding comes last (batching).
// Not the model (pairrm.ts). Upstream: llm_blender/pair_ranker/collator.py, ranker.py (_forward).

export interface PairrmTokenIds {
  cls: number;
  sep: number;
  source: number;
  cand1: number;
  cand2: number;
}

export interface PairrmBudget {
  /** upstream's source_maxlength, counting [CLS] and [SEP] */
  sourceMax: number;
  /** upstream's candidate_maxlength before borrowing */
  candidateMax: number;
}

export const upstreamBudget: PairrmBudget = { sourceMax: 1224, candidateMax: 412 };

/** Encodes text without special tokens (the model's own tokenizer). */
export type EncodeText = (text: string) => number[];

/** [CLS] marker tokens… [SEP], the middle cut from the right so the whole fits in maxLen (HF truncation). */
export function segmentIds(
  encode: EncodeText,
  ids: PairrmTokenIds,
  marker: number,
  text: string,
  maxLen: number,
  sepText = "[SEP]",
): number[] {
  // upstream tokenises "<|marker|>" + text; an added token splits the text, so this is the same ids
  const body = [marker, ...encode(text.split(sepText).join(" "))];
  return [ids.cls, ...body.slice(0, Math.max(0, maxLen - 2)), ids.sep];
}

/** The encoded source and the candidate budget it leaves (candidateMax + unused source tokens / 2). */
export function encodeSource(
  encode: EncodeText,
  ids: PairrmTokenIds,
  source: string,
  budget: PairrmBudget = upstreamBudget,
): { ids: number[]; candidateMax: number } {
  const s = segmentIds(encode, ids, ids.source, source, budget.sourceMax);
  return { ids: s, candidateMax: budget.candidateMax + Math.floor((budget.sourceMax - s.length) / 2) };
}

/** Candidate body ids (no marker, no specials), computed once per candidate and reused by every pair. */
export function encodeCandidate(encode: EncodeText, text: string, sepText = "[SEP]"): number[] {
  return encode(text.split(sepText).join(" "));
}

/** The full row of one ordered pair: source, candidate 1 (left), candidate 2 (right). */
export function pairRow(
  ids: PairrmTokenIds,
  sourceIds: number[],
  candidateMax: number,
  left: number[],
  right: number[],
): number[] {
  const seg = (marker: number, body: number[]) => [
    ids.cls,
    marker,
    ...body.slice(0, Math.max(0, candidateMax - 3)),
    ids.sep,
  ];
  return [...sourceIds, ...seg(ids.cand1, left), ...seg(ids.cand2, right)];
}
