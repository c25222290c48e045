#!/usr/bin/env node
// Writes data/prompts/stories.jsonl: the bundled prompt set of recipes/default.yaml. Story openings in the
// style of TinyStories (what stories260K was trained on), each naming one character, so a reward can check
// the story stays with that character. Deterministic: rerunning gives the same file.
import { writeFileSync } from "node:fs";

const girls = ["Lily", "Mia", "Sue", "Anna", "Lucy", "Amy"];
const boys = ["Tom", "Ben", "Tim", "Max", "Sam", "Jack"];
const things = ["ball", "kite", "dog", "cat", "toy car", "red hat", "big tree", "cake", "boat", "bird"];
const places = ["park", "beach", "garden", "forest", "shop"];
const templates = [
  (n, p, t) => `Once upon a time, there was a little ${p.kid} named ${n}. ${p.He} loved ${p.his} ${t}.`,
  (n, p, t, place) => `One day, ${n} went to the ${place} with ${p.his} mom. ${p.He} saw a ${t}.`,
  (n, p, t) => `${n} had a ${t}. ${p.He} wanted to show it to ${p.his} friend.`,
  (n, p, t, place) => `Once upon a time, ${n} lost ${p.his} ${t} in the ${place}. ${p.He} was sad.`,
];
const rows = [];
for (let ti = 0; ti < templates.length; ti++) {
  for (let i = 0; i < 12; i++) {
    for (let j = 0; j < 5; j++) {
      const girl = i % 2 === 0;
      const name = (girl ? girls : boys)[Math.floor(i / 2)];
      const pro = girl ? { kid: "girl", He: "She", his: "her" } : { kid: "boy", He: "He", his: "his" };
      const thing = things[(i + 3 * j + ti) % things.length];
      const place = places[(i + j + ti) % places.length];
      rows.push({ prompt: templates[ti](name, pro, thing, place), character: name });
    }
  }
}
const unique = [...new Map(rows.map((r) => [r.prompt, r])).values()];
writeFileSync("data/prompts/stories.jsonl", unique.map((r) => `${JSON.stringify(r)}\n`).join(""));
console.log(`wrote ${unique.length} prompts to data/prompts/stories.jsonl`);
