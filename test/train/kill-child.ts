// Child process of the SIGKILL test: trains the tiny golden Llama on the synthetic task into argv[2].
import { loadModel } from "../../src/models/index.js";
import { trainDpo } from "../../src/train/index.js";
import { goldenDir } from "./golden.js";
import { killSettings, killTask } from "./kill-setup.js";

const { model } = loadModel(goldenDir);
await trainDpo({
  model,
  tokenizer: killTask.tokenizer,
  template: null,
  trainRows: killTask.train,
  testRows: killTask.test,
  settings: killSettings,
  outDir: process.argv[2],
});
process.stdout.write("done\n");
