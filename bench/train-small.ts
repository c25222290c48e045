// Runs DPO on the bundled stories260K model over the synthetic story task and prints wall time and
// held-out reward accuracy: how smallModelDefaults were chosen. Usage:
//   node --import tsx bench/train-small.ts [key=value ...]   (settings overrides, TRL names)
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadModel } from "../src/models/index.js";
import { textAssetsFromGguf } from "../src/text/index.js";
import { parseSetFlags, smallModelDefaults, trainDpo } from "../src/train/index.js";
import { storyPreferences } from "./story-prefs.js";

const modelPath = fileURLToPath(new URL("../models/stories260K.gguf", import.meta.url));
const loaded = loadModel(modelPath);
if (loaded.tokenizer.kind !== "gguf") throw new Error("expected the GGUF tokenizer");
const raw = loaded.tokenizer.raw;
const assets = textAssetsFromGguf(new Map([...raw].map(([k, e]) => [k, e.value])), modelPath);
const out = mkdtempSync(join(tmpdir(), "pf-train-small-"));
const settings = { ...smallModelDefaults, save_steps: 0, ...parseSetFlags(process.argv.slice(2)) };
const t0 = performance.now();
const r = await trainDpo({
  model: loaded.model,
  tokenizer: assets.tokenizer,
  template: assets.chatTemplate,
  trainRows: storyPreferences(Number(process.env.PAIRS ?? 400), 1),
  testRows: storyPreferences(100, 2),
  settings,
  outDir: out,
  backend: loaded.model.backend,
  onProgress: (p) => {
    if (p.phase !== "reference" && (p.step % 10 === 0 || p.phase !== "train"))
      process.stderr.write(`${p.line}\n`);
  },
});
const secs = (performance.now() - t0) / 1000;
console.log(
  JSON.stringify({
    backend: loaded.model.backend.name,
    settings: parseSetFlags(process.argv.slice(2)),
    steps: r.steps,
    seconds: Number(secs.toFixed(1)),
    eval_accuracy: r.eval?.["eval_rewards/accuracies"],
    eval_margin: r.eval?.["eval_rewards/margins"],
    eval_loss: r.eval?.eval_loss,
  }),
);
rmSync(out, { recursive: true, force: true });
