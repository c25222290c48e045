// Opens a LocalGenerator from a model path (a .gguf file or a Hugging Face folder): the model through the
// models layer's loadModel, the tokenizer and chat template through the text layer. Not the sampler.
import { type LoadOptions, loadModel } from "../models/index.js";
import { loadTextAssetsFromFolder, type TextAssets, textAssetsFromGguf } from "../text/index.js";
import { ModelError } from "../util/errors.js";
import { LocalGenerator, type LocalGeneratorOptions } from "./local-generator.js";

export interface OpenLocalGeneratorOptions extends LoadOptions, Omit<LocalGeneratorOptions, "id"> {
  /** generator id recorded in manifests; default the model path */
  id?: string;
}

/** Load `modelPath` and return a LocalGenerator over it (its text assets come from the same file or folder). */
export async function openLocalGenerator(
  modelPath: string,
  options: OpenLocalGeneratorOptions = {},
): Promise<LocalGenerator> {
  const loaded = loadModel(modelPath, options);
  let assets: TextAssets;
  const source = loaded.tokenizer;
  if (source.kind === "gguf") {
    assets = textAssetsFromGguf(
      new Map([...source.raw].map(([key, entry]) => [key, entry.value])),
      source.path,
    );
  } else if (source.kind === "hf") {
    assets = await loadTextAssetsFromFolder(source.folder);
  } else {
    throw new ModelError(
      `${modelPath}: the model has no tokenizer (no tokenizer.ggml.* metadata or tokenizer.json)`,
    );
  }
  return new LocalGenerator(loaded.model, assets.tokenizer, assets.chatTemplate, {
    id: options.id ?? modelPath,
    maxBatchRows: options.maxBatchRows,
    onProgress: options.onProgress,
  });
}
