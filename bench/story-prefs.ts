// A synthetic story preference task for the bundled stories260K model, with a known rule: the chosen
// continuation is a happy one, the rejected a sad one (different sentences, names and openings).
// Used by bench/train-small.ts (choosing the small-model defaults) and the CLI test.
import type { PreferenceRow } from "../src/train/index.js";
import { Rng } from "../src/train/index.js";

const names = ["Lily", "Tom", "Sue", "Ben", "Mia", "Max", "Anna", "Tim", "Sam", "Lucy", "Jack", "Amy"];
const things = ["ball", "dog", "cat", "tree", "car", "toy", "bird", "cake", "box", "hat"];
const openings = [
  "Once upon a time, there was a little girl named {n}.",
  "One day, {n} went to the park.",
  "{n} had a big red {t}.",
  "There was a boy called {n}. He loved his {t}.",
  "{n} and her mom went outside to play.",
];
const happy = [
  " {n} smiled and played with the {t}. {n} was very happy.",
  " {n} laughed and hugged the {t}. It was a fun day.",
  " {n} was happy. She played with her {t} all day.",
  " They had fun together. {n} said thank you and smiled.",
];
const sad = [
  " {n} was sad. The {t} was broken and {n} cried.",
  " {n} cried and cried. The {t} was lost.",
  " {n} felt bad. Nobody wanted to play with the {t}.",
  " It was a bad day. {n} was sad and went home.",
];

export function storyPreferences(count: number, seed: number): PreferenceRow[] {
  const rng = new Rng(seed);
  const pick = <T>(a: T[]): T => a[Math.floor(rng.uniform() * a.length)];
  const rows: PreferenceRow[] = [];
  for (let i = 0; i < count; i++) {
    const n = pick(names);
    const t = pick(things);
    const fill = (s: string) => s.replaceAll("{n}", n).replaceAll("{t}", t);
    rows.push({
      prompt: [{ role: "user", content: fill(pick(openings)) }],
      chosen: [{ role: "assistant", content: fill(pick(happy)) }],
      rejected: [{ role: "assistant", content: fill(pick(sad)) }],
    });
  }
  return rows;
}
