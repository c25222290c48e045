// Opens a LocalGenerator from a model path (a .gguf file or a Hugging Face folder): the model through the
// models layer's loadModel, the tokenizer and chat template through the text layer. Not the sampler.
import { type LoadedModel, type LoadOptions, loadModel } from "../models/index.js";
import { loadTextAssetsFromFolder, type TextAssets, textAssetsFromGguf } from "../text/index.js";
import { ModelError } from "../util/errors.js";
import { LocalGenerator, type LocalGeneratorOptions } from "./local-generator.js";

export interface OpenLocalGeneratorOptions extends LoadOptions, Omit<LocalGeneratorOptions, "id"> {
  /** generator id recorded in manifests; default the model path */
  id?: string;
}

/** A loaded model with the tokenizer and chat template from the same file or folder. */
export interface ModelWithText {
  loaded: LoadedModel;
  assets: TextAssets;
}

/** Load `modelPath` (a .gguf file or an HF folder) with its text assets. */
export async function loadModelWithText(
  modelPath: string,
  options: LoadOptions = {},
): Promise<ModelWithText> {
  const loaded = loadModel(modelPath, options);
  const source = loaded.tokenizer;
  if (source.kind === "gguf") {
    const metadata = new Map([...source.raw].map(([key, entry]) => [key, entry.value]));
    return { loaded, assets: textAssetsFromGguf(metadata, source.path) };
  }
  if (source.kind === "hf") return { loaded, assets: await loadTextAssetsFromFolder(source.folder) };
  throw new ModelError(
    `${modelPath}: the model has no tokenizer (no tokenizer.ggml.* metadata or tokenizer.json)`,
  );
}

/** Load `modelPath` and return a LocalGenerator over it (its text assets come from the same file or folder). */
export async function openLocalGenerator(
  modelPath: string,
  options: OpenLocalGeneratorOptions = {},
): Promise<LocalGenerator> {
  const { loaded, assets } = await loadModelWithText(modelPath, options);
  return new LocalGenerator(loaded.model, assets.tokenizer, assets.chatTemplate, {
    id: options.id ?? modelPath,
    maxBatchRows: options.maxBatchRows,
    onProgress: options.onProgress,
  });
}
