// Writes data/prompts/stories.jsonl: 300 TinyStories-style openings naming a character ("Once upon a
// time, there was a little girl named Mia."), drawn from the word lists of src/reward with a fixed
// seed, so the file is reproducible byte for byte. Usage: npx tsx scripts/make-story-prompts.ts [--out path] [--n 300]
import { createHash } from "node:crypto";
import { renameSync, writeFileSync } from "node:fs";
import {
  activities,
  adjectives,
  animals,
  boyNames,
  girlNames,
  petNames,
  places,
} from "../src/reward/index.js";
import { mulberry32 } from "../src/util/random.js";

export interface StoryPromptRow {
  prompt_id: string;
  prompt: string;
  /** the named character the story should stay with */
  character: string;
  source: string;
}

export function makeStoryPrompts(n = 300, seed = 260): StoryPromptRow[] {
  const rand = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const seen = new Set<string>();
  const rows: StoryPromptRow[] = [];
  while (rows.length < n) {
    const kind = pick(["girl", "boy", "animal"] as const);
    const name = kind === "girl" ? pick(girlNames) : kind === "boy" ? pick(boyNames) : pick(petNames);
    const who = kind === "animal" ? `${pick(adjectives)} ${pick(animals)}` : `little ${kind}`;
    const pron = kind === "boy" ? "He" : kind === "girl" ? "She" : pick(["He", "She"]);
    const activity = pick(activities).replace(/\bher\b/, pron === "He" ? "his" : "her");
    const templates = [
      `Once upon a time, there was a ${who} named ${name}.`,
      `Once upon a time, there was a ${who} named ${name}. ${pron} loved to ${activity}.`,
      `One day, a ${who} named ${name} went to the ${pick(places)}.`,
      `Once upon a time, in a big ${pick(places)}, there lived a ${who} named ${name}.`,
      `${name} was a ${pick(adjectives)} ${kind === "animal" ? pick(animals) : kind} who loved to ${activity}.`,
    ];
    const prompt = pick(templates);
    if (seen.has(prompt)) continue;
    seen.add(prompt);
    rows.push({
      prompt_id: createHash("sha256").update(prompt).digest("hex"),
      prompt,
      character: name,
      source: "prefloop-stories-v1",
    });
  }
  return rows;
}

function main(): void {
  const args = process.argv.slice(2);
  const at = (flag: string): string | undefined => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const out = at("--out") ?? "data/prompts/stories.jsonl";
  const rows = makeStoryPrompts(Number(at("--n") ?? 300));
  writeFileSync(`${out}.tmp`, rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
  renameSync(`${out}.tmp`, out);
  console.error(`wrote ${rows.length} prompts to ${out}`);
}

if (import.meta.url === `file://${process.argv[1]}`) main();
