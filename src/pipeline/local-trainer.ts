// The in-process DPO trainer behind the loop's Trainer seam: loads the iteration's starting model (and the
// reference when it differs), runs src/train's trainDpo with the recipe's TRL-named settings, and saves the
// result as an HF folder (+ model.gguf when the source was GGUF, which carries its SentencePiece vocabulary).
import { join } from "node:path";
import type { Recipe } from "../config/index.js";
import { getBackend } from "../engine/index.js";
import { loadModelWithText } from "../generate/index.js";
import { loadModel, saveGguf, saveHfFolder } from "../models/index.js";
import { type DpoSettingsInput, trainDpo } from "../train/index.js";
import type { Logger } from "../util/log.js";
import type { PreferenceRow, Trainer, TrainerSettings, TrainMetrics } from "./components.js";

/** recipe.train + loop settings -> the trainer's own settings (same TRL names; loop-only keys dropped). */
export function dpoSettingsFrom(settings: TrainerSettings): DpoSettingsInput {
  const {
    reference: _reference,
    threads: _threads,
    iteration: _iteration,
    checkpointDir: _c,
    referenceLogpsPath: _r,
    ...dpo
  } = settings;
  return dpo as DpoSettingsInput;
}

export function localTrainer(recipe: Recipe, logger: Logger | null): Trainer {
  return {
    id: "local-dpo",
    async train(
      rows: PreferenceRow[],
      startModelPath: string,
      refModelPath: string,
      outDir: string,
      settings: TrainerSettings,
    ): Promise<TrainMetrics> {
      const { loaded, assets } = await loadModelWithText(startModelPath);
      const refModel = refModelPath === startModelPath ? null : loadModel(refModelPath).model;
      const template = recipe.model.chat_template === "raw" ? null : assets.chatTemplate;
      let bar: ReturnType<Logger["progress"]> | null = null;
      const result = await trainDpo({
        model: loaded.model,
        tokenizer: assets.tokenizer,
        template,
        trainRows: rows,
        refModel,
        refCachePath: settings.referenceLogpsPath ?? join(outDir, "ref_logps.json"),
        settings: dpoSettingsFrom(settings),
        outDir,
        backend: getBackend(),
        onProgress: (p) => {
          if (!logger || p.phase !== "train") return;
          bar ??= logger.progress(`train ${settings.iteration}`, p.totalSteps, {
            unit: "steps",
            initial: p.step - 1,
          });
          bar.update(p.step);
          const m = p.metrics;
          if (m.loss !== undefined)
            bar.setInfo({ loss: m.loss.toFixed(4), acc: (m["rewards/accuracies"] ?? 0).toFixed(2) });
        },
      });
      (bar as ReturnType<Logger["progress"]> | null)?.stop();
      const source = loaded.tokenizer;
      saveHfFolder(loaded.model, outDir, {
        tokenizerFiles: source.kind === "hf" ? source.files : [],
        generationConfig: loaded.generationConfig ?? undefined,
      });
      if (source.kind === "gguf")
        saveGguf(loaded.model, join(outDir, "model.gguf"), { metadata: source.raw });
      return {
        train_loss: result.train.loss ?? null,
        reward_accuracy: result.train["rewards/accuracies"] ?? null,
        steps: result.steps,
      };
    },
  };
}
