// Ranker specs: the zod schema of the recipe's `ranker:` field (object form) and the parser of the
// short string form used by flags (`length`, `regex:...`, `./my-scorer.ts`, `judge:<url>#model`, ...).
// Not the factory (build.ts) and not the recipe schema, which composes rankerSpecSchema.
import { z } from "zod";
import { ConfigError } from "../util/errors.js";

const lengthSpec = z
  .object({
    type: z.literal("length"),
    unit: z
      .enum(["chars", "words", "tokens"])
      .default("chars")
      .describe("what to count; tokens need a tokenizer"),
    prefer: z.enum(["longer", "shorter"]).default("longer").describe("which direction scores higher"),
    target: z.number().positive().optional().describe("when set, score = −|length − target| / target"),
  })
  .strict();
const regexSpec = z
  .object({
    type: z.literal("regex"),
    pattern: z.string().min(1).describe("JavaScript regular expression"),
    flags: z.string().default("").describe("RegExp flags, e.g. 'i'"),
    absent: z.boolean().default(false).describe("reward absence instead of presence"),
  })
  .strict();
const keywordsSpec = z
  .object({
    type: z.literal("keywords"),
    words: z.array(z.string().min(1)).min(1).describe("keywords or phrases"),
    absent: z.boolean().default(false).describe("reward absence instead of presence"),
    caseSensitive: z.boolean().default(false),
  })
  .strict();
const jsonSpec = z
  .object({
    type: z.literal("json"),
    schema: z
      .record(z.string(), z.unknown())
      .optional()
      .describe("JSON Schema the parsed value must satisfy"),
  })
  .strict();
const refusalSpec = z
  .object({
    type: z.literal("refusal"),
    prefer: z.enum(["answer", "refusal"]).default("answer").describe("which one scores 1"),
  })
  .strict();
const repetitionSpec = z
  .object({
    type: z.literal("repetition"),
    n: z.number().int().min(1).max(8).default(3).describe("n-gram size"),
  })
  .strict();
const readingLevelSpec = z
  .object({
    type: z.literal("reading-level"),
    target: z
      .number()
      .optional()
      .describe("Flesch-Kincaid grade to aim at; absent: lower grade scores higher"),
  })
  .strict();
const moduleSpec = z
  .object({
    type: z.literal("module"),
    path: z.string().min(1).describe("a .ts, .js or .mjs file exporting (prompt, response) => number"),
    export: z.string().default("default").describe("the export to call"),
  })
  .strict();
const judgeSpec = z
  .object({
    type: z.literal("judge"),
    baseUrl: z.string().url().describe("OpenAI-compatible endpoint, e.g. http://127.0.0.1:8000/v1"),
    model: z.string().min(1),
    mode: z.enum(["pointwise", "pairwise", "tournament"]).default("pointwise"),
    rubric: z.string().optional().describe("pointwise rubric; a default helpfulness rubric otherwise"),
    references: z.string().optional().describe("pairwise: JSONL file of {prompt, reference} rows"),
    apiKeyEnv: z.string().default("OPENAI_API_KEY").describe("environment variable holding the key"),
    logprobs: z.boolean().default(true).describe("ask for top_logprobs and use expected scores"),
    maxRetries: z.number().int().min(0).default(5),
    timeoutMs: z.number().int().positive().default(60000),
    concurrency: z.number().int().positive().default(4),
    temperature: z.number().min(0).default(0),
  })
  .strict();
const storySuiteSpec = z
  .object({
    type: z.literal("story-suite"),
    weights: z
      .object({
        character: z.number().default(1),
        happyEnding: z.number().default(1),
        noRepetition: z.number().default(1),
        complete: z.number().default(1),
        length: z.number().default(0.5),
      })
      .partial()
      .default({})
      .describe("weight of each component"),
    targetChars: z
      .number()
      .positive()
      .default(300)
      .describe("length control: stories near this length score best"),
  })
  .strict();
const storyJudgeSpec = z.object({ type: z.literal("story-judge") }).strict();
const pairrmSpec = z
  .object({
    type: z.literal("pairrm"),
    path: z.string().default("llm-blender/PairRM").describe("HF folder of llm-blender/PairRM"),
    mode: z.enum(["full", "bubble"]).default("full"),
    seed: z.number().int().default(0),
  })
  .strict();
const classifierSpec = z
  .object({ type: z.literal("classifier"), path: z.string().min(1).describe("HF folder of a reward model") })
  .strict();

export interface EnsembleMemberSpec {
  ranker: RankerSpec;
  weight: number;
}
export interface EnsembleSpec {
  type: "ensemble";
  members: EnsembleMemberSpec[];
  normalise: "z" | "rank" | "none";
  combine: "weighted" | "label-model";
}
export type RankerSpec =
  | z.infer<typeof lengthSpec>
  | z.infer<typeof regexSpec>
  | z.infer<typeof keywordsSpec>
  | z.infer<typeof jsonSpec>
  | z.infer<typeof refusalSpec>
  | z.infer<typeof repetitionSpec>
  | z.infer<typeof readingLevelSpec>
  | z.infer<typeof moduleSpec>
  | z.infer<typeof judgeSpec>
  | z.infer<typeof storySuiteSpec>
  | z.infer<typeof storyJudgeSpec>
  | z.infer<typeof pairrmSpec>
  | z.infer<typeof classifierSpec>
  | EnsembleSpec;
export type JudgeSpec = z.infer<typeof judgeSpec>;
export type StorySuiteSpec = z.infer<typeof storySuiteSpec>;

const objectSpecSchema: z.ZodType<RankerSpec> = z.lazy(() =>
  z.discriminatedUnion("type", [
    lengthSpec,
    regexSpec,
    keywordsSpec,
    jsonSpec,
    refusalSpec,
    repetitionSpec,
    readingLevelSpec,
    moduleSpec,
    judgeSpec,
    storySuiteSpec,
    storyJudgeSpec,
    pairrmSpec,
    classifierSpec,
    ensembleSpec,
  ]),
) as z.ZodType<RankerSpec>;

const ensembleSpec = z
  .object({
    type: z.literal("ensemble"),
    members: z
      .array(
        z
          .object({
            ranker: z.lazy(() => rankerSpecSchema),
            weight: z.number().default(1),
          })
          .strict(),
      )
      .min(1),
    normalise: z.enum(["z", "rank", "none"]).default("z").describe("per-group normalisation before summing"),
    combine: z.enum(["weighted", "label-model"]).default("weighted"),
  })
  .strict();

/**
 * The recipe's `ranker:` field: a short string (see parseRankerString) or the object form.
 * Output is always the object form with defaults filled in.
 */
export const rankerSpecSchema: z.ZodType<RankerSpec, unknown> = z.preprocess((value, ctx) => {
  if (typeof value !== "string") return value;
  try {
    return stringToObject(value);
  } catch (e) {
    ctx.addIssue({ code: "custom", message: e instanceof Error ? e.message : String(e) });
    return z.NEVER;
  }
}, objectSpecSchema) as z.ZodType<RankerSpec, unknown>;

/** Parses a spec from a flag or a recipe; `where` names the flag or field in the error. */
export function parseRankerSpec(input: unknown, where = "ranker"): RankerSpec {
  const r = rankerSpecSchema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const path = issue?.path.length ? `.${issue.path.join(".")}` : "";
  throw new ConfigError(`${where}${path}: ${issue?.message ?? "invalid ranker spec"}`, {
    hint: "see docs/rankers.md for the spec forms, e.g. 'length', 'regex:/please/i', './my-scorer.ts'",
  });
}

function splitWeight(s: string): { weight: number; spec: string } {
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*\*\s*(.+)$/s.exec(s);
  return m ? { weight: Number(m[1]), spec: m[2].trim() } : { weight: 1, spec: s.trim() };
}

function regexParts(body: string): { pattern: string; flags: string } {
  const m = /^\/(.+)\/([a-z]*)$/s.exec(body);
  return m ? { pattern: m[1], flags: m[2] } : { pattern: body, flags: "" };
}

/** The string form → an (unvalidated) object form. Throws ConfigError on unknown names. */
export function stringToObject(raw: string): Record<string, unknown> {
  const s = raw.trim();
  const negated = s.startsWith("!");
  const body = negated ? s.slice(1) : s;
  const colon = body.indexOf(":");
  const head = colon < 0 ? body : body.slice(0, colon);
  const arg = colon < 0 ? "" : body.slice(colon + 1);
  if (/^(\.{1,2}\/|\/)/.test(s) || /\.(m?[jt]s|cjs)(#\w+)?$/.test(s)) {
    const [path, exp] = s.split("#");
    return { type: "module", path, export: exp ?? "default" };
  }
  switch (head) {
    case "length":
      return arg ? { type: "length", unit: arg } : { type: "length" };
    case "regex":
      return { type: "regex", ...regexParts(arg), absent: negated };
    case "keywords":
      return { type: "keywords", words: arg.split(",").map((w) => w.trim()), absent: negated };
    case "json":
    case "refusal":
    case "story-suite":
    case "story-judge":
      return { type: head };
    case "repetition":
      return arg ? { type: "repetition", n: Number(arg) } : { type: "repetition" };
    case "reading-level":
      return arg ? { type: "reading-level", target: Number(arg) } : { type: "reading-level" };
    case "module": {
      const [path, exp] = arg.split("#");
      return { type: "module", path, export: exp || "default" };
    }
    case "judge":
    case "judge-pairwise":
    case "judge-tournament": {
      const hash = arg.lastIndexOf("#");
      if (hash < 0) throw new ConfigError(`ranker '${s}': expected judge:<base url>#<model>`);
      const mode = head === "judge" ? "pointwise" : head.slice("judge-".length);
      return { type: "judge", baseUrl: arg.slice(0, hash), model: arg.slice(hash + 1), mode };
    }
    case "pairrm":
      return arg ? { type: "pairrm", path: arg } : { type: "pairrm" };
    case "classifier":
      return { type: "classifier", path: arg };
    case "ensemble":
    case "ensemble/z":
    case "ensemble/rank":
    case "ensemble/none":
    case "label-model": {
      const members = arg
        .split(";")
        .filter((m) => m.trim())
        .map((m) => {
          const { weight, spec } = splitWeight(m);
          return { ranker: spec, weight };
        });
      if (members.length === 0)
        throw new ConfigError(`ranker '${s}': expected ${head}:<spec>;<weight>*<spec>...`);
      const normalise = head.startsWith("ensemble/") ? head.slice("ensemble/".length) : "z";
      return {
        type: "ensemble",
        members,
        normalise,
        combine: head === "label-model" ? "label-model" : "weighted",
      };
    }
    default:
      throw new ConfigError(
        `ranker '${s}': unknown ranker '${head}'; expected one of length, regex, keywords, json, refusal, ` +
          "repetition, reading-level, story-suite, story-judge, judge, judge-pairwise, judge-tournament, " +
          "ensemble, label-model, pairrm, classifier, or a path to a .ts/.js scorer",
      );
  }
}
