// Uploads a dataset folder (splits + README.md) to a Hugging Face dataset repo through
// @huggingface/hub: creates the repo when missing, then one commit. The token comes from HF_TOKEN,
// the endpoint from HF_ENDPOINT (as huggingface_hub reads them) unless given.
import { openAsBlob } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { createRepo, HubApiError, uploadFiles } from "@huggingface/hub";
import { ConfigError, PrefloopError } from "../util/errors.js";

export interface PushOptions {
  /** default process.env.HF_TOKEN */
  token?: string;
  /** default process.env.HF_ENDPOINT or https://huggingface.co */
  hubUrl?: string;
  private?: boolean;
  commitMessage?: string;
}

export interface PushResult {
  repo: string;
  commit: string | undefined;
  files: string[];
}

export async function pushDataset(dir: string, repo: string, options: PushOptions = {}): Promise<PushResult> {
  if (!/^[\w.-]+\/[\w.-]+$/.test(repo))
    throw new ConfigError(`--push: expected a repo id "owner/name", got "${repo}"`);
  const token = options.token ?? process.env.HF_TOKEN;
  if (!token) {
    throw new ConfigError("--push needs a Hugging Face token: HF_TOKEN is not set", {
      hint: "create a write token at https://huggingface.co/settings/tokens and export HF_TOKEN",
    });
  }
  if (!token.startsWith("hf_")) {
    throw new ConfigError("the Hugging Face token (HF_TOKEN) must start with hf_", {
      hint: "copy a token from https://huggingface.co/settings/tokens",
    });
  }
  const hubUrl = options.hubUrl ?? process.env.HF_ENDPOINT ?? "https://huggingface.co";
  const names = (await readdir(dir)).filter((f) => /\.(parquet|jsonl)$/.test(f) || f === "README.md").sort();
  const files = await Promise.all(
    names.map(async (path) => ({ path, content: await openAsBlob(join(dir, path)) })),
  );
  try {
    try {
      await createRepo({
        repo: { type: "dataset", name: repo },
        accessToken: token,
        hubUrl,
        private: options.private,
      });
    } catch (e) {
      // 409: the repo exists already, which is fine.
      if (!(e instanceof HubApiError && e.statusCode === 409)) throw e;
    }
    const out = await uploadFiles({
      repo: { type: "dataset", name: repo },
      accessToken: token,
      hubUrl,
      files,
      commitTitle: options.commitMessage ?? `prefloop: upload ${names.length} files`,
    });
    return { repo, commit: out?.commit.oid, files: names };
  } catch (e) {
    if (e instanceof HubApiError) {
      throw new PrefloopError(
        "network",
        `push to ${hubUrl}/datasets/${repo} failed: HTTP ${e.statusCode} ${e.message}`,
        {
          hint:
            e.statusCode === 401 || e.statusCode === 403 ? "check that HF_TOKEN has write access" : undefined,
          cause: e,
        },
      );
    }
    if (e instanceof TypeError)
      throw new PrefloopError("network", `push to ${hubUrl} failed: ${e.message}`, { cause: e });
    throw e;
  }
}
