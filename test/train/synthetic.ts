// A synthetic preference task with a known rule, for trainer tests: the chosen response continues the
// prompt's last token by +1 steps (t7 → t8 t9 t10), the rejected one is random tokens of the same length.

import type { PreferenceRow } from "../../src/train/index.js";
import { Rng } from "../../src/train/index.js";

export function successorTask(count: number, seed: number, V = 64): PreferenceRow[] {
  const rng = new Rng(seed);
  const tok = () => 3 + Math.floor(rng.uniform() * (V - 3));
  const rows: PreferenceRow[] = [];
  for (let i = 0; i < count; i++) {
    const plen = 2 + Math.floor(rng.uniform() * 4);
    const prompt = Array.from({ length: plen }, tok);
    const rlen = 2 + Math.floor(rng.uniform() * 4);
    const last = prompt[plen - 1];
    const chosen = Array.from({ length: rlen }, (_, k) => 3 + ((last - 3 + k + 1) % (V - 3)));
    const rejected = Array.from({ length: rlen }, tok);
    const w = (ids: number[]) => ids.map((x) => ` t${x}`).join("");
    rows.push({ prompt: w(prompt).trim(), chosen: w(chosen), rejected: w(rejected) });
  }
  return rows;
}
