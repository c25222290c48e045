// `engines.trainer.type: openai`: hosted DPO through the OpenAI fine-tuning API (method {type: "dpo"}).
// Uploads the pairs as preference JSONL ({input: {messages}, preferred_output, non_preferred_output}),
// creates the job, polls it (events go to the log), and writes the resulting model id to
// <outDir>/model_ref.json, which the next iteration samples from. The job id is kept in <iteration>/openai/
// job.json so a rerun re-attaches to a running job instead of paying twice; a failed or cancelled job fails
// the stage with its error, and the rerun creates a new one.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import OpenAI, { toFile } from "openai";
import type { Recipe } from "../config/index.js";
import { writeFileAtomic } from "../data/index.js";
import type { PreferenceRow, Trainer, TrainerSettings, TrainMetrics } from "../pipeline/index.js";
import { PrefloopError } from "../util/errors.js";
import type { Logger } from "../util/log.js";

/** One preference row as the fine-tuning API's DPO JSONL line. */
export function dpoLine(r: PreferenceRow): string {
  const last = (m: PreferenceRow["chosen"]) => m[m.length - 1];
  const input = r.chosen.slice(0, -1);
  return JSON.stringify({
    input: { messages: input.length > 0 ? input : r.messages.slice(0, -1) },
    preferred_output: [{ role: "assistant", content: last(r.chosen).content }],
    non_preferred_output: [{ role: "assistant", content: last(r.rejected).content }],
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function openaiTrainer(recipe: Recipe, logger: Logger | null): Trainer {
  const e = recipe.engines.trainer;
  return {
    id: "openai-dpo",
    async train(
      rows: PreferenceRow[],
      startModel: string,
      _ref: string,
      outDir: string,
      settings: TrainerSettings,
    ): Promise<TrainMetrics> {
      const k = settings.iteration;
      const dir = join(dirname(resolve(outDir)), "openai");
      mkdirSync(dir, { recursive: true });
      const client = new OpenAI({
        apiKey: process.env[e.api_key_env] ?? "none",
        ...(e.base_url !== null ? { baseURL: e.base_url } : {}),
      });
      const jobFile = join(dir, "job.json");
      let jobId: string | null = null;
      if (existsSync(jobFile)) {
        const saved = JSON.parse(readFileSync(jobFile, "utf8")) as { id: string };
        const job = await client.fineTuning.jobs.retrieve(saved.id);
        if (job.status !== "failed" && job.status !== "cancelled") jobId = job.id;
        else logger?.info(`iteration ${k}: previous job ${job.id} ${job.status}; creating a new one`);
      }
      if (jobId === null) {
        const jsonl = rows.map((r) => `${dpoLine(r)}\n`).join("");
        await writeFileAtomic(join(dir, "train.jsonl"), jsonl);
        const file = await client.files.create({
          file: await toFile(Buffer.from(jsonl), `prefloop-iteration-${k}.jsonl`),
          purpose: "fine-tune",
        });
        const job = await client.fineTuning.jobs.create({
          model: startModel,
          training_file: file.id,
          seed: settings.seed,
          suffix: `prefloop-it${k}`,
          method: {
            type: "dpo",
            dpo: {
              hyperparameters: {
                beta: settings.beta,
                n_epochs: Math.max(1, Math.round(settings.num_train_epochs)),
              },
            },
          },
        });
        jobId = job.id;
        await writeFileAtomic(
          jobFile,
          `${JSON.stringify({ id: job.id, file: file.id, model: startModel })}\n`,
        );
        logger?.info(`iteration ${k}: fine-tuning job ${job.id} created on ${startModel}`);
      }
      const seen = new Set<string>();
      for (;;) {
        const job = await client.fineTuning.jobs.retrieve(jobId);
        const events = await client.fineTuning.jobs.listEvents(jobId, { limit: 50 });
        for (const ev of [...events.data].reverse()) {
          if (seen.has(ev.id)) continue;
          seen.add(ev.id);
          logger?.info(`iteration ${k}: ${ev.message}`);
        }
        if (job.status === "succeeded") {
          if (!job.fine_tuned_model)
            throw new PrefloopError(
              "external",
              `fine-tuning job ${jobId} succeeded without a fine_tuned_model`,
            );
          await writeFileAtomic(
            join(outDir, "model_ref.json"),
            `${JSON.stringify({ model: job.fine_tuned_model, job_id: jobId, base: startModel })}\n`,
          );
          return { train_loss: null, reward_accuracy: null, steps: job.trained_tokens ?? undefined };
        }
        if (job.status === "failed" || job.status === "cancelled") {
          const why = job.error?.message ?? job.status;
          throw new PrefloopError(
            "external",
            `iteration ${k}: fine-tuning job ${jobId} ${job.status}: ${why}`,
            {
              hint: "fix the cause and rerun: the train stage creates a new job",
            },
          );
        }
        await sleep(e.poll_interval_s * 1000);
      }
    },
  };
}
