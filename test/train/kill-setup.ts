// Shared setup of the SIGKILL/resume test (parent and child must train exactly the same run).
import type { DpoSettingsInput } from "../../src/train/index.js";
import { successorTask } from "./synthetic.js";
import { wordTokenizer } from "./tiny-lm.js";

export const killTask = {
  tokenizer: { ...wordTokenizer, vocabSize: 48 },
  train: successorTask(96, 11, 48),
  test: successorTask(16, 12, 48),
};

export const killSettings: DpoSettingsInput = {
  beta: 0.1,
  learning_rate: 1e-2,
  num_train_epochs: 8,
  per_device_train_batch_size: 4,
  gradient_accumulation_steps: 2,
  max_length: 32,
  max_prompt_length: 16,
  logging_steps: 1,
  eval_steps: 25,
  save_steps: 5,
  weight_decay: 0.01,
};
